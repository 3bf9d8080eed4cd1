package io.profileexport.engine.stitch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;

/** The scan of one sorted partition of emitted rows into edges ({@link GraphRows#edges}). */
class GraphRowsTest {
  private static final int LINK = ConnectedComponents.LINK;

  private static InternalRow identity(long hash, String nsKey, String id) {
    return new GenericInternalRow(new Object[] {hash, 0L, GraphRows.IDENTITY, UTF8String.fromString(nsKey),
        UTF8String.fromString(id)});
  }

  private static InternalRow edge(long a, long b, int kind) {
    return new GenericInternalRow(new Object[] {a, b, kind, null, null});
  }

  private record Scanned(List<String> edges, long hashes, List<Long> colliding, long links) {}

  private static Scanned scan(List<InternalRow> sorted) {
    GraphRows.Counters counters = new GraphRows.Counters(new LongAccumulator(), new CollectionAccumulator<>(),
        new LongAccumulator());
    List<String> edges = new ArrayList<>();
    Iterator<InternalRow> out = GraphRows.edges(sorted.iterator(), counters);
    while (out.hasNext()) {
      out.hasNext();  // asking twice changes nothing
      InternalRow r = out.next();
      edges.add(r.getLong(0) + "-" + r.getLong(1) + ":" + r.getInt(2));
    }
    return new Scanned(edges, counters.distinctHashes().value(), counters.collidingHashes().value(),
        counters.links().value());
  }

  @Test
  void anEmptyPartitionHasNoEdges() {
    assertEquals(new Scanned(List.of(), 0, List.of(), 0), scan(List.of()));
  }

  @Test
  void keysOfIdentitiesOnlyMarksOnlyAndLinksMixed() {
    Scanned s = scan(List.of(
        identity(1, "ecid", "a"), edge(1, 5, LINK), identity(1, "ecid", "a"), edge(1, 3, LINK), edge(1, 5, LINK),
        identity(2, "email", "b"),  // a key of identities only, between keys with edges
        edge(3, 3, IdentityGraph.RECORD_MARK), edge(3, 3, IdentityGraph.RECORD_MARK | IdentityGraph.CANDIDATE_MARK),
        identity(4, "crmid", "c"), identity(4, "crmid", "d"), identity(4, "crmid", "c"),  // a collision
        edge(4, 9, LINK), edge(4, 4, IdentityGraph.RECORD_MARK)));
    assertEquals(List.of("1-3:0", "1-5:0", "3-3:3", "4-9:0", "4-4:1"), s.edges());
    assertEquals(3, s.hashes());
    assertEquals(List.of(4L), s.colliding());
    assertEquals(3, s.links());
  }

  @Test
  void aKeyInManyRowsKeepsItsDistinctLinks() {
    // More copies than the buffer holds (it drops them when full) and more distinct links than it first holds.
    List<InternalRow> rows = new ArrayList<>();
    for (int copy = 0; copy < 50; copy++) {
      for (long other = 100; other < 140; other++) {
        rows.add(edge(7, other, LINK));
      }
    }
    rows.add(edge(8, 9, LINK));
    Scanned s = scan(rows);
    List<String> expected = new ArrayList<>();
    for (long other = 100; other < 140; other++) {
      expected.add("7-" + other + ":0");
    }
    expected.add("8-9:0");
    assertEquals(expected, s.edges());
    assertEquals(41, s.links());
  }

  private static InternalRow member(long[] ids, String[][] identities, String[] primary, Boolean record,
      Boolean candidate) {
    Object[] pairs = new Object[identities.length];
    for (int i = 0; i < pairs.length; i++) {
      pairs[i] = new GenericInternalRow(new Object[] {UTF8String.fromString(identities[i][0]),
          UTF8String.fromString(identities[i][1])});
    }
    return new GenericInternalRow(new Object[] {new org.apache.spark.sql.catalyst.util.GenericArrayData(pairs),
        org.apache.spark.sql.catalyst.expressions.UnsafeArrayData.fromPrimitiveArray(ids),
        new GenericInternalRow(new Object[] {UTF8String.fromString(primary[0]), UTF8String.fromString(primary[1])}),
        record, candidate});
  }

  /** A hash that reads the id as a number, so that the expected rows can be worked out by hand. */
  private static final IdentityIds.Hash NUMBER = new IdentityIds.Hash() {
    @Override
    public long of(UTF8String nsKey, UTF8String id) {
      return Long.parseLong(id.toString());
    }

    @Override
    public org.apache.spark.sql.Column column(org.apache.spark.sql.Column nsKey, org.apache.spark.sql.Column id) {
      throw new UnsupportedOperationException();
    }
  };

  @Test
  void aMemberEmitsItsIdentitiesItsPairsAndItsRecordsMark() {
    GraphRows rows = GraphRows.checking(NUMBER, true, true);
    List<InternalRow> members = List.of(
        member(new long[] {1, 2, 3}, new String[][] {{"ecid", "3"}, {"email", "1"}, {"crmid", "2"}},
            new String[] {"crmid", "2"}, true, true),
        member(new long[] {4}, new String[][] {{"ecid", "4"}}, new String[] {"ecid", "4"}, true, null),
        member(new long[] {5, 6}, new String[][] {{"ecid", "5"}, {"ecid", "6"}}, new String[] {"ecid", "5"}, false,
            false));
    List<String> out = new ArrayList<>();
    Iterator<InternalRow> emitted = rows.emitted(members.iterator());
    while (emitted.hasNext()) {
      emitted.hasNext();  // asking twice changes nothing
      InternalRow r = emitted.next();
      out.add(r.getInt(2) == GraphRows.IDENTITY
          ? r.getLong(0) + "=" + r.getUTF8String(3) + ":" + r.getUTF8String(4) + "/" + r.getLong(1)
          : r.getLong(0) + "-" + r.getLong(1) + ":" + r.getInt(2));
    }
    // The primary identity's row carries the record's mark.
    assertEquals(List.of("3=ecid:3/0", "1=email:1/0", "2=crmid:2/3", "1-2:0", "1-3:0", "2-3:0",
        "4=ecid:4/1",  // a null candidate flag is not a candidate
        "5=ecid:5/0", "6=ecid:6/0", "5-6:0"), out);  // an event marks nothing
  }

  @Test
  void withFinalIdsAMarkIsARowOfItsOwn() {
    IdentityIds ids = IdentityIds.hashed(NUMBER, 0);
    GraphRows rows = GraphRows.resolved(ids, true, true);
    List<InternalRow> members = List.of(
        member(new long[] {7, 8}, new String[][] {{"ecid", "8"}, {"email", "7"}}, new String[] {"ecid", "8"}, true,
            true));
    List<String> out = new ArrayList<>();
    rows.emitted(members.iterator()).forEachRemaining(r -> out.add(r.getLong(0) + "-" + r.getLong(1) + ":"
        + r.getInt(2)));
    assertEquals(List.of("7-8:0", "8-8:3"), out);
  }

  @Test
  void anIdentityRowsMarkIsOredWithTheKeysOtherMarks() {
    Scanned s = scan(List.of(
        new GenericInternalRow(new Object[] {5L, (long) IdentityGraph.RECORD_MARK, GraphRows.IDENTITY,
            UTF8String.fromString("ecid"), UTF8String.fromString("x")}),
        new GenericInternalRow(new Object[] {5L, (long) (IdentityGraph.RECORD_MARK | IdentityGraph.CANDIDATE_MARK),
            GraphRows.IDENTITY, UTF8String.fromString("ecid"), UTF8String.fromString("x")}),
        identity(6, "ecid", "y"), edge(6, 6, IdentityGraph.RECORD_MARK)));
    assertEquals(List.of("5-5:3", "6-6:1"), s.edges());
    assertEquals(2, s.hashes());
  }
}
