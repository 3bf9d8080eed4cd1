package io.profileexport.engine.lake;

import static io.profileexport.engine.testing.TestLakes.jsonLines;
import static io.profileexport.engine.testing.TestLakes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.error.ErrorKind;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.DatasetCreateRequest;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.testing.RowsJson;
import io.profileexport.engine.testing.SharedSpark;
import io.profileexport.engine.testing.TestLakes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchIngestTest {
  private static final String PROFILES = "aaaaaaaaaaaaaaaaaaaaaa01";
  private static final String DESTINATION = "dddddddddddddddddddddd01";
  private static final long NOW = 1_700_000_000_000L;

  @TempDir
  Path dir;

  private Catalog catalog;
  private BatchIngest ingest;
  private SparkSession spark;

  @BeforeEach
  void lake() throws Exception {
    spark = SharedSpark.session();
    catalog = TestLakes.catalog(dir.resolve("lake"));
    catalog.createDataset(DatasetCreateRequest.parse(Json.MAPPER.readTree(
        TestLakes.datasetBody(PROFILES, TestLakes.PROFILE_CLASS, true))).toRecord(PROFILES, 1, null, null));
    catalog.createDataset(DatasetCreateRequest.parse(Json.MAPPER.readTree(
        TestLakes.datasetBody(DESTINATION, TestLakes.UNION_CLASS, false))).toRecord(DESTINATION, 1, null, null));
    ingest = new BatchIngest(spark, catalog, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
  }

  private BatchRecord ingest(Path... files) {
    return ingest.ingest(PROFILES, java.util.Arrays.stream(files).map(Path::toString).toList(), Optional.empty());
  }

  private List<String> rowsOf(BatchRecord batch) {
    return RowsJson.of(spark.read().parquet(catalog.layout().batch(PROFILES, batch.id()).toString()));
  }

  private StructType recorded() {
    return catalog.dataset(PROFILES).orElseThrow().sparkSchema().orElseThrow();
  }

  @Test
  void jsonLinesBecomeAParquetBatchWithNamespaceMapsTypedAsMaps() {
    Path file = write(dir, "in.json", jsonLines(
        "{'_id':'r1','identityMap':{'ECID':[{'id':'e1','primary':true}],'Email':[{'id':'a@x.com'}]},"
            + "'segmentMembership':{'ups':{'s1':{'status':'realized','lastQualificationTime':'2019-09-01T10:00:00Z'}}}}",
        "{'_id':'r2','identityMap':{'CRMID':[{'id':'c2','authenticatedState':'authenticated'}]},"
            + "'_acp_system_metadata':{'ingestTime':1567000000000}}"));
    BatchRecord batch = ingest(file);

    assertEquals(BatchRecord.SUCCESS, batch.status());
    assertEquals(2, batch.recordCount());
    assertEquals(NOW, batch.completed(), "ingest time of records without their own is the commit time");
    assertEquals(batch.recordCount(), batch.files().stream().mapToLong(BatchRecord.FileEntry::records).sum());
    assertTrue(batch.files().stream().allMatch(f -> f.name().startsWith("part-") && f.size() > 0));
    assertEquals(Optional.of(batch), catalog.batch(PROFILES, batch.id()), "the marker is the returned record");

    StructType schema = recorded();
    assertEquals("map<string,array<struct<authenticatedState:string,id:string,primary:boolean>>>",
        schema.apply("identityMap").dataType().simpleString());
    assertEquals("map<string,map<string,struct<lastQualificationTime:string,status:string>>>",
        schema.apply("segmentMembership").dataType().simpleString());
    assertFalse(schema.getFieldIndex(InputFiles.SYSTEM_METADATA).isDefined(),
        "the system column is not part of the recorded schema");
    assertTrue(batch.sparkSchema().getFieldIndex(InputFiles.SYSTEM_METADATA).isDefined(),
        "but the batch keeps it for ingest times");

    RowsJson.assertSameRows("ingested JSON rows", List.of(
        "{'_id':'r1','identityMap':{'ECID':[{'id':'e1','primary':true}],'Email':[{'id':'a@x.com'}]},"
            + "'segmentMembership':{'ups':{'s1':{'status':'realized','lastQualificationTime':'2019-09-01T10:00:00Z'}}}}",
        "{'_id':'r2','identityMap':{'CRMID':[{'id':'c2','authenticatedState':'authenticated'}]},"
            + "'_acp_system_metadata':{'ingestTime':1567000000000}}").stream()
        .map(s -> s.replace('\'', '"')).toList(), rowsOf(batch));
  }

  @Test
  void parquetWithAStructTypedIdentityMapIsConvertedToAMap() {
    Path parquet = dir.resolve("struct.parquet");
    spark.read().json(spark.createDataset(List.of(
            "{\"_id\":\"p1\",\"identityMap\":{\"ECID\":[{\"id\":\"e1\",\"primary\":true}]}}",
            "{\"_id\":\"p2\",\"identityMap\":{\"Phone\":[{\"id\":\"555\"}]}}"), org.apache.spark.sql.Encoders.STRING()))
        .coalesce(1).write().parquet(parquet.toString());
    Path file;
    try (var files = Files.list(parquet)) {
      file = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    BatchRecord batch = ingest(file);
    assertEquals("map<string,array<struct<id:string,primary:boolean>>>",
        recorded().apply("identityMap").dataType().simpleString());
    RowsJson.assertSameRows("struct identityMap converted, absent namespaces not keys", List.of(
        "{\"_id\":\"p1\",\"identityMap\":{\"ECID\":[{\"id\":\"e1\",\"primary\":true}]}}",
        "{\"_id\":\"p2\",\"identityMap\":{\"Phone\":[{\"id\":\"555\"}]}}"), rowsOf(batch));
  }

  @Test
  void csvWithDottedHeadersAndJsonMapCells() {
    Path csv = write(dir, "in.csv", "_id,person.name.firstName,person.age,identityMap\n"
        + "c1,Ann,41,\"{\"\"Email\"\":[{\"\"id\"\":\"\"ann@x.com\"\",\"\"primary\"\":true}]}\"\n"
        + "c2,Bob,,\n");
    BatchRecord batch = ingest(csv);
    assertEquals("struct<name:struct<firstName:string>,age:int>", recorded().apply("person").dataType().simpleString());
    RowsJson.assertSameRows("CSV rows", List.of(
        "{\"_id\":\"c1\",\"person\":{\"name\":{\"firstName\":\"Ann\"},\"age\":41},"
            + "\"identityMap\":{\"Email\":[{\"id\":\"ann@x.com\",\"primary\":true}]}}",
        "{\"_id\":\"c2\",\"person\":{\"name\":{\"firstName\":\"Bob\"}}}"), rowsOf(batch));
  }

  @Test
  void aLaterBatchWidensTheRecordedSchemaWhenCompatible() {
    ingest(write(dir, "a.json", jsonLines("{'_id':'a','score':1,'tags':['x']}")));
    ingest(write(dir, "b.json", jsonLines("{'_id':'b','score':1.5,'extra':true}")));
    assertEquals(StructType.fromDDL("_id STRING, score DOUBLE, tags ARRAY<STRING>, extra BOOLEAN"), recorded());
    assertEquals(2, catalog.visibleBatches(PROFILES).size());
  }

  @Test
  void anIncompatibleBatchIsRefusedAndLeavesNothingBehind() throws Exception {
    ingest(write(dir, "a.json", jsonLines("{'_id':'a','person':{'age':41}}")));
    StructType before = recorded();
    ProfileExportException e = assertThrows(ProfileExportException.class,
        () -> ingest(write(dir, "b.json", jsonLines("{'_id':'b','person':{'age':'forty'}}"))));
    assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    assertEquals("person.age", e.problems().get(0).path());
    assertTrue(e.getMessage().contains("bigint") && e.getMessage().contains("string"), e.getMessage());
    assertNothingLeftBehind(before, 1);
  }

  @Test
  void aMalformedJsonLineIsRefused() throws Exception {
    ProfileExportException e = assertThrows(ProfileExportException.class,
        () -> ingest(write(dir, "bad.json", "{\"_id\":\"a\"}\n{\"_id\": oops}\n")));
    assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
    assertNothingLeftBehind(null, 0);
  }

  @Test
  void aRecordOfTheWrongTypeInsideTheFileIsRefused() throws Exception {
    ProfileExportException e = assertThrows(ProfileExportException.class, () -> ingest(write(dir, "wrong.json",
        jsonLines("{'_id':'a','identityMap':{'ECID':[{'id':'e1'}]}}", "{'_id':'b','identityMap':{'ECID':'e2'}}"))));
    assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    assertTrue(e.getMessage().contains("identityMap.ECID"), e.getMessage());
    assertNothingLeftBehind(null, 0);
  }

  @Test
  void aCorruptParquetFileIsRefused() throws Exception {
    Path corrupt = write(dir, "corrupt.parquet", "PAR1 this is not really parquet PAR1");
    ProfileExportException e = assertThrows(ProfileExportException.class, () -> ingest(corrupt));
    assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    assertTrue(e.getMessage().contains("corrupt.parquet"), e.getMessage());
    assertNothingLeftBehind(null, 0);
  }

  @Test
  void missingFilesUnknownFormatsUnknownDatasetsAndDestinationsAreRefused() {
    ProfileExportException missing = assertThrows(ProfileExportException.class,
        () -> ingest(dir.resolve("nope.json")));
    assertEquals(ErrorKind.BAD_REQUEST, missing.kind());
    assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    ProfileExportException format = assertThrows(ProfileExportException.class,
        () -> ingest(write(dir, "data.xml", "<x/>")));
    assertTrue(format.getMessage().contains("unknown file format"), format.getMessage());
    ProfileExportException unknown = assertThrows(ProfileExportException.class,
        () -> ingest.ingest("bbbbbbbbbbbbbbbbbbbbbb01", List.of("x.json"), Optional.empty()));
    assertEquals(ErrorKind.NOT_FOUND, unknown.kind());
    ProfileExportException destination = assertThrows(ProfileExportException.class,
        () -> ingest.ingest(DESTINATION, List.of("x.json"), Optional.empty()));
    assertEquals(ErrorKind.BAD_REQUEST, destination.kind());
    assertNothingLeftBehind(null, 0);
  }

  private void assertNothingLeftBehind(StructType schemaBefore, int batches) {
    assertEquals(batches, catalog.layout().root() == null ? -1
        : catalog.files().list(catalog.layout().batches(PROFILES)).size(), "batch folders");
    assertEquals(schemaBefore, catalog.dataset(PROFILES).orElseThrow().sparkSchema().orElse(null),
        "the recorded schema is unchanged");
    assertEquals(List.of(), catalog.files().list(catalog.layout().staging()), "staging is empty");
  }
}
