package io.profileexport.jobs.run;

import static io.profileexport.engine.testing.TestLakes.datasetBody;
import static io.profileexport.engine.testing.TestLakes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.testing.SharedSpark;
import io.profileexport.engine.testing.TestLakes;
import io.profileexport.jobs.cli.Cli;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.scheduler.JobFailed;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Running jobs in-process: success and re-run, a corrupt input, a cancel while Spark jobs run. */
class JobRunTest {
  static final String PROFILES = "aaaaaaaaaaaaaaaaaaaaaa01";
  static final String DEST = "dddddddddddddddddddddd01";

  @TempDir
  Path dir;
  Path lake;

  @BeforeEach
  void lake() {
    lake = dir.resolve("lake");
    Cli.run(lake, "datasets", "create", "--file", write(dir, "p.json", datasetBody(PROFILES, TestLakes.PROFILE_CLASS,
        true)).toString()).expect(0);
    Cli.run(lake, "datasets", "create", "--file", write(dir, "d.json", datasetBody(DEST, TestLakes.UNION_CLASS,
        false)).toString()).expect(0);
  }

  Path request(String extra) {
    return write(dir, "request.json", ("{" + extra + "'destination':{'datasetId':'" + DEST + "'},"
        + "'schema':{'name':'_xdm.context.profile'}}").replace('\'', '"'));
  }

  void ingest(int records) throws IOException {
    Path file = dir.resolve("records-" + records + ".json");
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (int i = 0; i < records; i++) {
        out.write("{\"_id\":\"r" + i + "\",\"identityMap\":{\"ECID\":[{\"id\":\"e" + (i % (records / 2 + 1))
            + "\",\"primary\":true}]},\"person\":{\"name\":{\"firstName\":\"n" + i + "\"}},"
            + "\"_acp_system_metadata\":{\"ingestTime\":" + (1000 + i) + "}}\n");
      }
    }
    Cli.run(lake, "batches", "ingest", "--dataset", PROFILES, file.toString()).expect(0);
  }

  @Test
  void aJobRunsAndARerunReplacesItsBatch() throws IOException {
    ingest(10);
    JsonNode first = Cli.run(lake, "jobs", "create", "--file", request("").toString(), "--run").expect(0).json();
    assertEquals("SUCCEEDED", first.get("status").asText());
    assertEquals(6, first.get("metrics").get("totalExportedProfileCounter").asLong());
    assertEquals(1, first.get("leaseEpoch").asLong());
    String batchId = first.get("destination").get("batchId").asText();
    assertTrue(first.get("computeGatewayJobId").get("exportJob").asText().startsWith("local-"));

    ingest(20);
    JsonNode second = Cli.run(lake, "jobs", "run", "1").expect(0).json();
    assertEquals("SUCCEEDED", second.get("status").asText());
    assertEquals(batchId, second.get("destination").get("batchId").asText(), "batch ids never change");
    assertEquals(first.get("creationTime"), second.get("creationTime"));
    assertEquals(first.get("metrics").get("totalTime").get("startTimeInMs"),
        second.get("metrics").get("totalTime").get("startTimeInMs"));
    assertEquals(11, second.get("metrics").get("totalExportedProfileCounter").asLong(), "recomputed from the lake");
    assertEquals(2, second.get("leaseEpoch").asLong());
    Catalog catalog = TestLakes.catalog(lake);
    assertEquals(11, catalog.batch(DEST, batchId).orElseThrow().recordCount(), "replaced, not appended");
    assertEquals(1, catalog.batches(DEST).size());
    assertFalse(catalog.files().exists(catalog.layout().jobStaging(1)), "staging removed");
  }

  @Test
  void aCorruptInputBatchFailsTheJobWithInputUnreadableAndNoBatchVisible() throws IOException {
    ingest(10);
    Catalog catalog = TestLakes.catalog(lake);
    BatchRecord input = catalog.visibleBatches(PROFILES).get(0);
    Path file = Path.of(catalog.layout().batch(PROFILES, input.id()).toUri()).resolve(input.files().get(0).name());
    Files.writeString(file, "PAR1 this is not parquet any more PAR1");

    Cli.Result result = Cli.run(lake, "jobs", "create", "--file", request("").toString(), "--run").expect(4);
    JsonNode record = result.json();
    assertEquals("FAILED", record.get("status").asText());
    JsonNode error = record.get("errors").get(0);
    assertEquals("INPUT_UNREADABLE", error.get("code").asText(), error.toString());
    assertTrue(error.get("msg").asText().contains(input.id()), error.get("msg").asText());
    assertFalse(error.get("callStack").asText().isEmpty());
    assertFalse(record.get("metrics").has("aCPDatasetWriteTime"), "failed before publishing");
    String batchId = record.get("destination").get("batchId").asText();
    assertTrue(catalog.batch(DEST, batchId).isEmpty(), "no batch of the failed job is visible");
    assertFalse(catalog.files().exists(catalog.layout().jobStaging(1)), "staging removed");
  }

  @Test
  void aJobCancelledWhileItsSparkJobsRunStopsThemAndIsCancelledWithinSeconds() throws Exception {
    ingest(200_000);
    JsonNode created = Cli.run(lake, "jobs", "create", "--file", request("").toString()).expect(0).json();
    String id = created.get("id").asText();
    String tag = JobRunner.jobTag(Long.parseLong(id));
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<String> cancelledJobFailure = new AtomicReference<>();
    SparkListener listener = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart jobStart) {
        String tags = jobStart.properties() == null ? null : jobStart.properties().getProperty("spark.job.tags");
        if (tags != null && tags.contains(tag)) {
          started.countDown();
        }
      }

      @Override
      public void onJobEnd(SparkListenerJobEnd jobEnd) {
        if (jobEnd.jobResult() instanceof JobFailed failed && failed.exception().getMessage() != null
            && failed.exception().getMessage().contains("cancel")) {
          cancelledJobFailure.set(failed.exception().getMessage());
        }
      }
    };
    SharedSpark.session().sparkContext().addSparkListener(listener);
    try {
      CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(() -> Cli.run(lake, "--conf",
          "spark.profileExport.cancelPollMs=100", "jobs", "run", id));
      assertTrue(started.await(60, TimeUnit.SECONDS), "the job's first Spark job started");
      long cancelledAt = System.currentTimeMillis();
      JsonNode answer = Cli.run(lake, "jobs", "cancel", id).expect(0).json();
      assertTrue(answer.get("status").asBoolean(), answer.toString());
      Cli.Result result = run.get(60, TimeUnit.SECONDS).expect(5);
      long took = System.currentTimeMillis() - cancelledAt;
      assertEquals("CANCELLED", result.json().get("status").asText());
      assertTrue(took < 10_000, "CANCELLED within seconds, took " + took + " ms");
      Catalog catalog = TestLakes.catalog(lake);
      assertFalse(catalog.files().exists(catalog.layout().jobStaging(Long.parseLong(id))), "staging removed");
      assertTrue(catalog.batch(DEST, result.json().get("destination").get("batchId").asText()).isEmpty());
      assertTrue(catalog.files().read(catalog.layout().jobCancelRequest(Long.parseLong(id))).isEmpty(),
          "the cancel mark is cleared");
      for (int i = 0; i < 50 && cancelledJobFailure.get() == null; i++) {
        Thread.sleep(100);
      }
      assertTrue(cancelledJobFailure.get() != null, "a running Spark job of the export was cancelled by its tag");
    } finally {
      SharedSpark.session().sparkContext().removeSparkListener(listener);
    }
    assertEquals(List.of(), List.of());
  }
}
