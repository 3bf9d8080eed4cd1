package io.profileexport.jobs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.error.ErrorKind;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.Ids;
import io.profileexport.engine.model.JobRecord;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.testing.MutableClock;
import io.profileexport.engine.testing.TestLakes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobStoreTest {
  @TempDir
  java.nio.file.Path dir;

  @Test
  void aNewRecordEchoesTheRequestAndCarriesItsBatchIdAlready() throws Exception {
    Catalog catalog = JobLakes.lake(dir);
    MutableClock clock = new MutableClock(1_559_674_261_657L);
    ExportJobs jobs = new ExportJobs(catalog, LakeSettings.defaults(), clock);
    JsonNode request = JobLakes.request("'fields':'personalEmail.address','filter':{'segments':[{'segmentId':"
        + "'4edc8488-2c35-4f6d-b4c6-9075c68d2df4','segmentNs':'AAM','status':['realized']}],"
        + "'fromIngestTimestamp':'2018-10-25T13:22:04-07:00'},");
    JobRecord record = jobs.create(request, "{IMS_ORG}");
    JsonNode json = record.json();

    assertEquals(1, record.id(), "ids start at 1");
    assertEquals("NEW", json.get("status").asText());
    assertEquals("BATCH", json.get("jobType").asText());
    assertEquals(request.get("fields"), json.get("fields"), "fields echoed as sent");
    assertEquals(request.get("filter"), json.get("filter"), "filter echoed as sent, no defaults added");
    assertEquals(request.get("schema"), json.get("schema"));
    assertEquals(Json.MAPPER.readTree("{\"id\":\"timestampOrdered-none-mp\",\"version\":1}"),
        json.get("mergePolicy"), "the resolved policy");
    JsonNode destination = json.get("destination");
    assertEquals(JobLakes.DEST, destination.get("datasetId").asText(), "dataSetId is written as datasetId");
    assertFalse(destination.has("dataSetId"));
    assertFalse(destination.get("segmentPerBatch").asBoolean());
    assertTrue(Ids.isBatch(destination.get("batchId").asText()));
    assertEquals(Json.MAPPER.readTree("{\"totalTime\":{\"startTimeInMs\":1559674261657}}"), json.get("metrics"));
    assertEquals(1_559_674_261_657L, json.get("creationTime").asLong());
    assertEquals(json.get("creationTime"), json.get("updateTime"));
    assertEquals("ups", json.get("profileInstanceId").asText());
    assertEquals("{IMS_ORG}", json.get("imsOrgId").asText());
    assertEquals(0, json.get("computeGatewayJobId").size());
    UUID.fromString(json.get("requestId").asText());
    assertFalse(json.has("errors"), "no errors member until a failure");

    assertEquals(record, jobs.store().read(1).orElseThrow(), "the record is stored as returned");
    assertEquals(2, jobs.create(request, "x").id(), "the next id");
  }

  @Test
  void aRejectedRequestCreatesNoRecord() {
    Catalog catalog = JobLakes.lake(dir);
    ExportJobs jobs = new ExportJobs(catalog, LakeSettings.defaults(), new MutableClock(0));
    ProfileExportException e = assertThrows(ProfileExportException.class,
        () -> jobs.create(JobLakes.request("'fields':'nope',"), "org"));
    assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    assertEquals(List.of(), jobs.store().all());
  }

  @Test
  void writersRacingToCreateJobsGetDistinctIds() throws Exception {
    java.nio.file.Path lake = dir.resolve("lake");
    JobLakes.lake(lake);
    JsonNode request = JobLakes.request("");
    int writers = 6;
    int perWriter = 5;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<Future<List<Long>>> results = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      results.add(pool.submit(() -> {
        // Each writer opens the lake on its own, as a separate process would.
        ExportJobs jobs = new ExportJobs(TestLakes.catalog(lake), LakeSettings.defaults(), new MutableClock(0));
        start.await();
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < perWriter; i++) {
          ids.add(jobs.create(request, "org").id());
        }
        return ids;
      }));
    }
    start.countDown();
    Set<Long> all = new HashSet<>();
    for (Future<List<Long>> r : results) {
      all.addAll(r.get());
    }
    pool.shutdown();
    assertEquals(writers * perWriter, all.size(), "every created job has its own id: " + all);
    assertEquals(writers * perWriter, new ExportJobs(TestLakes.catalog(lake), LakeSettings.defaults(),
        new MutableClock(0)).store().all().size());
  }
}
