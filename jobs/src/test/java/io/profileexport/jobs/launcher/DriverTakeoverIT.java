package io.profileexport.jobs.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.testing.TestLakes;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver killed mid-run (SIGKILL: no chance to clean up) and separate driver processes: exit 6 while the job runs
 * under a live driver, DRIVER_LOST once its lease is stale, and a re-run that takes the job over.
 */
class DriverTakeoverIT {
  private static final String PROFILES = "aaaaaaaaaaaaaaaaaaaaaa01";
  private static final String DEST = "dddddddddddddddddddddd01";
  private static final String[] SHORT_LEASES = {"--conf", "spark.profileExport.leaseHeartbeatMs=200", "--conf",
      "spark.profileExport.leaseStaleMs=2000"};

  @TempDir
  Path dir;

  private String[] args(String... command) {
    String[] all = new String[SHORT_LEASES.length + command.length];
    System.arraycopy(SHORT_LEASES, 0, all, 0, SHORT_LEASES.length);
    System.arraycopy(command, 0, all, SHORT_LEASES.length, command.length);
    return all;
  }

  @Test
  void aKilledDriversJobIsFailedDriverLostAndTakenOverByARerun() throws Exception {
    Launcher.run(dir, "datasets", "create", "--file", TestLakes.write(dir, "p.json",
        TestLakes.datasetBody(PROFILES, TestLakes.PROFILE_CLASS, true)).toString()).expect(0);
    Launcher.run(dir, "datasets", "create", "--file", TestLakes.write(dir, "d.json",
        TestLakes.datasetBody(DEST, TestLakes.UNION_CLASS, false)).toString()).expect(0);
    Path records = dir.resolve("records.json");
    try (Writer out = Files.newBufferedWriter(records, StandardCharsets.UTF_8)) {
      for (int i = 0; i < 300_000; i++) {
        out.write("{\"_id\":\"r" + i + "\",\"identityMap\":{\"ECID\":[{\"id\":\"e" + (i / 3)
            + "\",\"primary\":true}]},\"person\":{\"name\":{\"firstName\":\"n" + i + "\"}}}\n");
      }
    }
    Launcher.run(dir, "batches", "ingest", "--dataset", PROFILES, records.toString()).expect(0);
    Path request = TestLakes.write(dir, "r.json", ("{'destination':{'datasetId':'" + DEST + "'},"
        + "'schema':{'name':'_xdm.context.profile'}}").replace('\'', '"'));
    Launcher.run(dir, "jobs", "create", "--file", request.toString()).expect(0);

    Launcher.Started first = Launcher.start(dir, args("jobs", "run", "1"));
    Path record = dir.resolve("lake/jobs/1.json");
    long deadline = System.currentTimeMillis() + 120_000;
    while (!status(record).equals("PROCESSING")) {
      assertTrue(first.process().isAlive(), "the first driver is still running");
      assertTrue(System.currentTimeMillis() < deadline, "the job reached PROCESSING");
      Thread.sleep(50);
    }

    Launcher.Result second = Launcher.run(dir, args("jobs", "run", "1"));
    assertTrue(first.process().isAlive(), "the first driver was still running while the second tried");
    second.expect(6);
    assertTrue(second.stdout().contains("another live driver"), second.stdout());

    first.process().destroyForcibly().waitFor();
    assertEquals("PROCESSING", status(record), "a killed driver leaves its record PROCESSING");
    Thread.sleep(2_500);

    JsonNode lost = Launcher.run(dir, args("jobs", "get", "1")).expect(0).json();
    assertEquals("FAILED", lost.get("status").asText());
    assertEquals("DRIVER_LOST", lost.get("errors").get(0).get("code").asText());

    JsonNode rerun = Launcher.run(dir, args("jobs", "run", "1")).expect(0).json();
    assertEquals("SUCCEEDED", rerun.get("status").asText());
    assertEquals(100_000, rerun.get("metrics").get("totalExportedProfileCounter").asLong());
    assertEquals(3, rerun.get("leaseEpoch").asLong(), "killed run 1, DRIVER_LOST 2, re-run 3");
    assertTrue(!rerun.has("errors"), "a re-run clears the errors");
  }

  private static String status(Path record) throws Exception {
    if (!Files.exists(record)) {
      return "";
    }
    return Json.MAPPER.readTree(Files.readAllBytes(record)).path("status").asText();
  }
}
