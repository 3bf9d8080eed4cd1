package io.profileexport.engine;

import static io.profileexport.engine.testing.TestLakes.jsonLines;
import static io.profileexport.engine.testing.TestLakes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.profileexport.engine.lake.BatchIngest;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.DatasetCreateRequest;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.testing.RowsJson;
import io.profileexport.engine.testing.SharedSpark;
import io.profileexport.engine.testing.TestLakes;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportSmokeTest {
  @TempDir
  Path dir;

  @Test
  void twoDatasetsMergeIntoProfiles() throws Exception {
    Catalog catalog = lake(new String[][] {{"aaaaaaaaaaaaaaaaaaaaaa01", TestLakes.PROFILE_CLASS},
        {"aaaaaaaaaaaaaaaaaaaaaa02", TestLakes.PROFILE_CLASS}, {"dddddddddddddddddddddd01", TestLakes.UNION_CLASS}});
    ingest(catalog, "aaaaaaaaaaaaaaaaaaaaaa01", "a.json",
        "{'_id':'a1','identityMap':{'ECID':[{'id':'e1','primary':true}]},'person':{'first':'Ann','last':null},"
            + "'segmentMembership':{'ups':{'s1':{'status':'realized','lastQualificationTime':'2019-09-01T10:00:00Z'}}},"
            + "'_acp_system_metadata':{'ingestTime':1000}}",
        "{'_id':'a2','identityMap':{'ECID':[{'id':'e2','primary':true}]},'person':{'first':'Bob'},"
            + "'_acp_system_metadata':{'ingestTime':1000}}");
    ingest(catalog, "aaaaaaaaaaaaaaaaaaaaaa02", "b.json",
        "{'_id':'b1','identityMap':{'ecid':[{'id':'e1','primary':true}],'Email':[{'id':'ann@x.com'}]},"
            + "'person':{'first':'Anna','last':'Smith'},'_acp_system_metadata':{'ingestTime':2000}}",
        "{'_id':'b2','identityMap':{'ECID':[{'id':'anonymous','primary':true}]},'person':{'first':'Nobody'},"
            + "'_acp_system_metadata':{'ingestTime':2000}}");

    ExportResult result = export(catalog, "'fields':'person,identityMap','filter':{'segments':[{'segmentId':'s1'}]}",
        1, "0123456789abcdef0123456789abcdef");
    RowsJson.assertSameRows("e1's two records merged, b2 skipped (blocked), a2 not in s1", List.of(
        "{\"person\":{\"first\":\"Anna\",\"last\":\"Smith\"},\"identityMap\":{\"ecid\":[{\"id\":\"e1\",\"primary\":true}],"
            + "\"Email\":[{\"id\":\"ann@x.com\"}]}}"),
        written(catalog, "0123456789abcdef0123456789abcdef"));
    assertEquals(1, result.exportedProfiles());
    assertEquals(4, result.extensions().get("recordsRead").asLong());
    assertEquals(1, result.extensions().get("recordsSkipped").get("noPrimaryIdentity").asLong());
    assertEquals(2, result.extensions().get("components").asLong());
    assertEquals(java.util.Map.of("ecid", 1L), result.exportedByNamespace());
  }

  /** One batch of JSON lines (single quotes for double) ingested into {@code dataset}. */
  void ingest(Catalog catalog, String dataset, String file, String... lines) throws Exception {
    new BatchIngest(SharedSpark.session(), catalog, Clock.systemUTC()).ingest(dataset,
        List.of(write(dir, file, jsonLines(lines)).toString()), Optional.empty());
  }

  /** Runs the request whose members {@code members} (single-quoted) adds to the destination and schema. */
  ExportResult export(Catalog catalog, String members, long jobId, String batchId) throws Exception {
    ExportPlan plan = ExportPlanner.plan(Json.MAPPER.readTree(("{" + members + ",'destination':{'datasetId':"
        + "'dddddddddddddddddddddd01'},'schema':{'name':'_xdm.context.profile'}}").replace('\'', '"')), catalog,
        LakeSettings.defaults());
    return new Export(SharedSpark.session(), catalog, Clock.systemUTC()).run(plan,
        new Export.Run(jobId, 1, List.of(batchId), 0), step -> { });
  }

  /** The rows of a published batch of the destination. */
  static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> written(Catalog catalog, String batchId) {
    return SharedSpark.session().read().parquet(catalog.layout().batch("dddddddddddddddddddddd01", batchId)
        .toString());
  }

  /** A lake with the datasets {id, schema class}: destinations (union class) not profile-enabled, the rest enabled. */
  Catalog lake(String[][] datasets) throws Exception {
    Catalog catalog = TestLakes.catalog(dir.resolve("lake"));
    for (String[] d : datasets) {
      catalog.createDataset(DatasetCreateRequest.parse(Json.MAPPER.readTree(TestLakes.datasetBody(d[0], d[1],
          !d[1].equals(TestLakes.UNION_CLASS)))).toRecord(d[0], 1, null, null));
    }
    return catalog;
  }

  @Test
  void pdgJoinsRecordsOfDifferentPrimariesThroughAnEventButNotThroughABlockedValue() throws Exception {
    Catalog catalog = lake(new String[][] {{"aaaaaaaaaaaaaaaaaaaaaa01", TestLakes.PROFILE_CLASS},
        {"eeeeeeeeeeeeeeeeeeeeee01", TestLakes.EVENT_CLASS}, {"dddddddddddddddddddddd01", TestLakes.UNION_CLASS}});
    ingest(catalog, "aaaaaaaaaaaaaaaaaaaaaa01", "r.json",
        "{'_id':'r1','identityMap':{'CRMID':[{'id':'c1','primary':true}]},'person':{'first':'Ann'},"
            + "'_acp_system_metadata':{'ingestTime':1000}}",
        "{'_id':'r2','identityMap':{'ECID':[{'id':'e1','primary':true}]},'person':{'first':'Anna','last':'Lee'},"
            + "'_acp_system_metadata':{'ingestTime':2000}}",
        "{'_id':'r3','identityMap':{'ECID':[{'id':'e2','primary':true}],'Email':[{'id':'Anonymous'}]},"
            + "'person':{'first':'Bob'},'_acp_system_metadata':{'ingestTime':1500}}");
    // ev1 links c1 and e1 (r1 and r2 become one profile); ev2 shares only a blocked value with r3, which links
    // nothing.
    ingest(catalog, "eeeeeeeeeeeeeeeeeeeeee01", "e.json",
        "{'_id':'ev1','timestamp':'2019-09-01T10:00:00Z','identityMap':{'ECID':[{'id':'e1','primary':true}],"
            + "'crmid':[{'id':'c1'}]},'_acp_system_metadata':{'ingestTime':1000}}",
        "{'_id':'ev2','timestamp':'2019-09-01T11:00:00Z','identityMap':{'ECID':[{'id':'e9','primary':true}],"
            + "'Email':[{'id':'anonymous'}]},'_acp_system_metadata':{'ingestTime':1000}}");

    ExportResult result = export(catalog, "'fields':'person','mergePolicy':{'id':'timestampOrdered-pdg-mp'}", 2,
        "0123456789abcdef0123456789abcde2");
    RowsJson.assertSameRows("r1 and r2 merged through ev1 (r2 newer), r3 alone", List.of(
        "{\"person\":{\"first\":\"Anna\",\"last\":\"Lee\"}}", "{\"person\":{\"first\":\"Bob\"}}"),
        written(catalog, "0123456789abcdef0123456789abcde2"));
    assertEquals(2, result.exportedProfiles());
    assertEquals(3, result.extensions().get("recordsRead").asLong());
    assertEquals(2, result.extensions().get("eventsRead").asLong());
    assertEquals(4, result.extensions().get("identities").asLong(), "c1, e1, e2, e9: blocked values are none");
    assertEquals(1, result.extensions().get("links").asLong(), "c1-e1");
    assertEquals(3, result.extensions().get("components").asLong(), "{c1, e1}, {e2}, the event-only {e9}");
    assertEquals(2, result.extensions().get("largestComponent").asLong());
    assertEquals(java.util.Map.of("ECID", 2L), result.exportedByNamespace(), "r2 ranks first in its profile");
  }

  /**
   * Under pdg, profiles none of whose records could make them pass the filters are left out before the merge; the
   * others are merged whole, from every record, and the filters still decide on the merged profile.
   */
  @Test
  void pdgLeavesOutOnlyProfilesTheFiltersDropAndCountsEveryProfile() throws Exception {
    Catalog catalog = lake(new String[][] {{"aaaaaaaaaaaaaaaaaaaaaa01", TestLakes.PROFILE_CLASS},
        {"eeeeeeeeeeeeeeeeeeeeee01", TestLakes.EVENT_CLASS}, {"dddddddddddddddddddddd01", TestLakes.UNION_CLASS}});
    ingest(catalog, "aaaaaaaaaaaaaaaaaaaaaa01", "r.json",
        // c1 and e1 (joined by ev1): only r1 is in s1, r2 is newer and gives the name.
        "{'_id':'r1','identityMap':{'CRMID':[{'id':'c1','primary':true}]},'person':{'first':'Ann'},"
            + member("realized", "2019-09-01T10:00:00Z") + ",'_acp_system_metadata':{'ingestTime':1000}}",
        "{'_id':'r2','identityMap':{'ECID':[{'id':'e1','primary':true}]},'person':{'first':'Anna','last':'Lee'},"
            + "'_acp_system_metadata':{'ingestTime':2000}}",
        // e2: exited only.
        "{'_id':'r3','identityMap':{'ECID':[{'id':'e2','primary':true}]},'person':{'first':'Bob'},"
            + member("exited", "2019-09-01T10:00:00Z") + ",'_acp_system_metadata':{'ingestTime':3000}}",
        // e3: exited, then realized later by another record: in s1.
        "{'_id':'r4','identityMap':{'ECID':[{'id':'e3','primary':true}]},'person':{'first':'Cid'},"
            + member("exited", "2019-09-01T10:00:00Z") + ",'_acp_system_metadata':{'ingestTime':1000}}",
        "{'_id':'r5','identityMap':{'ECID':[{'id':'e3','primary':true}]},'person':{'last':'Cole'},"
            + member("realized", "2019-09-03T10:00:00Z") + ",'_acp_system_metadata':{'ingestTime':1000}}",
        // e4: realized, then exited later: r6 makes it a candidate, but its merged membership is exited.
        "{'_id':'r6','identityMap':{'ECID':[{'id':'e4','primary':true}]},'person':{'first':'Dee'},"
            + member("realized", "2019-09-01T10:00:00Z") + ",'_acp_system_metadata':{'ingestTime':1000}}",
        "{'_id':'r7','identityMap':{'ECID':[{'id':'e4','primary':true}]},'person':{'first':'Dee'},"
            + member("exited", "2019-09-05T10:00:00Z") + ",'_acp_system_metadata':{'ingestTime':1000}}");
    ingest(catalog, "eeeeeeeeeeeeeeeeeeeeee01", "e.json",
        "{'_id':'ev1','timestamp':'2019-09-01T10:00:00Z','identityMap':{'ECID':[{'id':'e1','primary':true}],"
            + "'crmid':[{'id':'c1'}]},'_acp_system_metadata':{'ingestTime':1000}}");

    ExportResult inSegment = export(catalog, "'fields':'person','mergePolicy':{'id':'timestampOrdered-pdg-mp'},"
        + "'filter':{'segments':[{'segmentId':'s1','status':['realized']}]}", 3, "0123456789abcdef0123456789abcde3");
    RowsJson.assertSameRows("{c1, e1} merged from both records; e3 realized last; e2 and e4 not realized", List.of(
        "{\"person\":{\"first\":\"Anna\",\"last\":\"Lee\"}}", "{\"person\":{\"first\":\"Cid\",\"last\":\"Cole\"}}"),
        written(catalog, "0123456789abcdef0123456789abcde3"));
    assertEquals(2, inSegment.exportedProfiles());
    assertEquals(4, inSegment.extensions().get("profiles").asLong(), "every profile, left out or not");
    assertEquals(7, inSegment.extensions().get("recordsRead").asLong());

    ExportResult recent = export(catalog, "'fields':'person,identityMap','mergePolicy':{'id':"
        + "'timestampOrdered-pdg-mp'},'filter':{'fromIngestTimestamp':'1970-01-01T00:00:01.500Z'}", 4,
        "0123456789abcdef0123456789abcde4");
    RowsJson.assertSameRows("updated after 1.5 s: {c1, e1} (r2 at 2 s, r1 merged in too) and e2", List.of(
        "{\"person\":{\"first\":\"Anna\",\"last\":\"Lee\"},\"identityMap\":{\"ECID\":[{\"id\":\"e1\","
            + "\"primary\":true}],\"CRMID\":[{\"id\":\"c1\",\"primary\":true}]}}",
        "{\"person\":{\"first\":\"Bob\"},\"identityMap\":{\"ECID\":[{\"id\":\"e2\",\"primary\":true}]}}"),
        written(catalog, "0123456789abcdef0123456789abcde4"));
    assertEquals(4, recent.extensions().get("profiles").asLong());
  }

  /** A segmentMembership member (single-quoted JSON) with s1 in ups. */
  private static String member(String status, String time) {
    return "'segmentMembership':{'ups':{'s1':{'status':'" + status + "','lastQualificationTime':'" + time + "'}}}";
  }
}
