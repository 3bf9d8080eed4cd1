package io.profileexport.engine.stitch;

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
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/** The sort of a partition of emitted graph rows by key, in arrays or, past the task's share, by Spark's sorter. */
class KeySortTest {
  /**
   * Rows with keys of all signs and sizes (hash ids), some with texts of several lengths (empty and non-ASCII ones
   * too), many keys repeated.
   */
  static List<InternalRow> rows(long seed, int count) {
    Random random = new Random(seed);
    List<InternalRow> rows = new ArrayList<>();
    long[] keys = {Long.MIN_VALUE + 1, -1L << 40, -3, -1, 0, 1, 2, 255, 256, 1L << 32, Long.MAX_VALUE};
    for (int i = 0; i < count; i++) {
      long key = random.nextInt(3) == 0 ? keys[random.nextInt(keys.length)] : random.nextLong();
      int kind = random.nextInt(0x400);
      boolean identity = (kind & GraphRows.IDENTITY) != 0;
      rows.add(new GenericInternalRow(new Object[] {key, random.nextLong(), kind,
          identity ? UTF8String.fromString(random.nextBoolean() ? "ecid" : "e\u00e9" + i) : null,
          identity ? UTF8String.fromString(i % 7 == 0 ? "" : "id-" + Long.toHexString(random.nextLong())) : null}));
    }
    return rows;
  }

  static String text(InternalRow r) {
    return r.getLong(0) + "|" + r.getLong(1) + "|" + r.getInt(2) + "|" + (r.isNullAt(3) ? "-" : r.getUTF8String(3))
        + "|" + (r.isNullAt(4) ? "-" : r.getUTF8String(4));
  }

  static List<String> texts(Iterator<InternalRow> sorted) {
    List<String> out = new ArrayList<>();
    while (sorted.hasNext()) {
      out.add(text(sorted.next()));  // rows are reused: read each before the next
    }
    return out;
  }

  /** The same rows, keys in signed order (rows of one key in any order). */
  static void assertSortedPermutation(List<InternalRow> input, List<String> sorted) {
    List<String> expected = new ArrayList<>(input.stream().map(KeySortTest::text).toList());
    List<String> actual = new ArrayList<>(sorted);
    for (int i = 1; i < actual.size(); i++) {
      long before = Long.parseLong(actual.get(i - 1).split("\\|")[0]);
      long key = Long.parseLong(actual.get(i).split("\\|")[0]);
      assertTrue(before <= key, "key " + key + " after " + before + " at " + i);
    }
    expected.sort(null);
    actual.sort(null);
    assertEquals(expected, actual);
  }

  @Test
  void identitiesWithEmptyTextsOfOneKeyComeBack() {
    // The scan compares a key's identities, whose texts the sort loads ahead: empty ones, first in the buffer and
    // last, have no bytes to load.
    List<InternalRow> input = new ArrayList<>();
    for (String[] texts : new String[][] {{"", ""}, {"ecid", "1"}, {"", ""}}) {
      input.add(new GenericInternalRow(new Object[] {7L, 7L, GraphRows.IDENTITY, UTF8String.fromString(texts[0]),
          UTF8String.fromString(texts[1])}));
    }
    assertSortedPermutation(input, texts(KeySort.sorted(input.iterator(), 1_000)));
  }

  @Test
  void inArraysEveryRowComesBackInKeyOrder() {
    for (int count : new int[] {0, 1, 2, 1000, 20_000}) {
      List<InternalRow> input = rows(count, count);
      assertSortedPermutation(input, texts(KeySort.sorted(input.iterator(), Long.MAX_VALUE)));
    }
  }

  @Test
  void smallFinalIdsAreSortedToo() {
    List<InternalRow> input = new ArrayList<>();
    for (long id = 300; id >= 0; id--) {
      input.add(new GenericInternalRow(new Object[] {id % 37, id, GraphRows.LINKED, null, null}));
    }
    assertSortedPermutation(input, texts(KeySort.sorted(input.iterator(), Long.MAX_VALUE)));
  }

  /** Past its share the partition goes to Spark's sorter, which needs a task: the rows are made and sorted in one. */
  @Test
  void pastItsShareAPartitionIsSortedBySparksSorter() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
    for (long share : new long[] {1, 500, 4_999}) {
      List<String> sorted = sc.parallelize(List.of(0), 1)
          .mapPartitions(ignored -> texts(KeySort.sorted(rows(7, 5_000).iterator(), share)).iterator())
          .collect();
      assertSortedPermutation(rows(7, 5_000), sorted);
    }
  }

  /**
   * The scan keeps a key's first identity texts as they are, so both ways must hand over texts that outlive their
   * row: the same edges, hash counts and collisions either way. (Spark's sorter keeps unspilled rows in its pages
   * until the end; its rows read back from a spill share one buffer, which is why that way copies them.)
   */
  @Test
  void theScanGivesTheSameEdgesWhicheverWayThePartitionIsSorted() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
    List<List<String>> results = new ArrayList<>();
    for (long share : new long[] {Long.MAX_VALUE, 100}) {
      results.add(sc.parallelize(List.of(0), 1).mapPartitions(ignored -> {
        GraphRows.Counters counters = new GraphRows.Counters(new org.apache.spark.util.LongAccumulator(),
            new org.apache.spark.util.CollectionAccumulator<>(), new org.apache.spark.util.LongAccumulator());
        Iterator<InternalRow> edges = GraphRows.edges(KeySort.sorted(rows(11, 3_000).iterator(), share), counters);
        List<String> out = new ArrayList<>();
        while (edges.hasNext()) {
          InternalRow r = edges.next();
          out.add(r.getLong(0) + "-" + r.getLong(1) + ":" + r.getInt(2));
        }
        out.add("hashes " + counters.distinctHashes().value() + ", links " + counters.links().value()
            + ", colliding " + new java.util.TreeSet<>(counters.collidingHashes().value()));
        return out.iterator();
      }).collect());
    }
    // The rows repeat a few keys with different texts, so there are collisions to find.
    assertTrue(!results.get(0).get(results.get(0).size() - 1).endsWith("colliding []"), results.get(0).toString());
    assertEquals(results.get(0), results.get(1));
  }
}
