package io.profileexport.engine.merge;

import io.profileexport.engine.LongRadix;
import io.profileexport.engine.RowsAhead;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.execution.UnsafeExternalRowSorter;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import scala.collection.JavaConverters;

/**
 * A partition of the merge's rows sorted by their profile key's hash (a long column), for {@link ProfileMerger}: rows
 * of one hash together, in no particular order among them.
 *
 * <p>Spark's sort radix-sorts (prefix, pointer) pairs and then reads each row through its pointer, from wherever it
 * landed in its pages: a cache and TLB miss a row, waited for alone, a tenth of the merge stage. Here the rows are
 * copied into pages as the shuffle hands them over, their hashes sorted ({@link LongRadix}), and the iterator loads a
 * block of rows ahead of the merger in a loop of independent loads ({@link #touch}), so those misses overlap. A
 * partition past {@code maxBytes} goes to Spark's external sorter instead, which spills.
 */
final class HashSorted {
  /** The largest page rows are copied into; pages start at 64 KB and double up to it. */
  static final int MAX_PAGE_BYTES = 8 << 20;
  private static final int FIRST_PAGE_BYTES = 64 << 10;
  /** Heap the arrays take per row they can hold: its place, length and hash. */
  private static final int ARRAY_BYTES_PER_ROW = 20;
  /** Heap the sort takes per row: the hashes' twin and two arrays of indexes. */
  private static final int SORT_BYTES_PER_ROW = 16;
  /** The most rows a partition holds here (the arrays' length): past it, Spark's sorter takes them. */
  private static final int MAX_ROWS = Integer.MAX_VALUE - 8;
  /** Rows {@link #touch} loads at once, a block ahead of the merger. */
  private static final int TOUCH_ROWS = 64;

  private final int fields;
  private final int maxPage;
  private final List<byte[]> pages = new ArrayList<>();
  /** The index in {@link #pages} of the page rows are copied into, -1 before the first. */
  private int current = -1;
  private int used;
  /** The last row copied into each page, by page index: the spill frees each page once its rows are handed over. */
  private int[] lastRowOfPage = new int[16];
  /** Each row's page (high 32 bits) and offset in it. */
  private long[] places = new long[1 << 12];
  private int[] lengths = new int[1 << 12];
  private long[] hashes = new long[1 << 12];
  private int size;
  /** The pages' bytes, allocated whole. */
  private long pageBytes;
  /** Where {@link #touch} leaves what it read, so that the compiler keeps its loads. */
  private int touched;

  private HashSorted(int fields, int maxPage) {
    this.fields = fields;
    this.maxPage = maxPage;
  }

  /**
   * @param rows rows of {@code schema}; the rows returned are reused, each valid until the next is asked for
   * @param hashIdx the ordinal of the long column sorted by, never null
   * @param maxBytes the heap the partition may take here: its pages, arrays and sort
   */
  static Iterator<InternalRow> sorted(Iterator<InternalRow> rows, StructType schema, int hashIdx, long maxBytes) {
    return sorted(rows, schema, hashIdx, maxBytes, MAX_PAGE_BYTES);
  }

  /** As {@link #sorted(Iterator, StructType, int, long)}, with pages of at most {@code maxPage} bytes. */
  static Iterator<InternalRow> sorted(Iterator<InternalRow> rows, StructType schema, int hashIdx, long maxBytes,
      int maxPage) {
    HashSorted buffer = new HashSorted(schema.length(), maxPage);
    UnsafeProjection unsafe = null;
    while (rows.hasNext()) {
      InternalRow row = rows.next();
      if (!(row instanceof UnsafeRow)) {
        unsafe = unsafe == null ? UnsafeProjection.create(schema) : unsafe;
      }
      UnsafeRow u = row instanceof UnsafeRow r ? r : unsafe.apply(row);
      buffer.add(u, u.getLong(hashIdx));
      if (buffer.heap() > maxBytes || buffer.size == MAX_ROWS) {
        return buffer.spilling(rows, schema, hashIdx);
      }
    }
    return buffer.iterator();
  }

  /** The heap the partition takes here once sorted. */
  private long heap() {
    return pageBytes + (long) places.length * ARRAY_BYTES_PER_ROW + (long) size * SORT_BYTES_PER_ROW;
  }

  private void add(UnsafeRow row, long hash) {
    int length = row.getSizeInBytes();
    int pageIndex;
    int at;
    if (length > maxPage) {
      // A page of its own; the current one stays the one rows are copied into.
      pageIndex = newPage(length);
      at = 0;
    } else {
      if (current < 0 || used + length > pages.get(current).length) {
        int next = current < 0 ? Math.min(maxPage, FIRST_PAGE_BYTES) : Math.min(maxPage, pages.get(current).length * 2);
        current = newPage(Math.max(next, length));
        used = 0;
      }
      pageIndex = current;
      at = used;
      used += length;
    }
    if (size == places.length) {
      int grown = (int) Math.min(MAX_ROWS, places.length * 2L);
      places = Arrays.copyOf(places, grown);
      lengths = Arrays.copyOf(lengths, grown);
      hashes = Arrays.copyOf(hashes, grown);
    }
    row.writeToMemory(pages.get(pageIndex), Platform.BYTE_ARRAY_OFFSET + at);
    lastRowOfPage[pageIndex] = size;
    places[size] = (long) pageIndex << 32 | at;
    lengths[size] = length;
    hashes[size++] = hash;
  }

  private int newPage(int bytes) {
    pages.add(new byte[bytes]);
    pageBytes += bytes;
    if (pages.size() > lastRowOfPage.length) {
      lastRowOfPage = Arrays.copyOf(lastRowOfPage, lastRowOfPage.length * 2);
    }
    return pages.size() - 1;
  }

  private Iterator<InternalRow> iterator() {
    int[] order = LongRadix.sort(hashes, size).order();
    hashes = null;
    byte[][] all = pages.toArray(new byte[0][]);
    UnsafeRow out = new UnsafeRow(fields);
    return new RowsAhead(size, TOUCH_ROWS) {
      @Override
      protected void load(int from, int to) {
        touch(all, order, from, to);
      }

      @Override
      protected InternalRow row(int at) {
        int row = order[at];
        long place = places[row];
        out.pointTo(all[(int) (place >>> 32)], Platform.BYTE_ARRAY_OFFSET + (int) place, lengths[row]);
        return out;
      }
    };
  }

  /**
   * Loads every cache line of the rows at {@code order[from]} to {@code order[to - 1]}, in a loop whose loads do not
   * wait on each other: the merger then finds them in the caches, where it waited for each row's miss alone.
   */
  private void touch(byte[][] all, int[] order, int from, int to) {
    int sum = 0;
    for (int i = from; i < to; i++) {
      int row = order[i];
      long place = places[row];
      byte[] rowPage = all[(int) (place >>> 32)];
      int start = (int) place;
      int end = start + lengths[row];
      for (int at = start; at < end; at += 64) {
        sum += rowPage[at];
      }
      sum += end > start ? rowPage[end - 1] : 0;  // the last line, which the stride may step over
    }
    touched += sum;
  }

  /** The buffered rows and the rest of {@code rows}, sorted by Spark's external sorter, which spills as it must. */
  private Iterator<InternalRow> spilling(Iterator<InternalRow> rows, StructType schema, int hashIdx) {
    try {
      UnsafeExternalRowSorter sorter = RowsAhead.sparkSorter(schema, hashIdx);
      UnsafeRow buffered = new UnsafeRow(fields);
      for (int i = 0; i < size; i++) {
        long place = places[i];
        int pageIndex = (int) (place >>> 32);
        buffered.pointTo(pages.get(pageIndex), Platform.BYTE_ARRAY_OFFSET + (int) place, lengths[i]);
        sorter.insertRow(buffered);
        if (lastRowOfPage[pageIndex] == i) {
          pages.set(pageIndex, null);  // handed over whole: the sorter holds its rows in its own memory now
        }
      }
      pages.clear();
      places = null;
      lengths = null;
      hashes = null;
      UnsafeProjection unsafe = UnsafeProjection.create(schema);
      while (rows.hasNext()) {
        InternalRow row = rows.next();
        sorter.insertRow(row instanceof UnsafeRow u ? u : unsafe.apply(row));
      }
      return JavaConverters.asJavaIterator(sorter.sort());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
