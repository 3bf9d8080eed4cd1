package io.profileexport.engine.stitch;

import io.profileexport.engine.InternalRowFrames;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.ref.SoftReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The smallest identity id of every record the graph pass read, by the record's data file and its index in that file
 * ({@code _metadata.file_path}, {@code _metadata.row_index}), so that the wide read finds whether a record's profile
 * is kept without reading its identity map again: the graph pass scans each record's identities anyway, and the
 * wide read's own scan of them was a fifth of its time. Rows that do not take part are recorded as {@link #NONE}.
 *
 * <p>Each graph-pass task writes, per run of consecutive rows of one file, the runs' ids as little-endian longs to
 * {@code <folder>/<file key>/<first row>.ids} (written under a temporary name and renamed, so a run is whole or
 * absent; a retried task writes the same bytes). Each JVM loads a file's runs the first time one of its tasks reads
 * that file, and keeps them while the GC can spare them. A row no run covers is an error, never a row left out.
 */
public final class SmallestIdsByRow implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SmallestIdsByRow.class);
  /** The id of a row that does not take part (no identity, or not exactly one primary): no hash or final id. */
  public static final long NONE = Long.MIN_VALUE + 3;
  /** A row no run covered. */
  private static final long MISSING = Long.MIN_VALUE + 4;
  private static final String SUFFIX = ".ids";
  /** Rows a writer buffers before it writes a run out: 1 MB. */
  private static final int RUN_ROWS = 1 << 17;

  /** Files' ids loaded in this JVM, by {@link #key} and file key, softly held; dropped by {@link #release}. */
  private static final ConcurrentHashMap<String, ConcurrentHashMap<String, SoftReference<long[]>>> LOADED =
      new ConcurrentHashMap<>();

  private final String key;
  private final String folder;
  private final HadoopSettings hadoopConf;
  /** The file this copy read last and its ids, replaced whole (a copy shared by two threads reads a consistent pair). */
  private transient Loaded last;

  /** A file's ids, and the text it was asked for by (the scan's own, for {@link #sameText}). */
  private record Loaded(UTF8String file, long[] ids, UTF8String asked) {}

  /**
   * Whether {@code text} equals {@code known}, which the text {@code asked} last time was found equal to. A scan
   * hands over each file's path as one text for all its rows (a constant column), so the same object is the same
   * file, without comparing a path's bytes for every row (2% of the graph pass). Spark makes a new text object for
   * each value it reads from memory it reuses, and hands over the same object again only for a value it keeps (a
   * constant column's), whose bytes do not change: so the same object has the same bytes. {@code asked}, whose
   * memory may since have been reused, is only ever compared by reference.
   */
  private static boolean sameText(UTF8String text, UTF8String asked, UTF8String known) {
    return known != null && (text == asked || known.equals(text));
  }

  private SmallestIdsByRow(String folder, HadoopSettings hadoopConf) {
    this.key = folder + "#" + UUID.randomUUID();
    this.folder = folder;
    this.hadoopConf = hadoopConf;
  }

  /** Ids to be written by the graph pass's tasks under {@code folder} (a Hadoop path), and read by the wide read. */
  static SmallestIdsByRow at(String folder, SparkSession spark) {
    return new SmallestIdsByRow(folder, HadoopSettings.of(spark));
  }

  /** A task's writer: rows in the order the task reads them. */
  Writer writer() {
    return new Writer();
  }

  /** Writes a task's rows as runs of consecutive rows of one file. */
  final class Writer {
    private UTF8String file;
    /** The text last asked for, known to equal {@link #file} ({@link #sameText}). */
    private UTF8String asked;
    private long first;
    private long[] ids = new long[1024];
    private int count;

    /** Records the smallest id of row {@code rowIndex} of {@code file} ({@link #NONE} when it does not take part). */
    void add(UTF8String path, long rowIndex, long smallestId) {
      if (!sameText(path, asked, file) || rowIndex != first + count || count == RUN_ROWS) {
        flush();
        file = path.clone();  // the scan may reuse the buffer it points into
        first = rowIndex;
      }
      asked = path;
      if (count == ids.length) {
        ids = Arrays.copyOf(ids, Math.min(RUN_ROWS, ids.length * 2));
      }
      ids[count++] = smallestId;
    }

    /** Writes the pending run out; called once the task's rows are all read. */
    void flush() {
      if (count == 0) {
        return;
      }
      ByteBuffer bytes = ByteBuffer.allocate(count * 8).order(ByteOrder.LITTLE_ENDIAN);
      bytes.asLongBuffer().put(ids, 0, count);
      Path dir = new Path(folder, fileKey(file));
      Path target = new Path(dir, first + SUFFIX);
      Path temporary = new Path(dir, "." + first + "-" + UUID.randomUUID() + ".tmp");
      try {
        FileSystem fs = dir.getFileSystem(conf());
        try (FSDataOutputStream out = fs.create(temporary, false)) {
          out.write(bytes.array());
        }
        // A retried or speculative task wrote the same bytes already, if the target is there.
        if (!fs.rename(temporary, target)) {
          fs.delete(temporary, false);
          if (!fs.exists(target)) {
            throw new IOException("cannot rename " + temporary + " to " + target);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot stage the identity ids of the records of " + file, e);
      }
      count = 0;
    }
  }

  /**
   * The column of whether a record, by its file and row index, takes part and {@code filter} keeps it by its
   * smallest id; for the wide read's filter on the scan's rows.
   */
  Column keeps(Column file, Column rowIndex, IdentityColumns.RowFilter filter) {
    return InternalRowFrames.invoke(new Keeper(this, filter), "keeps", DataTypes.BooleanType,
        /* returnNullable */ false, file, rowIndex);
  }

  /** {@link #keeps}'s per-row call, from the scan's generated code. */
  public static final class Keeper implements Serializable {
    private static final long serialVersionUID = 1L;
    private final SmallestIdsByRow ids;
    private final IdentityColumns.RowFilter filter;

    /** The decisions of the block of rows last asked for. */
    private transient Block block;

    /**
     * A block's file ids, first row and one decision per row, replaced whole: a keep shared by two threads reads a
     * consistent block, as a decision taken from another file's or block's row would key a row by another's root.
     */
    private record Block(long[] ids, long start, long[] decisions) {}

    Keeper(SmallestIdsByRow ids, IdentityColumns.RowFilter filter) {
      this.ids = ids;
      this.filter = filter;
    }

    public boolean keeps(UTF8String file, long rowIndex) {
      long[] all = ids.idsOf(file);
      long id = ids.idAt(all, file, rowIndex);
      if (id == NONE) {
        return false;
      }
      // The filter decides a block of rows at once: a lookup's probes, each a cache miss, then overlap, where one
      // probe a row, between the scan's work on each, was a quarter of the wide read. The decision a row gets then
      // carries what the lookup found (its component), so that keeping the row as it is read costs no probe again.
      long start = rowIndex & -BLOCK_ROWS;
      Block b = block;
      if (b == null || b.ids() != all || b.start() != start) {
        long[] decisions = new long[(int) Math.min(BLOCK_ROWS, all.length - start)];
        filter.decide(all, (int) start, decisions.length, decisions);
        b = new Block(all, start, decisions);
        block = b;
      }
      return filter.take(id, b.decisions()[(int) (rowIndex - start)]);
    }
  }

  /** Rows a {@link Keeper} decides at once. */
  static final int BLOCK_ROWS = 1024;

  /** The smallest id recorded for row {@code rowIndex} of {@code file}, or {@link #NONE}. */
  long smallestId(UTF8String file, long rowIndex) {
    return idAt(idsOf(file), file, rowIndex);
  }

  /** The smallest ids of {@code file}'s rows, by row index. */
  private long[] idsOf(UTF8String file) {
    Loaded seen = last;
    if (seen == null || !sameText(file, seen.asked(), seen.file())) {
      seen = new Loaded(file.clone(), idsOf(file.toString()), file);
      last = seen;
    }
    return seen.ids();
  }

  /** Row {@code rowIndex}'s id in {@code ids}, {@code file}'s; a row no run covered is an error. */
  private long idAt(long[] ids, UTF8String file, long rowIndex) {
    long id = rowIndex >= 0 && rowIndex < ids.length ? ids[(int) rowIndex] : MISSING;
    if (id == MISSING) {
      throw new IllegalStateException("the identity graph pass recorded no identity ids for row " + rowIndex
          + " of " + file + " (under " + folder + "): the file changed between the two reads of the records");
    }
    return id;
  }

  private long[] idsOf(String file) {
    String fileKey = fileKey(UTF8String.fromString(file));
    ConcurrentHashMap<String, SoftReference<long[]>> files = LOADED.computeIfAbsent(key,
        k -> new ConcurrentHashMap<>());
    SoftReference<long[]> held = files.get(fileKey);
    long[] ids = held == null ? null : held.get();
    if (ids == null) {
      ids = read(new Path(folder, fileKey));
      files.put(fileKey, new SoftReference<>(ids));
    }
    return ids;
  }

  private long[] read(Path dir) {
    try {
      FileSystem fs = dir.getFileSystem(conf());
      if (!fs.exists(dir)) {
        return new long[0];
      }
      FileStatus[] runs = fs.listStatus(dir, p -> p.getName().endsWith(SUFFIX) && !p.getName().startsWith("."));
      long rows = 0;
      for (FileStatus run : runs) {
        rows = Math.max(rows, firstRow(run.getPath()) + run.getLen() / 8);
      }
      if (rows > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("more than 2^31 records in one file: " + dir);
      }
      long[] ids = new long[(int) rows];
      Arrays.fill(ids, MISSING);
      for (FileStatus run : runs) {
        byte[] bytes = new byte[(int) run.getLen()];
        try (FSDataInputStream in = fs.open(run.getPath())) {
          in.readFully(bytes);
        }
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer()
            .get(ids, (int) firstRow(run.getPath()), bytes.length / 8);
      }
      LOG.debug("identity ids of {} records loaded from {}", rows, dir);
      return ids;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the identity ids staged in " + dir, e);
    }
  }

  private static long firstRow(Path run) {
    String name = run.getName();
    return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
  }

  /** A folder name for a data file: a digest of its path, which any path may be. */
  static String fileKey(UTF8String file) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(file.getBytes());
      return java.util.HexFormat.of().formatHex(digest, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Configuration conf() {
    return hadoopConf.configuration();
  }

  /** Drops what this JVM loaded; once the job's rows are written. */
  void release() {
    LOADED.remove(key);
  }
}
