package io.profileexport.engine.stitch;

import static io.profileexport.engine.testing.TestLakes.jsonLines;
import static io.profileexport.engine.testing.TestLakes.write;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.profileexport.engine.lake.BatchIngest;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.InputFrames;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.testing.SharedSpark;
import io.profileexport.engine.testing.TestLakes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export reads its records twice, for the graph and then whole: a batch committed while it stitches is in both
 * reads or in neither ({@link InputFrames} reads one snapshot of the lake).
 */
class ExportSnapshotTest {
  @TempDir
  Path dir;

  @Test
  void aBatchCommittedWhileStitchingIsNotPartOfTheWideReadAlone() throws Exception {
    String profiles = "aaaaaaaaaaaaaaaaaaaaaa01";
    String events = "eeeeeeeeeeeeeeeeeeeeee01";
    String dest = "dddddddddddddddddddddd01";
    Catalog catalog = TestLakes.lakeWith(dir.resolve("lake2"), profiles, TestLakes.PROFILE_CLASS);
    TestLakes.addDataset(catalog, events, TestLakes.EVENT_CLASS);
    TestLakes.addDataset(catalog, dest, TestLakes.UNION_CLASS);
    long c1 = IdentityIds.XXHASH.of(org.apache.spark.unsafe.types.UTF8String.fromString("crmid"),
        org.apache.spark.unsafe.types.UTF8String.fromString("c1"));
    String e = null;
    for (int i = 0; e == null; i++) {
      if (IdentityIds.XXHASH.of(org.apache.spark.unsafe.types.UTF8String.fromString("ecid"),
          org.apache.spark.unsafe.types.UTF8String.fromString("e" + i)) > c1) {
        e = "e" + i;
      }
    }
    String seg = "'segmentMembership':{'ups':{'s1':{'status':'realized','lastQualificationTime':'2019-09-01T10:00:00Z'}}}";
    java.time.Clock clock = java.time.Clock.systemUTC();
    new BatchIngest(SharedSpark.session(), catalog, clock).ingest(profiles, List.of(write(dir, "r.json", jsonLines(
        "{'_id':'r1','identityMap':{'CRMID':[{'id':'c1','primary':true}]},'person':{'first':'Ann'}," + seg
            + ",'_acp_system_metadata':{'ingestTime':1000}}",
        "{'_id':'r3','identityMap':{'ECID':[{'id':'" + e + "','primary':true}]},'person':{'last':'Three'},"
            + "'_acp_system_metadata':{'ingestTime':1000}}")).toString()), Optional.empty());
    new BatchIngest(SharedSpark.session(), catalog, clock).ingest(events, List.of(write(dir, "e.json", jsonLines(
        "{'_id':'ev0','timestamp':'2019-09-01T10:00:00Z','identityMap':{'ECID':[{'id':'zz','primary':true}]},"
            + "'_acp_system_metadata':{'ingestTime':1000}}")).toString()), Optional.empty());
    // A batch committed while the job runs: hidden (no marker) until stitching starts.
    var late = new BatchIngest(SharedSpark.session(), catalog, clock).ingest(profiles, List.of(write(dir, "r2.json",
        jsonLines("{'_id':'r2','identityMap':{'CRMID':[{'id':'c1','primary':true}],'ECID':[{'id':'" + e + "'}]},"
            + "'person':{'first':'Zed'},'_acp_system_metadata':{'ingestTime':3000}}")).toString()), Optional.empty());
    java.nio.file.Path marker = java.nio.file.Paths.get(catalog.layout().batchRecord(profiles, late.id()).toUri());
    java.nio.file.Path hidden = marker.resolveSibling("hidden.json");
    java.nio.file.Files.move(marker, hidden);
    java.util.concurrent.atomic.AtomicBoolean revealed = new java.util.concurrent.atomic.AtomicBoolean();
    org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
        String d = start.properties() == null ? null : start.properties().getProperty("spark.job.description");
        if (d != null && d.contains("stitch identities") && revealed.compareAndSet(false, true)) {
          try {
            java.nio.file.Files.move(hidden, marker);
          } catch (java.io.IOException x) {
            throw new java.io.UncheckedIOException(x);
          }
        }
      }
    };
    SharedSpark.session().sparkContext().addSparkListener(listener);
    io.profileexport.engine.ExportResult result;
    try {
      io.profileexport.engine.ExportPlan plan = io.profileexport.engine.ExportPlanner.plan(Json.MAPPER.readTree(
          ("{'fields':'person','mergePolicy':{'id':'timestampOrdered-pdg-mp'},'filter':{'segments':[{'segmentId':"
              + "'s1'}]},'destination':{'datasetId':'" + dest + "'},'schema':{'name':'_xdm.context.profile'}}")
              .replace('\'', '"')), catalog, io.profileexport.engine.settings.LakeSettings.defaults());
      result = new io.profileexport.engine.Export(SharedSpark.session(), catalog, clock).run(plan,
          new io.profileexport.engine.Export.Run(9, 1, List.of("0123456789abcdef0123456789abcde9"), 0), s -> { });
    } finally {
      SharedSpark.session().sparkContext().removeSparkListener(listener);
    }
    List<String> out = new ArrayList<>();
    for (String r : SharedSpark.session().read().parquet(catalog.layout().batch(dest,
        "0123456789abcdef0123456789abcde9").toString()).toJSON().collectAsList()) {
      out.add(r.toString());
    }
    org.junit.jupiter.api.Assertions.assertTrue(revealed.get(), "the batch was committed while stitching");
    // One snapshot of the lake gives either [Ann] (without the late batch) or [Zed Three] (with it).
    org.junit.jupiter.api.Assertions.assertTrue(out.equals(List.of("{\"person\":{\"first\":\"Ann\"}}"))
        || out.equals(List.of("{\"person\":{\"first\":\"Zed\",\"last\":\"Three\"}}")), out.toString());
    assertEquals(result.extensions().get("recordsRead").asLong(), out.contains("{\"person\":{\"first\":\"Ann\"}}")
        ? 2 : 3);
  }
}
