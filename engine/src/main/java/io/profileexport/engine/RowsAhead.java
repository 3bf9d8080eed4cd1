package io.profileexport.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.UnsafeExternalRowSorter;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.collection.unsafe.sort.PrefixComparators;
import org.apache.spark.util.collection.unsafe.sort.RecordComparator;

/**
 * Rows 0 to {@code size - 1} of a buffer sorted in a task's own arrays ({@link LongRadix}), handed out in order, each
 * block's memory loaded a block ahead ({@link #load}) in a loop of independent loads: where each row's data lies
 * wherever it arrived, reading it when asked waits for each cache miss alone, and a loop that only loads overlaps
 * them. Used by the graph pass's reduce ({@code KeySort}) and the merge ({@code HashSorted}), which also share
 * {@link #sparkSorter} for partitions too large for their arrays.
 */
public abstract class RowsAhead implements Iterator<InternalRow> {
  private final int size;
  private final int block;
  private int at;

  protected RowsAhead(int size, int block) {
    this.size = size;
    this.block = block;
  }

  /** Loads what rows {@code from} to {@code to - 1} will read (their values unused). */
  protected abstract void load(int from, int to);

  /** Row {@code at}, which may be reused for the next. */
  protected abstract InternalRow row(int at);

  @Override
  public final boolean hasNext() {
    return at < size;
  }

  @Override
  public final InternalRow next() {
    if (at >= size) {
      throw new NoSuchElementException();
    }
    if (at % block == 0) {
      if (at == 0) {
        load(0, Math.min(size, block));
      }
      load(Math.min(size, at + block), Math.min(size, at + 2 * block));
    }
    return row(at++);
  }

  /**
   * Spark's external sorter (which spills as it must) of rows of {@code schema} by the long column {@code ordinal}
   * alone: the column is the whole sort prefix, so rows with equal prefixes are equal as far as the order goes.
   */
  public static UnsafeExternalRowSorter sparkSorter(StructType schema, int ordinal) {
    UnsafeExternalRowSorter.PrefixComputer prefix = new UnsafeExternalRowSorter.PrefixComputer() {
      private final Prefix result = new Prefix();

      @Override
      public Prefix computePrefix(InternalRow row) {
        result.isNull = false;
        result.value = row.getLong(ordinal);
        return result;
      }
    };
    try {
      return UnsafeExternalRowSorter.createWithRecordComparator(schema, () -> new RecordComparator() {
        @Override
        public int compare(Object l, long lOffset, int lLength, Object r, long rOffset, int rLength) {
          return 0;
        }
      }, PrefixComparators.LONG, prefix, SparkEnv.get().memoryManager().pageSizeBytes(), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
