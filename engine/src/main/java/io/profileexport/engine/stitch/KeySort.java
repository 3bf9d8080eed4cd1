package io.profileexport.engine.stitch;

import io.profileexport.engine.LongRadix;
import io.profileexport.engine.RowsAhead;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.execution.UnsafeExternalRowSorter;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.JavaConverters;

/**
 * Sorts a partition of emitted graph rows ({@link GraphRows#EMITTED}) by key for the scan ({@link GraphRows#edges}).
 *
 * <p>Spark's sort of rows radix-sorts (key prefix, pointer) pairs, then reads each row through its pointer, from
 * wherever it landed in the sorter's pages: a cache and TLB miss for each of millions of small rows, which was most
 * of the graph pass's reduce side. Here each row's fields are copied into arrays as the shuffle hands them over, in
 * order, and the arrays are radix-sorted together by key, so the scan reads them in order too. An identity's texts
 * stay where they were copied, their lengths go with the row; the scan reads them only to compare a key's second
 * and later identities with its first.
 *
 * <p>The arrays take {@link #BYTES_PER_ROW} a row; a partition of more than {@code maxRows} rows (the task's share
 * of the heap), or with more than a gigabyte of texts, goes to Spark's external sorter instead, which spills.
 */
final class KeySort {
  /**
   * Heap a buffered row takes at the peak: key, other id, kind with its texts' place, their lengths (twice while
   * sorting), texts.
   */
  static final long BYTES_PER_ROW = 112;
  private static final int MAX_TEXT_BYTES = 1 << 30;
  private static final int KIND_BITS = 16;

  private long[] keys = new long[1 << 12];
  private long[] others = new long[1 << 12];
  /** The row's kind in the low {@link #KIND_BITS}, above them 1 + the offset of its texts, or 0 without. */
  private long[] metas = new long[1 << 12];
  /**
   * The lengths of the row's texts: namespace key above, id below. Sorted with the rows, so that the scan makes a
   * row's texts without reading them: they lie wherever their row arrived, and most keys have one identity row,
   * whose texts are then never read at all (reading each row's lengths from the texts was a cache miss a row, half
   * of the reduce).
   */
  private long[] lengths = new long[1 << 12];
  private int size;
  /** Whether the rows are in key order: only then does the iterator load texts ahead ({@link #touch}). */
  private boolean sorted;
  /** Identity texts, each as the namespace key's bytes, then the id's. */
  private byte[] texts = new byte[1 << 16];
  private int textSize;

  private KeySort() {}

  /**
   * The rows of {@code rows} by key (ascending, as signed longs); rows of one key in no particular order. The rows
   * returned are reused, but the texts of each stay valid: the scan keeps a key's first identity as it is.
   */
  static Iterator<InternalRow> sorted(Iterator<InternalRow> rows, long maxRows) {
    KeySort buffer = new KeySort();
    while (rows.hasNext()) {
      if (buffer.size >= maxRows || buffer.textSize > MAX_TEXT_BYTES) {
        return buffer.spilling(rows);
      }
      buffer.add(rows.next());
    }
    buffer.sort();
    return buffer.iterator();
  }

  private void add(InternalRow row) {
    if (size == keys.length) {
      int grown = (int) Math.min(Integer.MAX_VALUE - 8, keys.length * 2L);
      keys = Arrays.copyOf(keys, grown);
      others = Arrays.copyOf(others, grown);
      metas = Arrays.copyOf(metas, grown);
      lengths = Arrays.copyOf(lengths, grown);
    }
    int kind = row.getInt(2);
    if (kind >>> KIND_BITS != 0) {
      throw new IllegalStateException("graph row kind " + kind + " does not fit " + KIND_BITS + " bits");
    }
    long textAt = 0;
    long length = 0;
    if (!row.isNullAt(3)) {
      textAt = textSize + 1L;
      UTF8String ns = row.getUTF8String(3);
      UTF8String id = row.getUTF8String(4);
      putText(ns);
      putText(id);
      length = (long) ns.numBytes() << 32 | id.numBytes();
    }
    lengths[size] = length;
    keys[size] = row.getLong(0);
    others[size] = row.getLong(1);
    metas[size++] = textAt << KIND_BITS | kind;
  }

  private void putText(UTF8String text) {
    int n = text.numBytes();
    if (textSize + n > texts.length) {
      texts = Arrays.copyOf(texts, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(textSize + (long) n,
          texts.length * 2L)));
    }
    TextBytes.copy(text, texts, textSize);
    textSize += n;
  }

  /**
   * By key ({@link LongRadix}: the keys and their rows' indexes alone), then the other three arrays put in that order
   * once: moving the four arrays together in each pass wrote 32 bytes a row into 1,024 streams, where the keys and
   * indexes are 12 bytes in 512.
   */
  private void sort() {
    LongRadix.Sorted byKey = LongRadix.sort(keys, size);
    keys = byKey.keys();
    int[] order = byKey.order();
    // Each array's old storage takes the next one's gathered values: one spare array serves all three.
    long[] spare = byKey.spare();
    long[] put = gathered(others, order, spare);
    spare = others;
    others = put;
    put = gathered(metas, order, spare);
    spare = metas;
    metas = put;
    lengths = gathered(lengths, order, spare);
    sorted = true;
  }

  /** {@code values} in {@code order}, written into {@code into} (at least as long as {@code order}); returns it. */
  private static long[] gathered(long[] values, int[] order, long[] into) {
    for (int i = 0; i < order.length; i++) {
      into[i] = values[order[i]];
    }
    return into;
  }

  /** Rows whose texts {@link #touch} loads at once, a block ahead of the scan. */
  private static final int TOUCH_ROWS = 512;
  /** Where {@link #touch} leaves what it read, so that the compiler keeps its loads. */
  private int touched;

  /**
   * Loads the first and last bytes of the texts the scan will compare among rows {@code from} to {@code to - 1}:
   * those of identity rows next to a row of the same key (a key's later identities are compared with its first). The
   * texts lie where their rows arrived, so each is a cache miss or two; loaded here, a block ahead of the scan, in a
   * loop whose loads do not wait on each other, the misses overlap, where the scan's comparisons took them one at a
   * time: the scan and what consumes its rows took 87 ns a row against 150 (the edge pass's partitions alternated
   * in one `scripts/bench --export-only` run, 31M rows each way; first bytes alone, 110 ns).
   */
  private void touch(int from, int to) {
    int sum = 0;
    for (int i = from; i < to; i++) {
      long textAt = metas[i] >>> KIND_BITS;
      long key = keys[i];
      long length = lengths[i];
      int bytes = (int) (length >>> 32) + (int) length;
      // Empty texts are not read: their place may be the end of the buffer.
      boolean compared = textAt != 0 && bytes > 0
          && (i > 0 && keys[i - 1] == key || i + 1 < size && keys[i + 1] == key);
      int first = compared ? (int) (textAt - 1) : 0;
      int last = compared ? first + bytes - 1 : 0;
      sum += texts[first] + texts[last];
    }
    touched += sum;
  }

  private Iterator<InternalRow> iterator() {
    SpecificInternalRow out = new SpecificInternalRow(GraphRows.EMITTED);
    return new RowsAhead(size, TOUCH_ROWS) {
      @Override
      protected void load(int from, int to) {
        if (sorted) {
          touch(from, to);
        }
      }

      @Override
      protected InternalRow row(int at) {
        long meta = metas[at];
        out.setLong(0, keys[at]);
        out.setLong(1, others[at]);
        out.setInt(2, (int) (meta & ((1 << KIND_BITS) - 1)));
        long textAt = meta >>> KIND_BITS;
        if (textAt == 0) {
          out.setNullAt(3);
          out.setNullAt(4);
        } else {
          // Texts pointing into the buffer, made without reading it.
          int ns = (int) (textAt - 1);
          long length = lengths[at];
          int nsLength = (int) (length >>> 32);
          out.update(3, UTF8String.fromBytes(texts, ns, nsLength));
          out.update(4, UTF8String.fromBytes(texts, ns + nsLength, (int) length));
        }
        return out;
      }
    };
  }

  /** The buffered rows and the rest of {@code rows}, sorted by Spark's external sorter, which spills as it must. */
  private Iterator<InternalRow> spilling(Iterator<InternalRow> rows) {
    try {
      UnsafeExternalRowSorter sorter = RowsAhead.sparkSorter(GraphRows.EMITTED, 0);
      UnsafeProjection unsafe = UnsafeProjection.create(GraphRows.EMITTED);
      Iterator<InternalRow> buffered = iterator();
      while (buffered.hasNext()) {
        sorter.insertRow(unsafe.apply(buffered.next()));
      }
      keys = others = metas = lengths = null;
      texts = null;
      while (rows.hasNext()) {
        InternalRow row = rows.next();
        sorter.insertRow(row instanceof UnsafeRow u ? u : unsafe.apply(row));
      }
      Iterator<InternalRow> sorted = JavaConverters.asJavaIterator(sorter.sort());
      // The sorter reuses its rows' buffers: the texts, which the scan keeps, are copied.
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return sorted.hasNext();
        }

        @Override
        public InternalRow next() {
          InternalRow row = sorted.next();
          if (!row.isNullAt(3)) {
            row = row.copy();
          }
          return row;
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
