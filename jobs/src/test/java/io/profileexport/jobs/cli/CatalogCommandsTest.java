package io.profileexport.jobs.cli;

import static io.profileexport.engine.testing.TestLakes.datasetBody;
import static io.profileexport.engine.testing.TestLakes.jsonLines;
import static io.profileexport.engine.testing.TestLakes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.lake.Ids;
import io.profileexport.engine.testing.TestLakes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every catalog, batch and merge-policy command with its stdout, stderr and exit code (SPEC 5.1). */
class CatalogCommandsTest {
  private static final String PROFILES = "aaaaaaaaaaaaaaaaaaaaaa01";
  private static final String EVENTS = "eeeeeeeeeeeeeeeeeeeeee01";
  private static final String DESTINATION = "dddddddddddddddddddddd01";

  @TempDir
  Path dir;
  Path lake;

  @BeforeEach
  void lake() {
    lake = dir.resolve("lake");
  }

  private Path body(String name, String json) {
    return write(dir, name, json);
  }

  private void createDatasets() {
    Cli.run(lake, "datasets", "create", "--file", body("p.json", datasetBody(PROFILES, TestLakes.PROFILE_CLASS,
        true)).toString()).expect(0);
    Cli.run(lake, "datasets", "create", "--file", body("e.json", datasetBody(EVENTS, TestLakes.EVENT_CLASS,
        true)).toString()).expect(0);
    Cli.run(lake, "datasets", "create", "--file", body("d.json", datasetBody(DESTINATION, TestLakes.UNION_CLASS,
        false)).toString()).expect(0);
  }

  @Test
  void datasetsCreateListGetWithoutStartingSpark() {
    Cli.Result created = Cli.runWithoutSpark(lake, "datasets", "create", "--file",
        body("p.json", datasetBody(PROFILES, TestLakes.PROFILE_CLASS, true)).toString()).expect(0);
    assertEquals("[\"@/dataSets/" + PROFILES + "\"]", created.json().toString());

    Cli.Result generated = Cli.runWithoutSpark(lake, "datasets", "create", "--file", body("tutorial.json",
        "{\"name\":\"Profile Data Export\",\"schemaRef\":{\"id\":\"" + TestLakes.UNION_CLASS + "\",\"contentType\":"
            + "\"application/vnd.adobe.xed+json;version=1\"},\"fileDescription\":{\"persisted\":true,"
            + "\"containerFormat\":\"parquet\",\"format\":\"parquet\"}}").toString()).expect(0);
    String generatedId = generated.json().get(0).asText().substring("@/dataSets/".length());
    assertTrue(Ids.isDataset(generatedId), generatedId);

    JsonNode list = Cli.runWithoutSpark(lake, "datasets", "list").expect(0).json();
    List<String> ids = new ArrayList<>();
    list.fieldNames().forEachRemaining(ids::add);
    assertEquals(List.of(PROFILES, generatedId).stream().sorted().toList(), ids);

    JsonNode got = Cli.runWithoutSpark(lake, "datasets", "get", PROFILES).expect(0).json();
    assertEquals(PROFILES, got.get(PROFILES).get("id").asText());
    assertTrue(got.get(PROFILES).get("profileEnabled").asBoolean());
    assertEquals(TestLakes.PROFILE_CLASS, got.get(PROFILES).get("schemaRef").get("id").asText());
  }

  @Test
  void datasetErrorsAndTheirExitCodes() {
    Path p = body("p.json", datasetBody(PROFILES, TestLakes.PROFILE_CLASS, true));
    Cli.run(lake, "datasets", "create", "--file", p.toString()).expect(0);
    Cli.runWithoutSpark(lake, "datasets", "create", "--file", p.toString()).expectError(2, "already exists");
    Cli.runWithoutSpark(lake, "datasets", "create", "--file", dir.resolve("missing.json").toString())
        .expectError(2, "no such file");
    Cli.runWithoutSpark(lake, "datasets", "create", "--file", body("bad.json", "{\"name\": ").toString())
        .expectError(2, "not a valid JSON document");
    Cli.runWithoutSpark(lake, "datasets", "create", "--file", body("cls.json", "{\"name\":\"x\",\"schemaRef\":"
        + "{\"id\":\"https://ns.adobe.com/xdm/context/other\"}}").toString()).expectError(2, "unknown class");
    Cli.runWithoutSpark(lake, "datasets", "get", "../x").expectError(2, "not a valid dataset id");
    Cli.runWithoutSpark(lake, "datasets", "get", "bbbbbbbbbbbbbbbbbbbbbb01").expectError(3, "no dataset");
    Cli.runWithoutSpark(lake, "datasets", "frobnicate").expectError(2, "frobnicate");
    Cli.runWithoutSpark(lake, "datasets", "get").expectError(2, "ID");
    assertEquals(2, Cli.runWithoutSpark(lake, "datasets").exitCode(), "a bare group prints usage and exits 2");
  }

  @Test
  void aDocumentLargerThanMaxRequestBytesIsRefused() {
    Path p = body("p.json", datasetBody(PROFILES, TestLakes.PROFILE_CLASS, true));
    Cli.runWithoutSpark(lake, "--conf", "spark.profileExport.maxRequestBytes=20", "datasets", "create", "--file",
        p.toString()).expectError(2, "maxRequestBytes");
    Cli.runWithoutSpark(lake, "--conf", "spark.profileExport.maxRequestBytes=zero", "datasets", "list")
        .expectError(2, "spark.profileExport.maxRequestBytes");
  }

  @Test
  void batchesIngestListAndFiles() {
    createDatasets();
    Path records = write(dir, "records.json", jsonLines(
        "{'_id':'r1','identityMap':{'ECID':[{'id':'e1','primary':true}]},'person':{'name':{'firstName':'Ann'}}}",
        "{'_id':'r2','identityMap':{'ECID':[{'id':'e2','primary':true}]}}"));
    JsonNode ingested = Cli.run(lake, "batches", "ingest", "--dataset", PROFILES, records.toString()).expect(0)
        .json();
    String batchId = ingested.fieldNames().next();
    assertTrue(Ids.isBatch(batchId), batchId);
    assertEquals("success", ingested.get(batchId).get("status").asText());
    assertEquals(2, ingested.get(batchId).get("recordCount").asLong());

    JsonNode batches = Cli.runWithoutSpark(lake, "batches", "list", "--dataset", PROFILES).expect(0).json();
    assertEquals(List.of(batchId), iterate(batches));

    JsonNode files = Cli.runWithoutSpark(lake, "batches", "files", batchId).expect(0).json();
    JsonNode data = files.get("data");
    assertEquals(1, data.size());
    assertEquals(batchId + "-1", data.get(0).get("dataSetFileId").asText());
    assertEquals(PROFILES, data.get(0).get("dataSetViewId").asText());
    assertEquals(2, data.get(0).get("records").asLong());
    assertTrue(data.get(0).get("size").asLong() > 0);
    assertEquals("/data/foundation/export/files/" + batchId + "-1",
        data.get(0).get("_links").get("self").get("href").asText());
    assertEquals(1, files.get("_page").get("count").asInt());

    JsonNode schema = Cli.runWithoutSpark(lake, "datasets", "get", PROFILES).expect(0).json().get(PROFILES)
        .get("schema");
    assertEquals("struct", schema.get("type").asText(), "the dataset's schema is recorded");
  }

  @Test
  void batchErrorsAndTheirExitCodes() {
    createDatasets();
    Path records = write(dir, "records.json", jsonLines("{'_id':'r1'}"));
    Cli.runWithoutSpark(lake, "batches", "ingest", "--dataset", "bbbbbbbbbbbbbbbbbbbbbb01", records.toString())
        .expectError(3, "no dataset");
    Cli.runWithoutSpark(lake, "batches", "ingest", "--dataset", "../x", records.toString())
        .expectError(2, "not a valid dataset id");
    Cli.run(lake, "batches", "ingest", "--dataset", PROFILES, dir.resolve("missing.json").toString())
        .expectError(2, "no such file");
    Cli.run(lake, "batches", "ingest", "--dataset", PROFILES, write(dir, "bad.json", "{\"_id\": \n").toString())
        .expectError(2, "bad.json");
    Cli.run(lake, "batches", "ingest", "--dataset", PROFILES, write(dir, "x.parquet", "not parquet").toString())
        .expectError(2, "x.parquet");
    Cli.run(lake, "batches", "ingest", "--dataset", DESTINATION, records.toString())
        .expectError(2, "export destination");
    Cli.runWithoutSpark(lake, "batches", "ingest", "--dataset", PROFILES, "--format", "xml", records.toString())
        .expectError(2, "unknown format");
    Cli.runWithoutSpark(lake, "batches", "list", "--dataset", "bbbbbbbbbbbbbbbbbbbbbb01").expectError(3, "no dataset");
    Cli.runWithoutSpark(lake, "batches", "files", "0123456789abcdef0123456789abcdef").expectError(3, "no visible");
    Cli.runWithoutSpark(lake, "batches", "files", "../../x").expectError(2, "not a valid batch id");
    assertEquals(List.of(), iterate(Cli.runWithoutSpark(lake, "batches", "list", "--dataset", PROFILES).json()),
        "no batch was left behind by the failures");
  }

  @Test
  void mergePoliciesCreateUpdateListGetAndOneDefault() throws Exception {
    createDatasets();
    String policy = "{\"id\":\"e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2\",\"name\":\"CRM first\",\"schema\":{\"name\":"
        + "\"_xdm.context.profile\"},\"identityGraph\":{\"type\":\"none\"},\"attributeMerge\":{\"type\":"
        + "\"dataSetPrecedence\",\"order\":[\"" + PROFILES + "\"]},\"default\":true}";
    JsonNode created = Cli.runWithoutSpark(lake, "--ims-org", "acme@AdobeOrg", "merge-policies", "create",
        "--file", body("mp.json", policy).toString()).expect(0).json();
    assertEquals(1, created.get("version").asInt());
    assertEquals("acme@AdobeOrg", created.get("imsOrgId").asText());
    assertTrue(created.get("default").asBoolean());

    JsonNode second = Cli.runWithoutSpark(lake, "merge-policies", "create", "--file", body("mp2.json",
        "{\"name\":\"latest\",\"schema\":{\"name\":\"_xdm.context.profile\"},\"identityGraph\":{\"type\":\"pdg\"},"
            + "\"attributeMerge\":{\"type\":\"timestampOrdered\"},\"default\":true}").toString()).expect(0).json();
    String secondId = second.get("id").asText();
    assertTrue(Ids.isPolicy(secondId));
    assertFalse(Cli.runWithoutSpark(lake, "merge-policies", "get", "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2")
        .expect(0).json().get("default").asBoolean(), "the previous default was cleared");

    JsonNode updated = Cli.runWithoutSpark(lake, "merge-policies", "update", "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2",
        "--file", body("mp3.json", policy.replace("CRM first", "CRM first v2")).toString()).expect(0).json();
    assertEquals(2, updated.get("version").asInt());
    assertEquals("CRM first v2", updated.get("name").asText());
    assertFalse(Cli.runWithoutSpark(lake, "merge-policies", "get", secondId).json().get("default").asBoolean());

    JsonNode list = Cli.runWithoutSpark(lake, "merge-policies", "list").expect(0).json();
    List<String> ids = new ArrayList<>();
    list.get("children").forEach(c -> ids.add(c.get("id").asText()));
    assertEquals(List.of("timestampOrdered-none-mp", "timestampOrdered-pdg-mp"), ids.subList(0, 2));
    assertEquals(4, list.get("_page").get("totalCount").asInt());

    Cli.runWithoutSpark(lake, "merge-policies", "update", "timestampOrdered-none-mp", "--file",
        body("b.json", policy).toString()).expectError(2, "built-in");
    Cli.runWithoutSpark(lake, "merge-policies", "update", "nope", "--file", body("c.json", policy).toString())
        .expectError(3, "no merge policy");
    Cli.runWithoutSpark(lake, "merge-policies", "get", "a/b").expectError(2, "not a valid merge policy id");
    Cli.runWithoutSpark(lake, "merge-policies", "create", "--file", body("d.json", policy.replace(PROFILES,
        "bbbbbbbbbbbbbbbbbbbbbb01").replace("e5bc94de", "00000000")).toString()).expectError(3, "no dataset");
    Cli.runWithoutSpark(lake, "merge-policies", "create", "--file", body("e.json", policy).toString()).expectError(2,
        "already exists");
    assertTrue(Files.exists(lake.resolve("mergePolicies/" + secondId + ".json")));
  }

  @Test
  void anExternalDatasetRecordsTheSchemaOfItsLocation() {
    Path data = write(dir, "external/part-1.json", jsonLines(
        "{'_id':'x1','loadedAt':1600000000000,'identityMap':{'ECID':[{'id':'e9','primary':true}]}}"));
    String body = ("{'id':'cccccccccccccccccccccc01','name':'ext','schemaRef':{'id':'" + TestLakes.PROFILE_CLASS
        + "'},'profileEnabled':true,'location':'" + data.getParent() + "','fileDescription':{'format':'json'},"
        + "'ingestTimeColumn':'loadedAt'}").replace('\'', '"');
    Cli.run(lake, "datasets", "create", "--file", body("x.json", body).toString()).expect(0);
    JsonNode record = Cli.runWithoutSpark(lake, "datasets", "get", "cccccccccccccccccccccc01").json()
        .get("cccccccccccccccccccccc01");
    assertTrue(record.get("location").asText().startsWith("file:"), "the location is stored absolute");
    List<String> columns = new ArrayList<>();
    record.get("schema").get("fields").forEach(f -> columns.add(f.get("name").asText()));
    assertEquals(List.of("_id", "identityMap", "loadedAt"), columns);
    Cli.run(lake, "datasets", "create", "--file", body("y.json", body.replace("cccccccccccccccccccccc01",
        "cccccccccccccccccccccc02").replace("loadedAt\"", "nope\"")).toString()).expectError(2, "no such top-level column");
  }

  private static List<String> iterate(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
