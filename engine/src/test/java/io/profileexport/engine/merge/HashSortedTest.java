package io.profileexport.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.testing.SharedSpark;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/** The merge's sort by hash, in the task's arrays and past its share by Spark's sorter, inside a task. */
class HashSortedTest {
  private static final StructType SCHEMA = new StructType().add("text", DataTypes.StringType)
      .add("hash", DataTypes.LongType, false).add("n", DataTypes.IntegerType);

  /**
   * Rows of hashes of all signs, many repeated, with texts of many lengths: most of a few dozen bytes, one in 97 of
   * 5 KB, which is more than a page of 4 KB (the tests' small pages), so it gets a page of its own.
   */
  private static List<InternalRow> rows(long seed, int count, boolean unsafe) {
    Random random = new Random(seed);
    long[] hashes = {Long.MIN_VALUE, -1L << 40, -3, -1, 0, 1, 255, 256, Long.MAX_VALUE};
    UnsafeProjection projection = UnsafeProjection.create(SCHEMA);
    List<InternalRow> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long hash = random.nextInt(3) == 0 ? hashes[random.nextInt(hashes.length)] : random.nextLong();
      String text = i % 97 == 0 ? "x".repeat(5_000) : i % 5 == 0 ? null : "t" + random.nextInt(1_000);
      InternalRow row = new GenericInternalRow(new Object[] {text == null ? null : UTF8String.fromString(text),
          hash, i});
      out.add(unsafe ? projection.apply(row).copy() : row);
    }
    return out;
  }

  private static String text(InternalRow r) {
    return r.getLong(1) + "|" + (r.isNullAt(0) ? "-" : r.getUTF8String(0)) + "|" + r.getInt(2);
  }

  private static List<String> sorted(Iterator<InternalRow> rows) {
    List<String> out = new ArrayList<>();
    while (rows.hasNext()) {
      out.add(text(rows.next()));  // rows are reused: read each before the next
    }
    return out;
  }

  private static void assertSortedPermutation(List<InternalRow> input, List<String> sorted) {
    for (int i = 1; i < sorted.size(); i++) {
      long before = Long.parseLong(sorted.get(i - 1).split("\\|")[0]);
      long after = Long.parseLong(sorted.get(i).split("\\|")[0]);
      assertTrue(before <= after, "row " + i + " is in hash order: " + before + " then " + after);
    }
    List<String> expected = new ArrayList<>(input.stream().map(HashSortedTest::text).toList());
    List<String> actual = new ArrayList<>(sorted);
    expected.sort(null);
    actual.sort(null);
    assertEquals(expected, actual);
  }

  @Test
  void rowsComeBackByHashInTheTasksArraysAndPastTheirShareInSparksSorter() {
    // Shares: all in the arrays; past it at the first row; past it midway (the arrays alone take 80 KB), with pages
    // of 8 MB (one) and of 4 KB (many, some freed as the spill hands their rows over).
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
    for (int count : new int[] {0, 1, 2, 3_000}) {
      for (long share : new long[] {Long.MAX_VALUE, 1, 200_000}) {
        for (int page : new int[] {HashSorted.MAX_PAGE_BYTES, 4_096}) {
          for (boolean unsafe : new boolean[] {true, false}) {
            List<String> out = sc.parallelize(List.of(0), 1)
                .mapPartitions(ignored -> sorted(HashSorted.sorted(rows(count, count, unsafe).iterator(), SCHEMA, 1,
                    share, page)).iterator())
                .collect();
            assertSortedPermutation(rows(count, count, unsafe), out);
          }
        }
      }
    }
  }
}
