package io.profileexport.engine.stitch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The identity graph's edges ({@link GraphRows#EDGES}: a, b, kind) as they are staged between the pass that makes them
 * and the union-find that reads them: many edges to a row of one binary value, 20 bytes each (a, b, kind;
 * little-endian). Parquet then writes and reads a few large values instead of three columns of millions of rows,
 * whose per-value work was a fifth of the pass that writes them and the row-by-row reading a tenth of the union-find
 * task; the bytes on disk are the same (plain, uncompressed, see StagedFrames). {@link #unpacked} gives the edges back
 * as rows for the Spark plans that read them (the iterated rounds, the join of marks, the benchmark).
 */
final class EdgeChunks {
  static final StructType SCHEMA = new StructType().add("edges", DataTypes.BinaryType, false);
  static final int BYTES_PER_EDGE = 20;
  /** Edges per value: 640 KiB, under the Parquet page and row group sizes, and few values per task. */
  static final int EDGES_PER_CHUNK = 1 << 15;

  private EdgeChunks() {}

  /** Rows of {@link #SCHEMA} holding {@code edges} (rows of {@link GraphRows#EDGES}), in their order. */
  static Iterator<InternalRow> packed(Iterator<InternalRow> edges) {
    return BinaryChunks.of(edges::hasNext, buffer -> {
      InternalRow edge = edges.next();
      buffer.putLong(edge.getLong(0)).putLong(edge.getLong(1)).putInt(edge.getInt(2));
    }, EDGES_PER_CHUNK, BYTES_PER_EDGE);
  }


  /** Reads edges from rows of {@link #SCHEMA} into arrays, a batch at a time. */
  static final class Reader {
    private final Iterator<InternalRow> chunks;
    private ByteBuffer current = ByteBuffer.allocate(0);

    Reader(Iterator<InternalRow> chunks) {
      this.chunks = chunks;
    }

    /** Fills the arrays from index 0 with the next edges, as many as they hold; returns how many, 0 at the end. */
    int fill(long[] as, long[] bs, int[] kinds) {
      int n = 0;
      while (n < as.length) {
        if (!current.hasRemaining()) {
          if (!chunks.hasNext()) {
            break;
          }
          byte[] bytes = chunks.next().getBinary(0);
          if (bytes.length % BYTES_PER_EDGE != 0) {
            throw new IllegalStateException("a staged chunk of identity graph edges has " + bytes.length
                + " bytes, not a multiple of " + BYTES_PER_EDGE + ": the stitch staging folder was changed");
          }
          current = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
          continue;
        }
        as[n] = current.getLong();
        bs[n] = current.getLong();
        kinds[n] = current.getInt();
        n++;
      }
      return n;
    }
  }

  /** The edges of rows of {@link #SCHEMA} as rows of {@link GraphRows#EDGES}; one row object, reused. */
  static Iterator<InternalRow> unpacked(Iterator<InternalRow> chunks) {
    Reader reader = new Reader(chunks);
    int batch = 1 << 10;
    long[] as = new long[batch];
    long[] bs = new long[batch];
    int[] kinds = new int[batch];
    SpecificInternalRow row = new SpecificInternalRow(GraphRows.EDGES);
    return new Iterator<>() {
      private int at;
      private int held;

      @Override
      public boolean hasNext() {
        if (at == held) {
          held = reader.fill(as, bs, kinds);
          at = 0;
        }
        return at < held;
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        row.setLong(0, as[at]);
        row.setLong(1, bs[at]);
        row.setInt(2, kinds[at]);
        at++;
        return row;
      }
    };
  }
}
