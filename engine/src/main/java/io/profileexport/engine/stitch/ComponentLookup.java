package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.udf;

import io.profileexport.engine.write.DataFiles;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.ref.SoftReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.PrimitiveIterator;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The components of a graph that fits one task, as a lookup every executor loads once from the run's staging: a
 * record then finds its profile in the scan that reads it, and the wide records are shuffled once (by profile, for
 * the merge) instead of twice (by identity for a join with the membership, then by profile). The lookup holds, per
 * linked identity, its component's root, or {@link #OVERSIZED}; about 32 bytes per identity, as much as the one
 * union-find task that made the components held. Nothing of the graph passes through the driver.
 */
final class ComponentLookup implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ComponentLookup.class);
  /**
   * The value of an identity whose component is larger than {@code maxIdentitiesPerGraph}: no identity id (hash ids
   * are non-negative, colliding ones count down from -1), and not the map's {@link LongLongMap#ABSENT}.
   */
  static final long OVERSIZED = Long.MIN_VALUE + 1;
  /** The value of an identity a lookup of only some components does not list: its row is left out. */
  static final long UNLISTED = Long.MIN_VALUE + 2;
  /** Entries per stored chunk (16 bytes each): a few MB per row of the staged file. */
  private static final int CHUNK = 1 << 17;
  static final StructType CHUNKS = new StructType().add("chunk", DataTypes.BinaryType, false);

  /**
   * The lookups loaded in this JVM, by {@link #key}: kept while the GC can spare them (reloaded from the staged files
   * otherwise) and dropped by {@link #release} when their job is done. Concurrent jobs (a job service) each have
   * their own entry, loaded once under that entry's own lock.
   */
  private static final ConcurrentHashMap<String, Entry> LOADED = new ConcurrentHashMap<>();

  /** One lookup's slot: its lock and its map, softly held. */
  private static final class Entry {
    private SoftReference<LongLongMap> roots = new SoftReference<>(null);
  }

  /** The staged folder and a token unique to this lookup: a folder reused later (a lake made again) is another key. */
  private final String key;
  private final String folder;
  private final HadoopSettings hadoopConf;
  private final boolean onlyListed;
  /** This copy's lookup: each task deserializes its own copy, so only its first row looks in {@link #LOADED}. */
  private transient LongLongMap roots;
  /**
   * The last identity {@link #lists} found, or a kept row's decision carried ({@link ListedRows#take}), with its
   * root: the wide read keeps a row by its smallest identity and keys it next ({@link #rootOf}) by the same one, and
   * a probe of a table of millions of identities is a cache and TLB miss. A copy shared by threads may see another
   * thread's: a found pair is immutable and a node has one root, so a match is right whoever stored it.
   */
  private transient Found lastFound;

  private record Found(long node, long root) {}

  private ComponentLookup(String folder, HadoopSettings hadoopConf, boolean onlyListed) {
    this.key = folder + "#" + UUID.randomUUID();
    this.folder = folder;
    this.hadoopConf = hadoopConf;
    this.onlyListed = onlyListed;
  }

  /**
   * Writes the chunks of a lookup ({@link #chunks}, in frame {@link #CHUNKS}) and returns the lookup that reads them.
   *
   * @param store where the chunks are written; the lookup reads them from there until the run's staging is removed
   * @param onlyListed the chunks hold only some components, whole: an identity they do not list is
   *     {@link #UNLISTED} (else it is an identity without links, its own component)
   */
  static ComponentLookup write(Dataset<Row> chunks, ConnectedComponents.Materializer store, String name,
      boolean onlyListed) {
    String folder = store.location(name);
    // Uncompressed: parquet-mr's Snappy stream grows its direct buffer step by step for pages of megabytes, which
    // took half a minute for 7M identities; the chunks are random longs that would not compress anyway.
    chunks.write().mode(SaveMode.Overwrite).option("compression", "none").parquet(folder);
    return new ComponentLookup(folder, HadoopSettings.of(chunks.sparkSession()), onlyListed);
  }

  /**
   * Lookup entries packed into rows of {@link #CHUNKS}: {@code entries} yields an identity, then its component's root
   * or {@link #OVERSIZED}, and so on; each chunk holds such pairs of longs, little-endian.
   */
  static Iterator<InternalRow> chunks(PrimitiveIterator.OfLong entries) {
    return BinaryChunks.of(entries::hasNext, buffer -> buffer.putLong(entries.nextLong()).putLong(entries.nextLong()),
        CHUNK, 16);
  }


  /**
   * The profile component of a row whose smallest identity id is {@code node}: its root, {@link #OVERSIZED}, or for
   * an identity the lookup does not list, {@link #UNLISTED} when it lists only some components, else {@code node}
   * itself (an identity without links).
   */
  Column rootOf(Column node) {
    ComponentLookup self = this;
    return udf((UDF1<Long, Long>) n -> {
      if (n == null) {
        return null;  // no identity: taking-part rows always have one, the primary
      }
      Found found = self.lastFound;
      long root = found != null && found.node() == n ? found.root() : self.roots().get(n);
      return root != LongLongMap.ABSENT ? root : self.onlyListed ? UNLISTED : n;
      // Declared nondeterministic only so that Spark evaluates it once per row: a deterministic UDF would be copied
      // into the filter on UNLISTED pushed below its projection, and looked up twice.
    }, DataTypes.LongType).asNondeterministic().apply(node);
  }

  /**
   * The rows whose component this lookup lists, by their smallest identity id ({@link #lists}); a block's decisions
   * are the roots found, so that a row kept is keyed ({@link #rootOf}) without a second probe.
   */
  IdentityColumns.RowFilter listedRows() {
    return new ListedRows(this);
  }

  private static final class ListedRows implements IdentityColumns.RowFilter {
    private static final long serialVersionUID = 1L;
    private final ComponentLookup lookup;

    ListedRows(ComponentLookup lookup) {
      this.lookup = lookup;
    }

    @Override
    public boolean keeps(long smallestId) {
      return lookup.lists(smallestId);
    }

    @Override
    public void decide(long[] ids, int from, int count, long[] decisions) {
      // Batched: one probe a row took 90 ns a row in the wide read, the batch 63 (blocks alternated in one run).
      lookup.roots().getAll(ids, from, count, decisions, new int[count]);
      for (int i = 0; i < count; i++) {
        if (decisions[i] == LongLongMap.ABSENT) {
          decisions[i] = DROPPED;
        }
      }
    }

    @Override
    public boolean take(long smallestId, long decision) {
      if (decision == DROPPED) {
        return false;
      }
      lookup.lastFound = new Found(smallestId, decision);
      return true;
    }
  }

  /** Whether the lookup lists the component of a row whose smallest identity id is {@code node}. */
  boolean lists(long node) {
    long root = roots().get(node);
    if (root == LongLongMap.ABSENT) {
      return false;
    }
    lastFound = new Found(node, root);
    return true;
  }

  private LongLongMap roots() {
    if (roots == null) {
      roots = shared();
    }
    return roots;
  }

  private LongLongMap shared() {
    Entry entry = LOADED.computeIfAbsent(key, k -> new Entry());
    synchronized (entry) {
      LongLongMap current = entry.roots.get();
      if (current == null) {
        long start = System.nanoTime();
        current = read();
        if (onlyListed) {
          // Asked for every record's smallest identity, most of which it does not list.
          current.summarize();
        }
        LOG.info("identity components loaded from {}: {} identities in {} ms", folder, current.size(),
            (System.nanoTime() - start) / 1_000_000);
        entry.roots = new SoftReference<>(current);
      }
      return current;
    }
  }

  private LongLongMap read() {
    Configuration conf = hadoopConf.configuration();
    Path dir = new Path(folder);
    try {
      FileSystem fs = dir.getFileSystem(conf);
      List<FileStatus> files = new ArrayList<>();
      long bytes = 0;
      for (FileStatus file : fs.listStatus(dir)) {
        if (DataFiles.isDataFile(file.getPath().getName())) {
          files.add(file);
          bytes += file.getLen();
        }
      }
      // Sized from the files (16 bytes an entry, uncompressed), so the table never grows while it fills.
      long entries = bytes / 16 + 16;
      if (entries > LongUnionFind.MAX_NODES) {
        throw new IllegalStateException("the identity components staged in " + folder + " list " + bytes / 16
            + " identities, more than one lookup holds (" + LongUnionFind.MAX_NODES + ")");
      }
      LongLongMap roots = new LongLongMap((int) entries);
      // A batch of entries at a time, their slots loaded first (LongLongMap.touch): every executor's tasks wait for
      // this load before their first row.
      long[] nodes = new long[1024];
      long[] values = new long[nodes.length];
      for (FileStatus file : files) {
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), file.getPath())
            .withConf(conf).build()) {
          for (Group g = reader.read(); g != null; g = reader.read()) {
            ByteBuffer chunk = g.getBinary("chunk", 0).toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            while (chunk.remaining() >= 16) {
              int n = 0;
              while (n < nodes.length && chunk.remaining() >= 16) {
                nodes[n] = chunk.getLong();
                values[n++] = chunk.getLong();
              }
              roots.touch(nodes, n);
              for (int i = 0; i < n; i++) {
                roots.put(nodes[i], values[i]);
              }
            }
          }
        }
      }
      return roots;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the identity components staged in " + folder, e);
    }
  }

  /**
   * Drops this lookup from this JVM (the driver's, which is also the executor in local mode) once its job is done.
   * Executors of a cluster keep theirs softly until the GC needs the memory.
   */
  void release() {
    LOADED.remove(key);
  }
}
