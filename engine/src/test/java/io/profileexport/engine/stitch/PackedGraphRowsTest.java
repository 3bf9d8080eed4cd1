package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.spark_partition_id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.testing.SharedSpark;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/** Emitted graph rows packed by reduce partition and unpacked again: the same rows, each key in one partition. */
class PackedGraphRowsTest {
  private static String describe(InternalRow r) {
    return r.getLong(0) + "/" + r.getLong(1) + "/" + r.getInt(2)
        + (r.isNullAt(3) ? "" : "/" + r.getUTF8String(3) + "/" + r.getUTF8String(4));
  }

  @Test
  void everyRowComesBackInThePartitionOfItsKey() {
    SplittableRandom random = new SplittableRandom(5);
    List<String> expected = new ArrayList<>();
    List<InternalRow> rows = new ArrayList<>();
    for (int n = 0; n < 500_000; n++) {  // about 14 MB: buffers are shipped full, then the rest at the end
      SpecificInternalRow row = new SpecificInternalRow(GraphRows.EMITTED);
      long key = n % 10 == 0 ? -1 - random.nextInt(5) : random.nextLong();  // some small negative keys
      row.setLong(0, key);
      row.setLong(1, random.nextLong());
      row.setInt(2, random.nextInt(1 << 12));
      if (n % 3 == 0) {
        row.update(3, UTF8String.fromString(n % 2 == 0 ? "ecid" : ""));  // an empty text is a text
        row.update(4, UTF8String.fromString("id-\u00e9-" + n));
      } else {
        row.setNullAt(3);
        row.setNullAt(4);
      }
      rows.add(row);
      expected.add(describe(row));
    }
    PackedGraphRows packing = PackedGraphRows.forPartitions(7);
    List<InternalRow> packed = new ArrayList<>();
    packing.packed(rows.iterator()).forEachRemaining(packed::add);
    assertTrue(packed.size() > 7, "full buffers are shipped as they fill: " + packed.size());
    List<String> actual = new ArrayList<>();
    for (InternalRow p : packed) {
      int bucket = p.getInt(0);
      Iterator<InternalRow> unpacked = PackedGraphRows.unpacked(List.of(p).iterator());
      while (unpacked.hasNext()) {
        InternalRow r = unpacked.next();
        assertEquals(bucket, packing.bucketOf(PackedGraphRows.partitionOf(r.getLong(0), 7)), describe(r));
        actual.add(describe(r));
      }
    }
    expected.sort(null);
    actual.sort(null);
    assertEquals(expected, actual);
  }

  /** Spark's hash partitioning sends each partition's bucket to that partition, so no partition gets two. */
  @Test
  void bucketsLandInTheirPartitions() {
    for (int partitions : new int[] {1, 2, 8, 200}) {
      PackedGraphRows packing = PackedGraphRows.forPartitions(partitions);
      List<Row> buckets = new ArrayList<>();
      Set<Integer> distinct = new HashSet<>();
      for (int p = 0; p < partitions; p++) {
        buckets.add(RowFactory.create(p, packing.bucketOf(p)));
        distinct.add(packing.bucketOf(p));
      }
      assertEquals(partitions, distinct.size());
      for (Row r : SharedSpark.session().createDataFrame(buckets, new StructType()
              .add("p", DataTypes.IntegerType).add("bucket", DataTypes.IntegerType))
          .repartition(partitions, col("bucket")).select(col("p"), spark_partition_id()).collectAsList()) {
        assertEquals(r.getInt(0), r.getInt(1), "the bucket of partition " + r.getInt(0));
      }
    }
  }
}
