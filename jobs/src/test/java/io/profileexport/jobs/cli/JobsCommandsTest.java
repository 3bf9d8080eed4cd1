package io.profileexport.jobs.cli;

import static io.profileexport.engine.testing.TestLakes.datasetBody;
import static io.profileexport.engine.testing.TestLakes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.model.DatasetClass;
import io.profileexport.engine.testing.CatalogFixtures;
import io.profileexport.engine.testing.TestLakes;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jobs create | list | get | cancel: stdout, stderr and exit codes, without starting Spark. */
class JobsCommandsTest {
  private static final String DEST = "5b020a27e7040801dedba61b";

  @TempDir
  Path dir;
  Path lake;

  @BeforeEach
  void lake() {
    lake = dir.resolve("lake");
    Cli.runWithoutSpark(lake, "datasets", "create", "--file", write(dir, "d.json",
        datasetBody(DEST, TestLakes.UNION_CLASS, false)).toString()).expect(0);
    // A profile dataset with a recorded schema, as an ingest would leave it: jobs need a profile union schema.
    CatalogFixtures.dataset(TestLakes.catalog(lake), "aaaaaaaaaaaaaaaaaaaaaa01", DatasetClass.PROFILE, true,
        "_id STRING, personalEmail STRUCT<address: STRING>");
  }

  private Path request(String name, String singleQuoted) {
    return write(dir, name, singleQuoted.replace('\'', '"'));
  }

  private static final String OK = "{'destination':{'datasetId':'" + DEST + "'},'schema':{'name':'_xdm.context.profile'}}";

  @Test
  void createGetListAndCancel() {
    JsonNode created = Cli.runWithoutSpark(lake, "--ims-org", "acme@AdobeOrg", "jobs", "create", "--file",
        request("r.json", OK).toString()).expect(0).json();
    assertEquals(1, created.get("id").asInt());
    assertEquals("NEW", created.get("status").asText());
    assertEquals("acme@AdobeOrg", created.get("imsOrgId").asText());

    JsonNode got = Cli.runWithoutSpark(lake, "jobs", "get", "1").expect(0).json();
    assertEquals(created, got);

    Cli.runWithoutSpark(lake, "jobs", "create", "--file", request("r.json", OK).toString()).expect(0);
    JsonNode list = Cli.runWithoutSpark(lake, "jobs", "list", "--limit", "1").expect(0).json();
    assertEquals(2, list.get("records").get(0).get("id").asInt());
    assertTrue(list.get("link").get("next").asText().startsWith("/export/jobs/?limit=1&offset="));

    JsonNode cancelled = Cli.runWithoutSpark(lake, "jobs", "cancel", "1").expect(0).json();
    assertTrue(cancelled.get("status").asBoolean());
    JsonNode again = Cli.runWithoutSpark(lake, "jobs", "cancel", "1").expect(0).json();
    assertFalse(again.get("status").asBoolean(), "a terminal job is left as it is, still exit 0");
    assertEquals("CANCELLED", Cli.runWithoutSpark(lake, "jobs", "list", "--status", "CANCELLED").json()
        .get("records").get(0).get("status").asText());
  }

  @Test
  void rejectedRequestsAndBadArgumentsWithTheirExitCodes() {
    Cli.runWithoutSpark(lake, "jobs", "create", "--file", request("a.json", "{'destination':{'datasetId':"
        + "'bbbbbbbbbbbbbbbbbbbbbb01'},'schema':{'name':'_xdm.context.profile'}}").toString())
        .expectError(3, "no dataset");
    Cli.Result many = Cli.runWithoutSpark(lake, "jobs", "create", "--file", request("b.json",
        "{'fields':'nope','filter':{'segments':[{'segmentId':'s','status':['REALIZED']}]},"
            + "'destination':{'datasetId':'" + DEST + "'},'schema':{'name':'x'}}").toString()).expectError(2, "nope");
    assertEquals(3, many.json().get("errors").size(), "every problem at once: " + many.stdout());
    assertTrue(many.json().get("errors").get(0).has("path") && many.json().get("errors").get(0).has("value"));
    assertEquals(3, many.stderr().lines().filter(l -> l.startsWith("error: ")).count(), many.stderr());
    Cli.runWithoutSpark(lake, "jobs", "create", "--file", request("c.json", "{\"a\":").toString())
        .expectError(2, "not a valid JSON document");
    Cli.runWithoutSpark(lake, "jobs", "create", "--file", dir.resolve("none.json").toString())
        .expectError(2, "no such file");
    Cli.runWithoutSpark(lake, "--conf", "spark.profileExport.maxRequestBytes=10", "jobs", "create", "--file",
        request("d.json", OK).toString()).expectError(2, "maxRequestBytes");
    Cli.runWithoutSpark(lake, "jobs", "get", "../1").expectError(2, "not a valid job id");
    Cli.runWithoutSpark(lake, "jobs", "get", "42").expectError(3, "no job");
    Cli.runWithoutSpark(lake, "jobs", "cancel", "42").expectError(3, "no job");
    Cli.runWithoutSpark(lake, "jobs", "list", "--limit", "0").expectError(2, "between 1 and 1000");
    Cli.runWithoutSpark(lake, "jobs", "list", "--offset", "yesterday").expectError(2, "cursor");
    Cli.runWithoutSpark(lake, "jobs", "list", "--status", "DONE").expectError(2, "NEW, PROCESSING");
    Cli.runWithoutSpark(lake, "jobs", "list", "--limit", "many").expectError(2, "--limit");
    assertEquals(0, Cli.runWithoutSpark(lake, "jobs", "list").json().get("records").size(),
        "no rejected request left a record");
  }
}
