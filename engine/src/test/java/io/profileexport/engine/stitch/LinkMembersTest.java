package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.lake.StagedFrames;
import io.profileexport.engine.testing.Frames;
import io.profileexport.engine.testing.SharedSpark;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graph pass reads rows as read (their identity maps) exactly as it reads rows with identity columns: the same
 * edges, counters and metrics, with and without colliding hashes.
 */
class LinkMembersTest {
  private static final String MAP = "identityMap MAP<STRING, ARRAY<STRUCT<authenticatedState: STRING, id: STRING,"
      + " primary: BOOLEAN>>>";
  private static final StructType RECORDS = StructType.fromDDL(MAP + ", " + IdentityGraph.CANDIDATE + " BOOLEAN");
  private static final StructType EVENTS = StructType.fromDDL(MAP);
  private static final Set<String> BLOCKED = Set.of("anonymous", "");

  @TempDir
  Path dir;

  private static Dataset<Row> records() {
    return Frames.of(RECORDS,
        "{'identityMap':{'ECID':[{'id':'e1','primary':true}],'Email':[{'id':'a@x'},{'id':'anonymous'}]},"
            + "'__pe_candidate':true}",
        "{'identityMap':{'ecid':[{'id':'e1'}],'CRMID':[{'id':'c1','primary':true},{'id':'c1'}]},"
            + "'__pe_candidate':false}",  // the same ECID in another spelling; an identity twice
        "{'identityMap':{'Phone':[{'id':'p1','primary':true}]},'__pe_candidate':null}",
        "{'identityMap':{'ECID':[{'id':'e9'}],'Email':[{'id':'b@x'}]}}",  // no primary: skipped
        "{'identityMap':{'ECID':[{'id':'e8','primary':true}],'Email':[{'id':'d@x','primary':true}]}}",  // two
        "{'identityMap':null}",
        "{'identityMap':{'ECID':[{'id':'e7','primary':true}]},'__pe_candidate':true}");
  }

  private static Dataset<Row> events() {
    return Frames.of(EVENTS,
        "{'identityMap':{'ECID':[{'id':'e7','primary':true}],'Phone':[{'id':'p1'}]}}",  // joins two records
        "{'identityMap':{'ECID':[{'id':'e5'}]}}",
        "{'identityMap':{'ECID':[{'id':'e6'}],'Email':[{'id':'x@x'}]}}");  // no primary: skipped
  }

  /** The same rows with their identity columns, as the graph pass read them before it read maps itself. */
  private static Dataset<Row> withColumns(Dataset<Row> rows, boolean records, IdentityIds.Hash hash,
      IdentityColumns.Counters counters) {
    Dataset<Row> added = IdentityColumns.add(rows, BLOCKED, counters, hash, null)
        .filter(col(SystemColumns.SKIP_REASON).isNull());
    Column candidate = records ? col(IdentityGraph.CANDIDATE) : lit(false);
    return added.select(col(SystemColumns.IDENTITIES), col(SystemColumns.IDS), col(SystemColumns.PRIMARY),
        lit(records).as(IdentityGraph.RECORD), candidate.as(IdentityGraph.CANDIDATE));
  }

  private record Pass(Set<String> edges, long links, long identities, long eventsRead, long eventsNoPrimary,
      long eventsMultiple) {}

  private Pass pass(boolean asRead, IdentityIds.Hash hash) {
    return pass(asRead, hash, List.of(records()), List.of(events()));
  }

  /** A graph pass over the records and events, each source given in parts. */
  private Pass pass(boolean asRead, IdentityIds.Hash hash, List<Dataset<Row>> records, List<Dataset<Row>> events) {
    IdentityColumns.Counters counters = IdentityColumns.Counters.register(SharedSpark.session().sparkContext(),
        "events-" + System.nanoTime());
    LinkMembers members;
    if (asRead) {
      members = LinkMembers.asRead(SharedSpark.session(), List.of(new LinkMembers.Source(records, true, null),
          new LinkMembers.Source(events, false, counters)), BLOCKED, true);
    } else {
      Dataset<Row> recordRows = withColumns(unionOf(records), true, hash, null);
      members = LinkMembers.withIdentityColumns(
          recordRows.union(withColumns(unionOf(events), false, hash, counters)),
          recordRows.union(withColumns(unionOf(events), false, hash, null)));
    }
    IdentityGraph.Links links = IdentityGraph.links(members, hash, new StagedFrames(SharedSpark.session(),
        new org.apache.hadoop.fs.Path(dir.toUri().toString(), "graph-" + System.nanoTime())), "test", null);
    Set<String> edges = new TreeSet<>();
    for (Row r : links.edges().collectAsList()) {
      edges.add(r.getLong(0) + "-" + r.getLong(1) + ":" + r.getInt(2));
    }
    return new Pass(edges, links.links(), links.ids().distinctIdentities(), counters.read().value(),
        counters.noPrimary().value(), counters.multiplePrimaries().value());
  }

  @Test
  void rowsAsReadMakeTheGraphRowsWithIdentityColumnsMake() {
    Pass asRead = pass(true, IdentityIds.XXHASH);
    assertEquals(pass(false, IdentityIds.XXHASH), asRead);
    // e1-a@x, e1-c1, e7-p1: three links; e1, a@x, c1, p1, e7, e5 and the skipped rows' identities none.
    assertEquals(3, asRead.links());
    assertEquals(6, asRead.identities());
    assertEquals(3, asRead.eventsRead());
    assertEquals(1, asRead.eventsNoPrimary());
    assertTrue(asRead.edges().stream().anyMatch(e -> e.endsWith(":3")), "a candidate record's mark");
  }

  private static Dataset<Row> unionOf(List<Dataset<Row>> parts) {
    return parts.stream().reduce(Dataset::union).orElseThrow();
  }

  /**
   * Rows as scans of Parquet files hand them over in column batches, in several parts (one with the identity items'
   * {@code authenticatedState}, one without, as batches of different schemas are read), with enough events for a
   * task's packed buffers to fill and be shipped while its scan still runs, then the rest at its end.
   */
  @Test
  void scansInPartsGiveTheSameGraphWithBuffersShippedMidTask() {
    org.apache.spark.sql.SparkSession spark = SharedSpark.session();
    String recordsAt = dir.resolve("records").toString();
    records().repartition(3).write().parquet(recordsAt);
    String lessAt = dir.resolve("records-less").toString();
    Frames.of(StructType.fromDDL("identityMap MAP<STRING, ARRAY<STRUCT<id: STRING, primary: BOOLEAN>>>, "
            + IdentityGraph.CANDIDATE + " BOOLEAN"),
        "{'identityMap':{'ECID':[{'id':'v7','primary':true}],'Email':[{'id':'z@x'}]},'__pe_candidate':true}")
        .write().parquet(lessAt);
    String eventsAt = dir.resolve("events").toString();
    // 150,000 events of 50,000 visitors, each with an ECID and an email: about 13 MB of packed rows.
    spark.range(150_000).selectExpr("map('ECID', array(named_struct('authenticatedState', 'ambiguous', 'id', "
        + "concat('v', id % 50000), 'primary', true)), 'Email', array(named_struct('authenticatedState', "
        + "'authenticated', 'id', concat(id % 50000, '@x'), 'primary', false))) as identityMap")
        .repartition(2).write().parquet(eventsAt);
    // Read with the records' schema: the scan gives the field the files lack as null.
    List<Dataset<Row>> records = List.of(spark.read().parquet(recordsAt),
        spark.read().schema(RECORDS).parquet(lessAt));
    List<Dataset<Row>> events = List.of(spark.read().parquet(eventsAt), events());
    Pass asRead = pass(true, IdentityIds.XXHASH, records, events);
    assertEquals(pass(false, IdentityIds.XXHASH, records, events), asRead);
    assertEquals(150_003, asRead.eventsRead());
    assertEquals(3 + 1 + 50_000, asRead.links());
  }

  @Test
  void rowsAsReadAreReadAgainUncountedWhenHashesCollide() {
    Pass asRead = pass(true, IdentityGraphTest.TINY);
    assertEquals(pass(false, IdentityGraphTest.TINY), asRead);
    assertEquals(3, asRead.links());
    assertEquals(3, asRead.eventsRead(), "the second read does not count the events again");
  }

  @Test
  void anExportStitchesAlikeFromEitherForm() {
    Dataset<Row> recordRows = withColumns(records(), true, IdentityIds.XXHASH, null);
    Dataset<Row> columns = recordRows.union(withColumns(events(), false, IdentityIds.XXHASH, null));
    StagedFrames store = new StagedFrames(SharedSpark.session(),
        new org.apache.hadoop.fs.Path(dir.toUri().toString(), "stitch-" + System.nanoTime()));
    var fromColumns = IdentityGraph.stitch(LinkMembers.withIdentityColumns(columns, columns), 50, 50, store,
        IdentityIds.XXHASH, "test", Clock.systemUTC());
    var fromMaps = IdentityGraph.stitch(LinkMembers.asRead(SharedSpark.session(),
        List.of(new LinkMembers.Source(records(), true, null), new LinkMembers.Source(events(), false, null)),
        BLOCKED, true), 50, 50, store, IdentityIds.XXHASH, "test", Clock.systemUTC());
    var expected = fromColumns.metrics().deepCopy();
    var actual = fromMaps.metrics().deepCopy();
    expected.remove("stitchTimeMs");
    actual.remove("stitchTimeMs");
    assertEquals(expected, actual);
    // Two profiles: e1's (with a@x and c1) and p1's (with e7, through an event); e5 is no record's.
    assertEquals(2L, actual.get("profiles").asLong());
  }
}
