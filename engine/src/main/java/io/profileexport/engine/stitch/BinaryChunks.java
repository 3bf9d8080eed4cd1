package io.profileexport.engine.stitch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;

/**
 * Fixed-size items packed many to a row of one binary value, little-endian: how stitching stages what only its own
 * code reads back (the edges, {@link EdgeChunks}; the lookup, {@link ComponentLookup}), so that Parquet writes a few
 * large values instead of columns of millions of rows.
 */
final class BinaryChunks {
  private BinaryChunks() {}

  /**
   * Rows of one binary value, each holding up to {@code itemsPerChunk} items in the order given.
   *
   * @param more whether an item is left
   * @param putNext writes the next item, {@code bytesPerItem} bytes, into the buffer
   */
  static Iterator<InternalRow> of(BooleanSupplier more, Consumer<ByteBuffer> putNext, int itemsPerChunk,
      int bytesPerItem) {
    ByteBuffer buffer = ByteBuffer.allocate(itemsPerChunk * bytesPerItem).order(ByteOrder.LITTLE_ENDIAN);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return more.getAsBoolean();
      }

      @Override
      public InternalRow next() {
        if (!more.getAsBoolean()) {
          throw new NoSuchElementException();
        }
        buffer.clear();
        while (more.getAsBoolean() && buffer.hasRemaining()) {
          putNext.accept(buffer);
        }
        byte[] bytes = new byte[buffer.position()];
        buffer.flip().get(bytes);
        return new GenericInternalRow(new Object[] {bytes});
      }
    };
  }
}
