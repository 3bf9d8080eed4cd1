package io.profileexport.engine.stitch;

import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.hash.Murmur3_x86_32;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The graph pass's emitted rows ({@link GraphRows#EMITTED}) packed, many to a row, for the shuffle by key.
 *
 * <p>Why: the shuffle costs Spark a conversion to its row format, a partitioner call and a serializer call per row,
 * and an emitted row is small (a link is two longs and a kind) while there are tens of millions of them; in row
 * format a link takes 48 bytes. Each map task instead packs its rows into one buffer per reduce partition (the
 * partition of a key is worked out here, so one key's rows all land in one buffer), and ships each full buffer as
 * one row: {@code bucket}, a number Spark's hash partitioning sends to that partition, and the rows. The reduce side
 * unpacks them into emitted rows again. Which partition a key goes to does not change what the scan of a partition
 * finds: a key's rows are together whatever the partition.
 *
 * <p>A packed row: key (8 bytes), other id (8), kind (4), the namespace key's length or -1 without texts (4), and
 * with texts, the namespace key's bytes, the id's length (4) and its bytes; little-endian.
 */
final class PackedGraphRows implements Serializable {
  private static final long serialVersionUID = 1L;
  static final StructType PACKED = new StructType().add("bucket", DataTypes.IntegerType, false)
      .add("rows", DataTypes.BinaryType, false);
  /** A buffer is shipped once it holds this much. */
  private static final int FLUSH_BYTES = 1 << 20;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  /** The seed of Spark's hash partitioning ({@code Murmur3Hash}). */
  private static final int SPARK_HASH_SEED = 42;

  /** Per reduce partition, a bucket Spark's hash partitioning sends there. */
  private final int[] buckets;

  private PackedGraphRows(int[] buckets) {
    this.buckets = buckets;
  }

  /**
   * Packing for {@code partitions} reduce partitions, shuffled by {@code repartition(partitions, col("bucket"))}:
   * for each partition the smallest non-negative int that Spark's hash partitioning of an int column sends there.
   * Were Spark to hash otherwise, buckets could share a partition: slower, never wrong.
   */
  static PackedGraphRows forPartitions(int partitions) {
    int[] buckets = new int[partitions];
    Arrays.fill(buckets, -1);
    int found = 0;
    for (int b = 0; found < partitions; b++) {
      int p = Math.floorMod(Murmur3_x86_32.hashInt(b, SPARK_HASH_SEED), partitions);
      if (buckets[p] < 0) {
        buckets[p] = b;
        found++;
      }
    }
    return new PackedGraphRows(buckets);
  }

  int partitions() {
    return buckets.length;
  }

  /** The bucket of reduce partition {@code p}. */
  int bucketOf(int p) {
    return buckets[p];
  }

  /** The reduce partition of a key: its rows must all go to one. */
  static int partitionOf(long key, int partitions) {
    return (int) Long.remainderUnsigned((key * 0x9E3779B97F4A7C15L) >>> 16, partitions);
  }

  /** {@code emitted} packed by reduce partition ({@link #PACKED} rows). */
  Iterator<InternalRow> packed(Iterator<InternalRow> emitted) {
    Packer packer = packer();
    return new Iterator<>() {
      private boolean drained;

      @Override
      public boolean hasNext() {
        while (!packer.hasReady() && !drained) {
          if (emitted.hasNext()) {
            packer.add(emitted.next());
          } else {
            packer.shipAll();
            drained = true;
          }
        }
        return packer.hasReady();
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return packer.poll();
      }
    };
  }

  /** A task's packing, fed one emitted row at a time. */
  Packer packer() {
    return new Packer();
  }

  /**
   * Packs emitted rows into one buffer per reduce partition; a full buffer becomes a {@link #PACKED} row that waits
   * in {@link #poll} order until taken.
   */
  final class Packer {
    private final byte[][] buffers = new byte[buckets.length][];
    private final int[] sizes = new int[buckets.length];
    private final ArrayDeque<InternalRow> ready = new ArrayDeque<>();

    /** Packs a row; once its partition's buffer is full, that buffer is ready. */
    void add(InternalRow row) {
      long key = row.getLong(0);
      int p = partitionOf(key, buckets.length);
      boolean texts = !row.isNullAt(3);
      UTF8String ns = texts ? row.getUTF8String(3) : null;
      UTF8String id = texts ? row.getUTF8String(4) : null;
      int length = 24 + (texts ? ns.numBytes() + 4 + id.numBytes() : 0);
      byte[] buffer = room(p, length);
      int at = sizes[p];
      LONGS.set(buffer, at, key);
      LONGS.set(buffer, at + 8, row.getLong(1));
      INTS.set(buffer, at + 16, row.getInt(2));
      if (texts) {
        INTS.set(buffer, at + 20, ns.numBytes());
        TextBytes.copy(ns, buffer, at + 24);
        int idAt = at + 24 + ns.numBytes();
        INTS.set(buffer, idAt, id.numBytes());
        TextBytes.copy(id, buffer, idAt + 4);
      } else {
        INTS.set(buffer, at + 20, -1);
      }
      sizes[p] = at + length;
      if (sizes[p] >= FLUSH_BYTES) {
        ship(p);
      }
    }

    /** Makes every buffer that holds rows ready: once the task's rows are all added. */
    void shipAll() {
      for (int p = 0; p < buckets.length; p++) {
        ship(p);
      }
    }

    boolean hasReady() {
      return !ready.isEmpty();
    }

    /** The oldest ready packed row, or null. */
    InternalRow poll() {
      return ready.poll();
    }

    private byte[] room(int p, int length) {
      byte[] buffer = buffers[p];
      if (buffer == null) {
        buffer = buffers[p] = new byte[Math.max(1 << 12, length)];
      } else if (sizes[p] + length > buffer.length) {
        buffer = buffers[p] = Arrays.copyOf(buffer, (int) Math.min(Integer.MAX_VALUE - 8,
            Math.max(sizes[p] + (long) length, Math.min(buffer.length * 2L, FLUSH_BYTES + (long) length))));
      }
      return buffer;
    }

    private void ship(int p) {
      if (sizes[p] > 0) {
        ready.add(new GenericInternalRow(new Object[] {buckets[p], Arrays.copyOf(buffers[p], sizes[p])}));
        sizes[p] = 0;
      }
    }
  }

  /**
   * The emitted rows of {@code packed} rows, one reused row after another; the texts of each point into its packed
   * row's bytes, so they stay valid after the next row is read.
   */
  static Iterator<InternalRow> unpacked(Iterator<InternalRow> packed) {
    SpecificInternalRow out = new SpecificInternalRow(GraphRows.EMITTED);
    return new Iterator<>() {
      private byte[] rows = new byte[0];
      private int at;

      @Override
      public boolean hasNext() {
        while (at >= rows.length) {
          if (!packed.hasNext()) {
            return false;
          }
          rows = packed.next().getBinary(1);
          at = 0;
        }
        return true;
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        out.setLong(0, (long) LONGS.get(rows, at));
        out.setLong(1, (long) LONGS.get(rows, at + 8));
        out.setInt(2, (int) INTS.get(rows, at + 16));
        int nsLength = (int) INTS.get(rows, at + 20);
        at += 24;
        if (nsLength < 0) {
          out.setNullAt(3);
          out.setNullAt(4);
        } else {
          out.update(3, UTF8String.fromBytes(rows, at, nsLength));
          at += nsLength;
          int idLength = (int) INTS.get(rows, at);
          out.update(4, UTF8String.fromBytes(rows, at + 4, idLength));
          at += 4 + idLength;
        }
        return out;
      }
    };
  }
}
