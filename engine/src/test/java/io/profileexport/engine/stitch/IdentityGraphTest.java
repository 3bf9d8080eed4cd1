package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.error.FailureCode;
import io.profileexport.engine.error.JobFailedException;
import io.profileexport.engine.lake.StagedFrames;
import io.profileexport.engine.testing.Frames;
import io.profileexport.engine.testing.SharedSpark;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * identityGraph pdg (SPEC 3.3): which records and events end up in one profile. Profiles are compared as partitions
 * of record names, never by component id. {@link IdentityGraphWithoutAdaptiveTest} repeats every case with
 * adaptive execution off.
 */
class IdentityGraphTest {
  static final StructType ROWS = StructType.fromDDL("name STRING,"
      + " __pe_identities ARRAY<STRUCT<nsKey: STRING, id: STRING>>, __pe_primary STRUCT<nsKey: STRING, id: STRING>");

  /** A hash with three values: most identities collide with others. */
  static final IdentityIds.Hash TINY = new IdentityIds.Hash() {
    @Override
    public long of(org.apache.spark.unsafe.types.UTF8String ns, org.apache.spark.unsafe.types.UTF8String id) {
      return Math.floorMod(IdentityIds.XXHASH.of(ns, id), 3L);
    }

    @Override
    public org.apache.spark.sql.Column column(org.apache.spark.sql.Column ns, org.apache.spark.sql.Column id) {
      return pmod(IdentityIds.XXHASH.column(ns, id), lit(3L));
    }
  };

  /** Ids equal to the identity value: a path's ids in path order. */
  static final IdentityIds.Hash ORDERED = new IdentityIds.Hash() {
    @Override
    public long of(org.apache.spark.unsafe.types.UTF8String ns, org.apache.spark.unsafe.types.UTF8String id) {
      return Long.parseLong(id.toString());
    }

    @Override
    public org.apache.spark.sql.Column column(org.apache.spark.sql.Column ns, org.apache.spark.sql.Column id) {
      return id.cast("long");
    }
  };

  @TempDir
  Path dir;

  boolean adaptive() {
    return true;
  }

  @BeforeEach
  void adaptiveExecution() {
    Frames.adaptive(adaptive());
  }

  @AfterEach
  void defaultPartitions() {
    SharedSpark.session().conf().set("spark.sql.shuffle.partitions", "2");
  }

  /** A record or event named {@code name} with identities "ns:id" (first one primary). */
  static String row(String name, String... identities) {
    StringBuilder ids = new StringBuilder();
    for (String identity : identities) {
      String[] p = identity.split(":", 2);
      ids.append(ids.length() == 0 ? "" : ",").append("{'nsKey':'").append(p[0]).append("','id':'").append(p[1])
          .append("'}");
    }
    String[] primary = identities[0].split(":", 2);
    return "{'name':'" + name + "','__pe_identities':[" + ids + "],'__pe_primary':{'nsKey':'" + primary[0]
        + "','id':'" + primary[1] + "'}}";
  }

  static Dataset<Row> rows(List<String> rows) {
    return Frames.of(ROWS, rows.toArray(new String[0]));
  }

  /** Identities per stitching task: tiny, so the tests run the iterated rounds; 0 for the one-task path. */
  long identitiesPerTask() {
    return 7;
  }

  /** Records and events keyed by a stitched graph, and its counters. */
  record Stitched(Dataset<Row> records, Dataset<Row> events, com.fasterxml.jackson.databind.node.ObjectNode metrics) {}

  static Stitched keyed(IdentityGraph.Stitched stitched, Dataset<Row> records, Dataset<Row> events) {
    return new Stitched(stitched.keying().keyed(records), stitched.keying().keyed(events), stitched.metrics());
  }

  Stitched stitch(List<String> records, List<String> events, int maxIdentities, int maxIterations,
      IdentityIds.Hash hash) {
    Dataset<Row> recordRows = withIds(rows(records), hash);
    Dataset<Row> eventRows = withIds(events.isEmpty() ? rows(List.of()).limit(0) : rows(events), hash);
    Dataset<Row> members = recordRows.select(col("__pe_identities"), col("__pe_ids"))
        .union(eventRows.select(col("__pe_identities"), col("__pe_ids")));
    return keyed(IdentityGraph.stitch(members, members, maxIdentities, maxIterations, new StagedFrames(
        SharedSpark.session(), new org.apache.hadoop.fs.Path(dir.toUri().toString(), "stitch-" + System.nanoTime())),
        hash, "test", Clock.systemUTC(), identitiesPerTask() > 0 ? identitiesPerTask() : Long.MAX_VALUE), recordRows,
        eventRows);
  }

  /** The hash ids the identity pass would give each row, made with the same hash. */
  static Dataset<Row> withIds(Dataset<Row> rows, IdentityIds.Hash hash) {
    return rows.withColumn("__pe_ids", org.apache.spark.sql.functions.array_sort(
        org.apache.spark.sql.functions.array_distinct(org.apache.spark.sql.functions.transform(col("__pe_identities"),
            i -> hash.column(i.getField("nsKey"), i.getField("id"))))));
  }

  /** The records and events grouped by profile, as sorted sets of names. */
  static Set<Set<String>> profiles(Stitched stitched) {
    Map<String, Set<String>> byProfile = new HashMap<>();
    for (Dataset<Row> part : List.of(stitched.records(), stitched.events())) {
      for (Row r : part.select(col("name"), col("__pe_profile")).collectAsList()) {
        byProfile.computeIfAbsent(r.getString(1), k -> new TreeSet<>()).add(r.getString(0));
      }
    }
    Set<Set<String>> out = new java.util.HashSet<>(byProfile.values());
    return out;
  }

  static Set<Set<String>> groups(String... groups) {
    Set<Set<String>> out = new java.util.HashSet<>();
    for (String g : groups) {
      out.add(new TreeSet<>(List.of(g.split(","))));
    }
    return out;
  }

  Stitched stitch(List<String> records) {
    return stitch(records, List.of(), 50, 50, IdentityIds.XXHASH);
  }

  @Test
  void chainsStarsCyclesSelfLoopsAndDuplicateLinks() {
    Stitched s = stitch(List.of(
        row("chain1", "ecid:a", "email:b"), row("chain2", "email:b", "crmid:c"), row("chain3", "crmid:c", "phone:d"),
        row("star1", "ecid:hub", "email:s1"), row("star2", "ecid:hub", "email:s2"),
        row("star3", "email:s3", "ecid:hub"),
        row("cycle1", "ecid:x", "ecid:y"), row("cycle2", "ecid:y", "ecid:z"), row("cycle3", "ecid:z", "ecid:x"),
        row("self", "ecid:solo", "ecid:solo"),
        row("dup1", "ecid:p", "email:q"), row("dup2", "ecid:p", "email:q"), row("dup3", "email:q", "ecid:p"),
        row("alone", "ecid:lonely")));
    assertEquals(groups("chain1,chain2,chain3", "star1,star2,star3", "cycle1,cycle2,cycle3", "self", "dup1,dup2,dup3",
        "alone"), profiles(s));
    assertEquals(4 + 4 + 3 + 1 + 2 + 1, s.metrics().get("identities").asLong());
    assertEquals(6, s.metrics().get("components").asLong(), s.metrics().toString());
    assertEquals(4, s.metrics().get("largestComponent").asLong());
    assertEquals(0, s.metrics().get("oversizedComponents").asLong());
    assertEquals(3 + 3 + 3 + 1, s.metrics().get("links").asLong(), "distinct links, self-loops not counted");
  }

  /**
   * Records that meet the request's fragment condition make their components candidates: stitching keeps those
   * components whole, events included, and leaves the rest out; every profile is counted from the records'
   * marks, an oversized component's per primary identity. The iterated path joins the marks to its components and
   * does the same.
   */
  @Test
  void candidateComponentsAreKeptWholeAndEveryProfileIsCounted() {
    List<String> records = new ArrayList<>();
    for (int i = 0; i < 5; i++) {  // oversized (8 identities > 4): profiles p0 and p1
      records.add(row("big" + i, "ecid:p" + (i % 2), "email:shared", "phone:n" + i));
    }
    records.addAll(List.of(row("pair1", "ecid:s", "email:t"), row("pair2", "email:t"),
        row("alone1", "ecid:lonely"), row("alone2", "ecid:lonely"), row("other", "ecid:o", "email:o"),
        row("single", "crmid:z")));
    Set<String> candidates = Set.of("big3", "pair2", "alone2");
    Dataset<Row> recordRows = withIds(rows(records), IdentityIds.XXHASH);
    Dataset<Row> eventRows = withIds(rows(List.of(row("ev-pair", "ecid:s"), row("ev-other", "email:o"),
        row("ev-lonely", "ecid:lonely"), row("ev-only", "ecid:nobody"))), IdentityIds.XXHASH);
    Dataset<Row> links = recordRows.select(col("__pe_identities"), col("__pe_ids"), col("__pe_primary"),
            lit(true).as(IdentityGraph.RECORD), col("name").isin(candidates.toArray()).as(IdentityGraph.CANDIDATE))
        .union(eventRows.select(col("__pe_identities"), col("__pe_ids"), col("__pe_primary"),
            lit(false).as(IdentityGraph.RECORD), lit(false).as(IdentityGraph.CANDIDATE)));
    Stitched s = keyed(IdentityGraph.stitch(links, links, 4, 50,
        new StagedFrames(SharedSpark.session(), new org.apache.hadoop.fs.Path(dir.toUri().toString(), "stitch")),
        IdentityIds.XXHASH, "test", Clock.systemUTC(), identitiesPerTask() > 0 ? identitiesPerTask() : Long.MAX_VALUE),
        recordRows, eventRows);
    assertEquals(groups("big0,big2,big4", "big1,big3", "pair1,pair2,ev-pair", "alone1,alone2,ev-lonely"),
        profiles(s), "big0/2/4 are kept with big3's oversized component, though split from it");
    assertEquals(2 + 1 + 1 + 1 + 1, s.metrics().get("profiles").asLong(), s.metrics().toString());
    assertEquals(8 + 2 + 1 + 2 + 1 + 1, s.metrics().get("identities").asLong());
    assertEquals(6 + 6 + 1 + 1, s.metrics().get("links").asLong(), "marks are no links");
    assertEquals(1 + 1 + 1 + 1 + 1 + 1, s.metrics().get("components").asLong(), s.metrics().toString());
  }

  /** Keying adds and removes only its own columns: record fields named like the membership's survive it. */
  @Test
  void recordFieldsNamedRootOrSizeSurviveKeying() {
    Dataset<Row> recordRows = withIds(rows(List.of(row("r1", "ecid:a", "email:b"), row("r2", "email:b"))),
        IdentityIds.XXHASH).withColumn("root", lit("field root")).withColumn("size", lit(42L));
    Dataset<Row> members = recordRows.select(col("__pe_identities"), col("__pe_ids"));
    Stitched s = keyed(IdentityGraph.stitch(members, members, 50, 50,
        new StagedFrames(SharedSpark.session(), new org.apache.hadoop.fs.Path(dir.toUri().toString(), "stitch")),
        IdentityIds.XXHASH, "test", Clock.systemUTC(), identitiesPerTask() > 0 ? identitiesPerTask() : Long.MAX_VALUE),
        recordRows, recordRows.limit(0));
    List<Row> keyed = s.records().select(col("name"), col("root"), col("size"), col("__pe_profile")).collectAsList();
    assertEquals(2, keyed.size());
    for (Row r : keyed) {
      assertEquals("field root", r.getString(1));
      assertEquals(42L, r.getLong(2));
    }
    assertEquals(keyed.get(0).getString(3), keyed.get(1).getString(3), "one profile");
  }

  @Test
  void linksArePairsOfIdentitiesSeenTogetherWhateverTheirHashOrder() {
    // Three identities make three links, four make six; a pair seen again (r3) is the same link.
    Stitched s = stitch(List.of(row("r1", "ecid:a", "email:b", "crmid:c"),
        row("r2", "ecid:w", "email:x", "crmid:y", "phone:z"), row("r3", "crmid:c", "ecid:a")));
    assertEquals(3 + 6, s.metrics().get("links").asLong());
    assertEquals(groups("r1,r3", "r2"), profiles(s));
    assertEquals(4, s.metrics().get("largestComponent").asLong());
  }

  @Test
  void namespacesAreAlreadyCaseFoldedSoOnlyTheValueMatters() {
    assertEquals(groups("r1,r2", "r3"), profiles(stitch(List.of(row("r1", "ecid:A", "email:m"),
        row("r2", "email:m"), row("r3", "ecid:a")))));
  }

  @Test
  void aComponentSpansRecordsAndEvents() {
    Stitched s = stitch(List.of(row("rec-ecid", "ecid:e1"), row("rec-email", "email:m1")),
        List.of(row("event", "ecid:e1", "email:m1"), row("event-only", "ecid:e9")), 50, 50, IdentityIds.XXHASH);
    assertEquals(groups("rec-ecid,rec-email,event", "event-only"), profiles(s));
  }

  @Test
  void anOversizedComponentFollowsTheNoneRules() {
    List<String> records = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      records.add(row("big" + i, "ecid:p" + (i % 2), "email:shared", "phone:n" + i));
    }
    records.add(row("small1", "ecid:s", "email:t"));
    records.add(row("small2", "email:t"));
    Stitched s = stitch(records, List.of(), 4, 50, IdentityIds.XXHASH);
    assertEquals(groups("big0,big2,big4", "big1,big3", "small1,small2"), profiles(s),
        "the 8-identity component is split by primary identity");
    assertEquals(1, s.metrics().get("oversizedComponents").asLong());
    assertEquals(8, s.metrics().get("largestComponent").asLong());
  }

  @Test
  void aLongPathConvergesAndTheIterationCapFailsTheJob() {
    List<String> path = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      path.add(row("n" + i, "x:" + i, "x:" + (i + 1)));
    }
    // Ids in path order are the worst case for label propagation; large/small-star needs O(log n) rounds.
    Stitched s = stitch(path, List.of(), 1000, 50, ORDERED);
    assertEquals(1, profiles(s).size(), "one component");
    long rounds = s.metrics().get("stitchIterations").asLong();
    if (identitiesPerTask() == 0) {
      assertEquals(1, rounds, "one task holds the whole path: one pass");
      return;
    }
    assertTrue(rounds >= 3 && rounds <= 20, "rounds: " + rounds);
    JobFailedException capped = assertThrows(JobFailedException.class,
        () -> stitch(path, List.of(), 1000, 2, ORDERED));
    assertEquals(FailureCode.STITCH_DID_NOT_CONVERGE, capped.code());
    assertTrue(capped.userMessage().contains("maxStitchIterations"), capped.userMessage());
  }

  @Test
  void collidingHashesStillGiveExactComponents() {
    // A hash with three values: most identities collide; the components must not merge because of it.
    List<String> records = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      records.add(row("a" + i, "ecid:a" + i, "email:a" + i + "@x"));
    }
    Stitched s = stitch(records, List.of(), 50, 50, TINY);
    Set<Set<String>> expected = new java.util.HashSet<>();
    for (int i = 0; i < 12; i++) {
      expected.add(new TreeSet<>(List.of("a" + i)));
    }
    assertEquals(expected, profiles(s));
    assertEquals(24, s.metrics().get("identities").asLong());
    assertEquals(12, s.metrics().get("links").asLong(), "the links made again with the colliding identities' ids");
    assertTrue(s.metrics().get("identityHashCollisions").asLong() > 0);
  }

  /**
   * Records keyed after stitching with a filter: the identity pass of the wide read leaves out what keying leaves out
   * (on the one-task path, where the lookup lists only candidate components), no more and no less, and counts every
   * row. Primaries that are not the smallest id, repeated and blocked identities, rows that do not take part.
   */
  @Test
  void theIdentityPassLeavesOutExactlyWhatKeyingLeavesOut() {
    StructType schema = StructType.fromDDL("_id STRING, cand BOOLEAN, identityMap MAP<STRING, ARRAY<STRUCT<id:"
        + " STRING, primary: BOOLEAN>>>");
    Dataset<Row> loaded = Frames.of(schema,
        "{'_id':'r1','cand':true,'identityMap':{'ECID':[{'id':'a','primary':true},{'id':'a'}],'Email':[{'id':'z'}]}}",
        "{'_id':'r2','cand':false,'identityMap':{'email':[{'id':'z','primary':true}],'Phone':[{'id':'anonymous'}]}}",
        "{'_id':'r3','cand':false,'identityMap':{'ECID':[{'id':'b','primary':true}]}}",
        "{'_id':'r4','cand':false,'identityMap':{'ECID':[{'id':' Anonymous ','primary':true}],'crm':[{'id':'q'}]}}",
        "{'_id':'r5','cand':true,'identityMap':{'ECID':[{'id':'m','primary':true}],'E':[{'id':'n','primary':true}]}}",
        "{'_id':'r6','cand':true}",
        "{'_id':'r7','cand':true,'identityMap':{'ECID':[{'id':'b2','primary':true}],'x':[{'id':'w'}]}}",
        "{'_id':'r8','cand':false,'identityMap':{'X':[{'id':'w'}],'y':[{'id':'v','primary':true}]}}",
        "{'_id':'r9','cand':null,'identityMap':{'ECID':[{'id':'q'}]}}");
    Set<String> blocked = Set.of("anonymous");
    Dataset<Row> members = io.profileexport.engine.Export.takingPart(IdentityColumns.add(loaded, blocked, null))
        .select(col("__pe_identities"), col("__pe_ids"), col("__pe_primary"), lit(true).as(IdentityGraph.RECORD),
            col("cand").as(IdentityGraph.CANDIDATE));
    IdentityGraph.Stitched s = IdentityGraph.stitch(members, members, 50, 50, new StagedFrames(SharedSpark.session(),
            new org.apache.hadoop.fs.Path(dir.toUri().toString(), "stitch")), IdentityIds.XXHASH, "test",
        Clock.systemUTC(), identitiesPerTask() > 0 ? identitiesPerTask() : Long.MAX_VALUE);
    assertEquals(identitiesPerTask() == 0, s.keying().rowFilter().isPresent(), "a row filter on the one-task path");
    IdentityColumns.Counters all = IdentityColumns.Counters.register(SharedSpark.session().sparkContext(), "all");
    IdentityColumns.Counters filtered = IdentityColumns.Counters.register(SharedSpark.session().sparkContext(), "f");
    Set<String> keyedAlone = new TreeSet<>();
    for (Row r : s.keying().keyed(io.profileexport.engine.Export.takingPart(IdentityColumns.add(loaded, blocked, all)))
        .select(col("_id"), col("__pe_profile")).collectAsList()) {
      keyedAlone.add(r.getString(0) + "=" + r.getString(1));
    }
    Set<String> passFiltered = new TreeSet<>();
    for (Row r : s.keying().keyed(io.profileexport.engine.Export.takingPart(s.keying().withIdentities(loaded,
        blocked, filtered))).select(col("_id"), col("__pe_profile")).collectAsList()) {
      passFiltered.add(r.getString(0) + "=" + r.getString(1));
    }
    // r1 and r2 (through z) and r8 and r7 (through w) are the candidate components' records.
    assertEquals(Set.of("r1", "r2", "r7", "r8"), passFiltered.stream().map(k -> k.split("=")[0])
        .collect(java.util.stream.Collectors.toSet()));
    assertEquals(keyedAlone, passFiltered);
    assertEquals(9, filtered.read().value());
    assertEquals(all.noPrimary().value(), filtered.noPrimary().value());
    assertEquals(all.multiplePrimaries().value(), filtered.multiplePrimaries().value());
    // The same, decided by a filter on the rows before the identity pass (as the wide read does on the scan's rows).
    IdentityColumns.Counters early = IdentityColumns.Counters.register(SharedSpark.session().sparkContext(), "e");
    var kept = s.keying().keptRows(blocked, early, schema);
    assertEquals(s.keying().rowFilter().isPresent(), kept.isPresent());
    if (kept.isPresent()) {
      Set<String> filteredFirst = new TreeSet<>();
      Dataset<Row> rows = loaded.filter(kept.get().byIdentityMap(col("identityMap")));
      for (Row r : s.keying().keyed(io.profileexport.engine.Export.takingPart(s.keying().withIdentitiesOfKept(rows,
          blocked))).select(col("_id"), col("__pe_profile")).collectAsList()) {
        filteredFirst.add(r.getString(0) + "=" + r.getString(1));
      }
      assertEquals(keyedAlone, filteredFirst);
      assertEquals(9, early.read().value());
      assertEquals(all.noPrimary().value(), early.noPrimary().value());
      assertEquals(all.multiplePrimaries().value(), early.multiplePrimaries().value());
    }
    s.release().run();
  }

  /** Colliding hashes make stitching read the graph again: from the uncounted rows, so input counters count once. */
  @Test
  void collidingHashesReadTheCountedRowsOnce() {
    List<String> records = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      records.add(row("a" + i, "ecid:a" + i, "email:a" + i + "@x"));
    }
    Dataset<Row> recordRows = withIds(rows(records), TINY);
    org.apache.spark.util.LongAccumulator reads = SharedSpark.session().sparkContext().longAccumulator();
    Dataset<Row> counted = recordRows.filter(org.apache.spark.sql.functions.udf(
        (org.apache.spark.sql.api.java.UDF1<String, Boolean>) name -> {
          reads.add(1);
          return true;
        }, org.apache.spark.sql.types.DataTypes.BooleanType).asNondeterministic().apply(col("name")));
    IdentityGraph.Stitched s = IdentityGraph.stitch(counted.select(col("__pe_identities"), col("__pe_ids")),
        recordRows.select(col("__pe_identities"), col("__pe_ids")), 50, 50,
        new StagedFrames(SharedSpark.session(), new org.apache.hadoop.fs.Path(dir.toUri().toString(), "stitch")),
        TINY, "test", Clock.systemUTC(), identitiesPerTask() > 0 ? identitiesPerTask() : Long.MAX_VALUE);
    assertTrue(s.metrics().get("identityHashCollisions").asLong() > 0);
    assertEquals(12, reads.value(), "each counted row read once");
  }

  @Test
  void theSameComponentsWithOneAndEightPartitions() {
    List<String> records = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      records.add(row("r" + i, "ecid:" + (i % 37), "email:" + (i % 23), "crm:" + i));
    }
    Map<Integer, Set<Set<String>>> byPartitions = new TreeMap<>();
    for (int partitions : new int[] {1, 8}) {
      SharedSpark.session().conf().set("spark.sql.shuffle.partitions", String.valueOf(partitions));
      byPartitions.put(partitions, profiles(stitch(records, List.of(), 1000, 50, IdentityIds.XXHASH)));
    }
    assertEquals(byPartitions.get(1), byPartitions.get(8));
    assertEquals(1, byPartitions.get(1).size(), "ecid mod 37 and email mod 23 chain everything together");
  }
}
