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
  /** An emitted link row. */
  private static final int LINK = GraphRows.LINKED;

  private static InternalRow identity(long hash, String nsKey, String id) {
    return new GenericInternalRow(new Object[] {hash, 0L, GraphRows.IDENTITY, UTF8String.fromString(nsKey),
        UTF8String.fromString(id)});
  }

  /** An emitted link row (kind {@link #LINK}) or mark row (kind the mark bits). */
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
    assertEquals(List.of("1-3:0", "1-5:0", "3-3:3", "4-9:1"), s.edges());  // 4's mark rides on its link
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

  /** A record with the identities 3, 1 and 2 (hash order 1 &lt; 2 &lt; 3), primary 2. */
  private static InternalRow recordOfThree(boolean candidate) {
    return member(new long[] {1, 2, 3}, new String[][] {{"ecid", "3"}, {"email", "1"}, {"crmid", "2"}},
        new String[] {"crmid", "2"}, true, candidate);
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

  /** An emitted row: key, {@code =ns:id} with an identity's texts, {@code ->other} with a link, {@code /marks}. */
  private static String described(InternalRow r) {
    int kind = r.getInt(2);
    return r.getLong(0) + ((kind & GraphRows.IDENTITY) != 0 ? "=" + r.getUTF8String(3) + ":" + r.getUTF8String(4) : "")
        + ((kind & GraphRows.LINKED) != 0 ? "->" + r.getLong(1) : "")
        + ((kind & ConnectedComponents.MARK_BITS) != 0 ? "/" + (kind & ConnectedComponents.MARK_BITS) : "");
  }

  private static List<String> emitted(Iterator<InternalRow> rows) {
    List<String> out = new ArrayList<>();
    while (rows.hasNext()) {
      rows.hasNext();  // asking twice changes nothing
      out.add(described(rows.next()));
    }
    return out;
  }

  @Test
  void aMemberEmitsItsIdentitiesWithTheirNextLinkThenItsOtherPairs() {
    GraphRows rows = GraphRows.checking(NUMBER, true, true);
    List<InternalRow> members = List.of(
        recordOfThree(true),
        member(new long[] {4}, new String[][] {{"ecid", "4"}}, new String[] {"ecid", "4"}, true, null),
        member(new long[] {5, 6}, new String[][] {{"ecid", "5"}, {"ecid", "6"}}, new String[] {"ecid", "5"}, false,
            false));
    // The first row of a hash carries the link to the next larger id, and the primary identity's the record's mark;
    // the pair (1, 3) is a row of its own.
    assertEquals(List.of("3=ecid:3", "1=email:1->2", "2=crmid:2->3/3", "1->3",
        "4=ecid:4/1",  // a null candidate flag is not a candidate
        "5=ecid:5->6", "6=ecid:6"), emitted(rows.emitted(members.iterator())));  // an event marks nothing
  }

  @Test
  void rowsThatRepeatWhatTheTaskEmittedLatelyAreLeftOut() {
    GraphRows rows = GraphRows.checking(NUMBER, true, true);
    String[][] visitor = {{"ecid", "5"}, {"email", "6"}};
    List<InternalRow> members = List.of(
        member(new long[] {5, 6}, visitor, new String[] {"ecid", "5"}, false, false),
        member(new long[] {5, 6}, visitor, new String[] {"ecid", "5"}, false, false),  // the same event again
        member(new long[] {5, 7}, new String[][] {{"ecid", "5"}, {"crmid", "7"}}, new String[] {"ecid", "5"}, false,
            false),  // a known identity with a new link: the link without the texts
        member(new long[] {5, 6}, visitor, new String[] {"ecid", "5"}, true, true),  // a record: its mark
        member(new long[] {1, 5, 7}, new String[][] {{"ecid", "5"}, {"x", "1"}, {"crmid", "7"}},
            new String[] {"x", "1"}, false, false),  // (5, 7) known, (1, 5) and (1, 7) new
        member(new long[] {5}, new String[][] {{"ecid2", "5"}}, new String[] {"ecid2", "5"}, false, false),
        // the same hash and lengths as ecid:5, another text
        member(new long[] {5}, new String[][] {{"ecix", "5"}}, new String[] {"ecix", "5"}, false, false));
    assertEquals(List.of("5=ecid:5->6", "6=email:6", "5->7", "7=crmid:7", "5/3", "1=x:1->5", "1->7",
        "5=ecid2:5", "5=ecix:5"),  // another identity with the same hash is always emitted: the scan reports it
        emitted(rows.emitted(members.iterator())));
  }

  @Test
  void identitiesTooLongForTheTasksMemoryAreAlwaysEmitted() {
    GraphRows rows = GraphRows.checking(NUMBER, false, false);
    String[][] identity = {{"ecid-" + "x".repeat(80), "5"}};
    List<InternalRow> members = List.of(member(new long[] {5}, identity, identity[0], false, false),
        member(new long[] {5}, identity, identity[0], false, false));
    assertEquals(2, emitted(rows.emitted(members.iterator())).size());
  }

  @Test
  void withFinalIdsAMarkIsARowOfItsOwn() {
    IdentityIds ids = IdentityIds.hashed(NUMBER, 0);
    GraphRows rows = GraphRows.resolved(ids, true, true);
    List<InternalRow> members = List.of(
        member(new long[] {7, 8, 9}, new String[][] {{"ecid", "8"}, {"email", "7"}, {"crmid", "9"}},
            new String[] {"ecid", "8"}, true, true));
    assertEquals(List.of("7->8", "8->9", "8/3", "7->9"), emitted(rows.emitted(members.iterator())));
  }

  @Test
  void aRowsMarksAndLinkAreOredWithTheKeysOthers() {
    Scanned s = scan(List.of(
        new GenericInternalRow(new Object[] {5L, 9L, GraphRows.IDENTITY | GraphRows.LINKED | IdentityGraph.RECORD_MARK,
            UTF8String.fromString("ecid"), UTF8String.fromString("x")}),
        new GenericInternalRow(new Object[] {5L, 0L, GraphRows.IDENTITY | IdentityGraph.CANDIDATE_MARK,
            UTF8String.fromString("ecid"), UTF8String.fromString("x")}),
        edge(5, 7, LINK), edge(5, 9, LINK | IdentityGraph.RECORD_MARK),
        identity(6, "ecid", "y"), edge(6, 6, IdentityGraph.RECORD_MARK)));
    assertEquals(List.of("5-7:3", "5-9:0", "6-6:1"), s.edges());
    assertEquals(2, s.hashes());
    assertEquals(2, s.links());
  }

  @Test
  void theScanOfTheEmittedRowsGivesTheEdgesOfTheMembers() {
    GraphRows rows = GraphRows.checking(NUMBER, true, true);
    List<InternalRow> members = List.of(
        recordOfThree(false),
        recordOfThree(true),
        member(new long[] {3, 4}, new String[][] {{"ecid", "3"}, {"crmid", "4"}}, new String[] {"ecid", "3"}, false,
            false),
        member(new long[] {4}, new String[][] {{"phone", "4"}}, new String[] {"phone", "4"}, true, false));
    List<InternalRow> sorted = new ArrayList<>();
    rows.emitted(members.iterator()).forEachRemaining(r -> sorted.add(r.copy()));
    sorted.sort(java.util.Comparator.comparingLong(r -> r.getLong(0)));
    Scanned s = scan(sorted);
    assertEquals(List.of("1-2:0", "1-3:0", "2-3:3", "3-4:0", "4-4:1"), s.edges());
    assertEquals(4, s.hashes());
    assertEquals(List.of(4L), s.colliding());  // crmid:4 and phone:4
    assertEquals(4, s.links());
  }

  @Test
  void rowsRepeatingTheLastRowsIdentitiesAreCountedAndEmitNothingNew() {
    // Rows as the scan hands them over: events, and records with a candidate flag.
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> frame = io.profileexport.engine.testing.SharedSpark.session()
        .sql("select * from values "
            + "(map('ECID', array(named_struct('id', '1', 'primary', true))), true), "
            + "(map('ECID', array(named_struct('id', '1', 'primary', true))), true), "
            + "(map('ECID', array(named_struct('id', '1', 'primary', true))), false), "  // another flag: a mark
            + "(map('ECID', array(named_struct('id', '1', 'primary', true)), 'Email', array(named_struct('id', '2',"
            + " 'primary', false))), false), "
            + "(map('ECID', array(named_struct('id', '1', 'primary', true)), 'Email', array(named_struct('id', '2',"
            + " 'primary', false))), false), "
            + "(cast(null as map<string, array<struct<id: string, primary: boolean>>>), false), "
            + "(cast(null as map<string, array<struct<id: string, primary: boolean>>>), false), "
            + "(map('Email', array(named_struct('id', '3', 'primary', false), named_struct('id', '4', 'primary',"
            + " false))), false), "
            + "(map('Email', array(named_struct('id', '3', 'primary', false), named_struct('id', '4', 'primary',"
            + " false))), false), "
            // The same hash (the number) as the row before, another text: not a repeat, the collision check sees it.
            + "(map('ECID', array(named_struct('id', '01', 'primary', true)), 'Email', array(named_struct('id', '2',"
            + " 'primary', false))), false), "
            + "(map('ECID', array(named_struct('id', '1', 'primary', true))), true) "
            + "as t(identityMap, " + IdentityGraph.CANDIDATE + ")");
    List<InternalRow> rows = new ArrayList<>();
    for (InternalRow r : (InternalRow[]) frame.queryExecution().toRdd().collect()) {
      rows.add(r.copy());
    }
    for (boolean record : new boolean[] {true, false}) {
      List<String> together = emittedAsRead(rows, frame.schema(), record);
      assertEquals(List.of("read 11", "noPrimary 4", "multiple 0"), together.subList(together.size() - 3,
          together.size()));
      // Row 2 repeats row 1 and row 5 row 4 (as records each would have marked its primary again); row 3 has
      // another candidate flag, so it marks again. Row 10 shares row 4's hashes, not its texts, so its identity 1
      // reaches the collision check; row 11, row 1 again after it, is no repeat of the row before.
      List<String> expected = record
          ? List.of("1=ecid:1/3", "1/1", "1->2/1", "2=email:2", "1=ecid:01/1", "1=ecid:1/3")
          : List.of("1=ecid:1", "1->2", "2=email:2", "1=ecid:01", "1=ecid:1");
      assertEquals(expected, together.subList(0, together.size() - 3));
    }
  }

  /** What rows as read emit (with the counters as the last three entries). */
  private static List<String> emittedAsRead(List<InternalRow> rows, org.apache.spark.sql.types.StructType schema,
      boolean record) {
    IdentityColumns.Counters counters = new IdentityColumns.Counters(new LongAccumulator(), new LongAccumulator(),
        new LongAccumulator());
    IdentityColumns.Reader reader = IdentityColumns.reader(schema, java.util.Set.of(), counters, NUMBER, null);
    List<String> out = emitted(GraphRows.checking(NUMBER, true, true).emitted(rows.iterator(), reader, record, 1,
        null, -1, -1));
    out.add("read " + counters.read().value());
    out.add("noPrimary " + counters.noPrimary().value());
    out.add("multiple " + counters.multiplePrimaries().value());
    return out;
  }
}
