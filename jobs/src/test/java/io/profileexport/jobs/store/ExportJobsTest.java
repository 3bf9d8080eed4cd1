package io.profileexport.jobs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.error.ErrorKind;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.JobRecord;
import io.profileexport.engine.model.JobRecord.Status;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.testing.MutableClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listing, cancelling and the DRIVER_LOST rule of SPEC 4.6-4.8. */
class ExportJobsTest {
  @TempDir
  java.nio.file.Path dir;
  Catalog catalog;
  MutableClock clock;
  ExportJobs jobs;

  @BeforeEach
  void lake() {
    catalog = JobLakes.lake(dir);
    clock = new MutableClock(1_538_615_973_000L);
    jobs = new ExportJobs(catalog, LakeSettings.resolve(Map.of("spark.profileExport.leaseStaleMs", "1000"), null),
        clock);
  }

  private List<JobRecord> createJobs(int n) {
    List<JobRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(jobs.create(JobLakes.request(""), "org"));
      clock.advance(10);
    }
    return out;
  }

  private static JsonNode json(Object document) {
    return Json.MAPPER.valueToTree(document);
  }

  private static List<Long> ids(JsonNode page) {
    List<Long> ids = new ArrayList<>();
    page.get("records").forEach(r -> ids.add(r.get("id").asLong()));
    return ids;
  }

  @Test
  void anEmptyList() {
    JsonNode page = json(jobs.list(null, null, null));
    assertEquals(List.of(), ids(page));
    assertEquals("{\"sortField\":\"createdTime\",\"sort\":\"desc\",\"pageOffset\":\"\",\"pageSize\":0}",
        page.get("page").toString());
    assertEquals("", page.get("link").get("next").asText());
  }

  @Test
  void oneRecordAndAPageThatIsExactlyFull() {
    List<JobRecord> created = createJobs(1);
    JsonNode page = json(jobs.list(2, null, null));
    assertEquals(List.of(1L), ids(page));
    assertEquals(created.get(0).cursor(), page.get("page").get("pageOffset").asText());
    assertEquals("", page.get("link").get("next").asText(), "no more records");
    createJobs(1);
    JsonNode full = json(jobs.list(2, null, null));
    assertEquals(List.of(2L, 1L), ids(full), "newest first");
    assertEquals("", full.get("link").get("next").asText(), "limit records and no more");
  }

  @Test
  void limitPlusOneRecordsGiveANextLinkWhoseCursorFetchesTheRest() {
    List<JobRecord> created = createJobs(4);
    JsonNode first = json(jobs.list(3, null, null));
    assertEquals(List.of(4L, 3L, 2L), ids(first));
    String cursor = created.get(1).cursor();
    assertEquals(cursor, first.get("page").get("pageOffset").asText());
    assertEquals(3, first.get("page").get("pageSize").asInt());
    assertEquals("/export/jobs/?limit=3&offset=" + cursor, first.get("link").get("next").asText());
    JsonNode second = json(jobs.list(3, cursor, null));
    assertEquals(List.of(1L), ids(second));
    assertEquals("", second.get("link").get("next").asText());

    JsonNode past = json(jobs.list(3, created.get(0).cursor(), null));
    assertEquals(List.of(), ids(past), "a cursor at the last record: an empty page");
    assertEquals("", past.get("page").get("pageOffset").asText());
    assertEquals(List.of(), ids(json(jobs.list(3, "1_0", null))), "a cursor before every record");
  }

  @Test
  void integerOffsetsSkipRecordsAndTiesAreOrderedByIdDescending() {
    jobs.create(JobLakes.request(""), "org");
    jobs.create(JobLakes.request(""), "org");
    jobs.create(JobLakes.request(""), "org");
    assertEquals(List.of(3L, 2L, 1L), ids(json(jobs.list(null, null, null))), "same creation time: id desc");
    assertEquals(List.of(2L), ids(json(jobs.list(1, "1", null))));
    JsonNode skipped = json(jobs.list(1, "1", null));
    assertEquals("/export/jobs/?limit=1&offset=" + jobs.get("2").cursor(), skipped.get("link").get("next").asText(),
        "the next link always carries the cursor");
    assertEquals(List.of(), ids(json(jobs.list(null, "3", null))));
    assertEquals(List.of(), ids(json(jobs.list(null, "99", null))));
  }

  @Test
  void theStatusFilterAndItsNextLink() {
    createJobs(3);
    jobs.cancel("1");
    jobs.cancel("3");
    JsonNode cancelled = json(jobs.list(1, null, "CANCELLED"));
    assertEquals(List.of(3L), ids(cancelled));
    assertTrue(cancelled.get("link").get("next").asText().endsWith("&status=CANCELLED"),
        cancelled.get("link").toString());
    assertEquals(List.of(2L), ids(json(jobs.list(null, null, "new"))));
  }

  @Test
  void badListArgumentsAreBadRequests() {
    for (Runnable bad : List.<Runnable>of(() -> jobs.list(0, null, null), () -> jobs.list(1001, null, null),
        () -> jobs.list(null, "abc", null), () -> jobs.list(null, "12_x", null),
        () -> jobs.list(null, null, "DONE"))) {
      ProfileExportException e = assertThrows(ProfileExportException.class, bad::run);
      assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    }
  }

  @Test
  void cancellingANewJobAndATerminalOne() {
    createJobs(1);
    clock.advance(1000);
    Map<String, Object> outcome = jobs.cancel("1");
    assertEquals(true, outcome.get("status"));
    JobRecord record = jobs.get("1");
    assertEquals(Status.CANCELLED, record.status());
    assertEquals(clock.millis(), record.updateTime());
    assertEquals(clock.millis() - record.creationTime(), record.metrics().get("totalTime").get("totalTimeInMs")
        .asLong());
    Map<String, Object> again = jobs.cancel("1");
    assertEquals(false, again.get("status"));
    assertTrue(again.get("message").toString().contains("already CANCELLED"), again.toString());
    assertEquals(ErrorKind.NOT_FOUND, assertThrows(ProfileExportException.class, () -> jobs.cancel("9")).kind());
    assertEquals(ErrorKind.BAD_REQUEST, assertThrows(ProfileExportException.class, () -> jobs.cancel("x")).kind());
  }

  @Test
  void cancellingAProcessingJobMarksItForItsDriver() {
    JobRecord created = createJobs(1).get(0);
    JobLeases.Lease driver = jobs.leases().acquire(1, "driver");
    jobs.store().write(created.startedRun(clock.millis(), driver.epoch(), "app-1"));
    Map<String, Object> outcome = jobs.cancel("1");
    assertEquals(true, outcome.get("status"));
    assertTrue(outcome.get("message").toString().contains("asked to cancel"), outcome.toString());
    assertTrue(jobs.cancels().isRequested(1, driver.epoch()), "the mark names the driver's epoch");
    assertEquals(Status.PROCESSING, jobs.get("1").status(), "the record is the driver's to change");
  }

  @Test
  void aProcessingJobWhoseDriverStoppedIsFailedDriverLostByTheNextReader() {
    JobRecord created = createJobs(1).get(0);
    JobLeases.Lease driver = jobs.leases().acquire(1, "driver");
    jobs.store().write(created.startedRun(clock.millis(), driver.epoch(), "app-1"));
    String batchId = created.batchIds().get(0);
    catalog.writeBatchRecord(JobLakes.DEST, new BatchRecord(batchId, BatchRecord.SUCCESS, 0, 0, 0, 0, 0, List.of(),
        null, List.of(), null));
    catalog.files().mkdirs(catalog.layout().jobStaging(1));

    clock.advance(500);
    assertEquals(Status.PROCESSING, jobs.get("1").status(), "the lease is still live");
    clock.advance(1001);
    JobRecord lost = jobs.get("1");
    assertEquals(Status.FAILED, lost.status());
    assertEquals("DRIVER_LOST", lost.errors().orElseThrow().get(0).get("code").asText());
    assertTrue(lost.errors().orElseThrow().get(0).get("msg").asText().contains("jobs run 1"));
    assertEquals(2, lost.leaseEpoch(), "marked under a takeover of the lease");
    assertTrue(lost.metrics().get("totalTime").has("endTimeInMs"));
    assertEquals(BatchRecord.FAILED, catalog.batch(JobLakes.DEST, batchId).orElseThrow().status(),
        "a marker the lost driver wrote is no longer visible");
    assertTrue(!catalog.files().exists(catalog.layout().jobStaging(1)), "staging removed");
    assertTrue(!driver.isCurrent(), "the lost driver cannot go on");
    assertEquals(List.of(), ids(json(jobs.list(null, null, "PROCESSING"))));
  }
}
