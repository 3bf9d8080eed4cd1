package io.profileexport.jobs.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.testing.TestLakes;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke runs of the launcher itself, after `package` (failsafe), in new JVMs. */
class LauncherIT {
  private static final String PROFILES = "aaaaaaaaaaaaaaaaaaaaaa01";

  @TempDir
  Path dir;

  @Test
  void catalogReadsAnswerWithoutStartingSpark() throws Exception {
    Launcher.Result list = Launcher.run(dir, "datasets", "list").expect(0);
    assertEquals("{ }", list.stdout().strip());
    assertFalse(list.stderr().contains("SparkContext"), "no Spark was started: " + list.stderr());
    Launcher.Result help = Launcher.run(dir, "--help").expect(0);
    assertTrue(help.stdout().contains("merge-policies"), help.stdout());
  }

  @Test
  void createIngestAndListFilesThroughTheLauncher() throws Exception {
    Path body = TestLakes.write(dir, "p.json", TestLakes.datasetBody(PROFILES, TestLakes.PROFILE_CLASS, true));
    Launcher.run(dir, "--lake", "lake", "datasets", "create", "--file", body.toString()).expect(0);
    Path records = TestLakes.write(dir, "r.json", TestLakes.jsonLines(
        "{'_id':'r1','identityMap':{'ECID':[{'id':'e1','primary':true}]}}"));
    Launcher.Result ingest = Launcher.run(dir, "--lake", "lake", "--master", "local[2]", "--conf",
        "spark.sql.shuffle.partitions=2", "batches", "ingest", "--dataset", PROFILES, records.toString()).expect(0);
    String batchId = ingest.json().fieldNames().next();
    JsonNode files = Launcher.run(dir, "--lake", "lake", "batches", "files", batchId).expect(0).json();
    assertEquals(1, files.get("data").get(0).get("records").asLong());
  }

  @Test
  void twoProcessesCreatingJobsAtOnceGetDistinctIds() throws Exception {
    String dest = "5b020a27e7040801dedba61b";
    Path body = TestLakes.write(dir, "d.json", TestLakes.datasetBody(dest, TestLakes.UNION_CLASS, false));
    Launcher.run(dir, "datasets", "create", "--file", body.toString()).expect(0);
    Path profiles = TestLakes.write(dir, "p.json", TestLakes.datasetBody(PROFILES, TestLakes.PROFILE_CLASS, true));
    Launcher.run(dir, "datasets", "create", "--file", profiles.toString()).expect(0);
    Path records = TestLakes.write(dir, "r.json", TestLakes.jsonLines("{'_id':'r1'}"));
    Launcher.run(dir, "batches", "ingest", "--dataset", PROFILES, records.toString()).expect(0);
    Path request = TestLakes.write(dir, "r.json", ("{'destination':{'datasetId':'" + dest + "'},"
        + "'schema':{'name':'_xdm.context.profile'}}").replace('\'', '"'));
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    java.util.List<java.util.concurrent.Future<Launcher.Result>> runs = new java.util.ArrayList<>();
    for (int i = 0; i < 2; i++) {
      runs.add(pool.submit(() -> Launcher.run(dir, "jobs", "create", "--file", request.toString())));
    }
    java.util.Set<Long> ids = new java.util.HashSet<>();
    for (var run : runs) {
      ids.add(run.get().expect(0).json().get("id").asLong());
    }
    pool.shutdown();
    assertEquals(java.util.Set.of(1L, 2L), ids);
  }

  @Test
  void badInputExitsWithAReadableErrorAndNoStackTrace() throws Exception {
    Launcher.Result badId = Launcher.run(dir, "datasets", "get", "../x").expect(2);
    assertTrue(badId.json().get("errors").get(0).get("message").asText().contains("not a valid dataset id"));
    assertTrue(badId.stderr().contains("error: "), badId.stderr());

    Path body = TestLakes.write(dir, "p.json", TestLakes.datasetBody(PROFILES, TestLakes.PROFILE_CLASS, true));
    Launcher.run(dir, "datasets", "create", "--file", body.toString()).expect(0);
    Path bad = TestLakes.write(dir, "bad.json", "{\"_id\": \"a\"}\n{\"_id\": nope\n");
    Launcher.Result ingest = Launcher.run(dir, "batches", "ingest", "--dataset", PROFILES, bad.toString()).expect(2);
    assertTrue(ingest.stdout().contains("bad.json"), ingest.stdout());
    assertFalse(ingest.stderr().contains("\tat "), "no stack trace: " + ingest.stderr());
    assertEquals("{ }", Launcher.run(dir, "batches", "list", "--dataset", PROFILES).expect(0).stdout().strip());
  }
}
