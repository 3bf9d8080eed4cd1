package io.profileexport.engine.lake;

import static io.profileexport.engine.testing.TestLakes.jsonLines;
import static io.profileexport.engine.testing.TestLakes.write;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.testing.SharedSpark;
import io.profileexport.engine.testing.TestLakes;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The system columns of the records read (SPEC 1): dataset, batch and ingest time of each. */
class InputFramesTest {
  private static final String PROFILES = "aaaaaaaaaaaaaaaaaaaaaa01";

  @TempDir
  Path dir;

  @Test
  void eachRecordCarriesItsDatasetItsBatchAndItsOwnIngestTimeOrItsBatchsCommitTime() throws Exception {
    Catalog catalog = TestLakes.lakeWith(dir.resolve("lake"), PROFILES, TestLakes.PROFILE_CLASS);
    String[] fileA = {"{'_id':'a1','_acp_system_metadata':{'ingestTime':5}}", "{'_id':'a2'}",
        "{'_id':'a3','_acp_system_metadata':{'ingestTime':null}}"};
    // Two batches of the same schema (read in one scan) and several files in the first, committed at other times.
    BatchRecord first = TestLakes.ingestAt(catalog, PROFILES, 1000, write(dir, "a.json", jsonLines(fileA)),
        write(dir, "b.json", jsonLines("{'_id':'b1','_acp_system_metadata':{'ingestTime':7}}")));
    BatchRecord second = TestLakes.ingestAt(catalog, PROFILES, 2000, write(dir, "c.json",
        jsonLines("{'_id':'c1'}", "{'_id':'c2','_acp_system_metadata':{'ingestTime':9}}")));

    DatasetRecordsUnion read = DatasetRecordsUnion.of(catalog, PROFILES);
    TreeSet<String> rows = new TreeSet<>();
    for (Row r : new InputFrames(SharedSpark.session(), catalog).read(List.of(read.dataset()), read.union())
        .select(col("_id"), col(SystemColumns.DATASET), col(SystemColumns.BATCH), col(SystemColumns.INGEST_TIME))
        .collectAsList()) {
      rows.add(r.getString(0) + " " + r.getString(1) + " " + r.getString(2) + " " + r.get(3));
    }
    String a = PROFILES + " " + first.id();
    String c = PROFILES + " " + second.id();
    assertEquals(new TreeSet<>(List.of("a1 " + a + " 5", "a2 " + a + " 1000", "a3 " + a + " 1000", "b1 " + a + " 7",
        "c1 " + c + " 2000", "c2 " + c + " 9")), rows);
  }

  @Test
  void aConditionOnTheIdentityMapKeepsSomeRecordsWithTheirSystemColumns() throws Exception {
    Catalog catalog = TestLakes.lakeWith(dir.resolve("lake"), PROFILES, TestLakes.PROFILE_CLASS);
    BatchRecord batch = TestLakes.ingestAt(catalog, PROFILES, 1000, write(dir, "a.json", jsonLines(
        "{'_id':'a1','identityMap':{'ECID':[{'id':'e1'}]}}", "{'_id':'a2'}",
        "{'_id':'a3','identityMap':{'ECID':[{'id':'e3'}]},'_acp_system_metadata':{'ingestTime':5}}")));
    DatasetRecordsUnion read = DatasetRecordsUnion.of(catalog, PROFILES);
    TreeSet<String> rows = new TreeSet<>();
    for (Row r : new InputFrames(SharedSpark.session(), catalog).read(List.of(read.dataset()), read.union(),
            io.profileexport.engine.ScanKeep.of(identityMap -> identityMap.isNotNull(), null), false)
        .select(col("_id"), col(SystemColumns.BATCH), col(SystemColumns.INGEST_TIME)).collectAsList()) {
      rows.add(r.getString(0) + " " + r.getString(1) + " " + r.get(2));
    }
    assertEquals(new TreeSet<>(List.of("a1 " + batch.id() + " 1000", "a3 " + batch.id() + " 5")), rows);
  }

  @Test
  void recordsAreReadWithTheirFileAndRowAndKeptByThem() throws Exception {
    Catalog catalog = TestLakes.lakeWith(dir.resolve("lake"), PROFILES, TestLakes.PROFILE_CLASS);
    TestLakes.ingestAt(catalog, PROFILES, 1000, write(dir, "a.json", jsonLines(
        "{'_id':'a0'}", "{'_id':'a1'}", "{'_id':'a2'}", "{'_id':'a3'}")));
    TestLakes.ingestAt(catalog, PROFILES, 2000, write(dir, "b.json", jsonLines("{'_id':'b0'}", "{'_id':'b1'}")));
    DatasetRecordsUnion read = DatasetRecordsUnion.of(catalog, PROFILES);
    InputFrames inputs = new InputFrames(SharedSpark.session(), catalog);
    // Every record with the path of its batch file and its index in it: the files were written in order.
    TreeSet<String> all = new TreeSet<>();
    for (Row r : inputs.read(List.of(read.dataset()), read.union(), null, true)
        .select(col("_id"), col(SystemColumns.FILE), col(SystemColumns.ROW_INDEX)).collectAsList()) {
      assertTrue(r.getString(1).contains("/batches/"), r.getString(1));
      all.add(r.getString(0) + " " + r.getLong(2));
    }
    assertEquals(new TreeSet<>(List.of("a0 0", "a1 1", "a2 2", "a3 3", "b0 0", "b1 1")), all);
    // Kept by position where the keep decides by it: the identity map is not asked.
    TreeSet<String> odd = new TreeSet<>();
    for (Row r : inputs.read(List.of(read.dataset()), read.union(),
        io.profileexport.engine.ScanKeep.of(identityMap -> lit(false),
            (file, rowIndex) -> rowIndex.mod(2).equalTo(1)), false)
        .select(col("_id")).collectAsList()) {
      odd.add(r.getString(0));
    }
    assertEquals(new TreeSet<>(List.of("a1", "a3", "b1")), odd);
  }

  @Test
  void aUnionCutDownForLinkingReadsOnlyTheIdentityItemsFieldsItHas() throws Exception {
    Catalog catalog = TestLakes.lakeWith(dir.resolve("lake"), PROFILES, TestLakes.PROFILE_CLASS);
    TestLakes.ingestAt(catalog, PROFILES, 1000, write(dir, "a.json", jsonLines(
        "{'_id':'a1','identityMap':{'ECID':[{'id':'e1','primary':true,'authenticatedState':'ambiguous'}]}}",
        "{'_id':'a2'}")));
    DatasetRecordsUnion read = DatasetRecordsUnion.of(catalog, PROFILES);
    org.apache.spark.sql.types.StructType linking = io.profileexport.engine.stitch.IdentityColumns.linkingOnly(
        read.union());
    assertEquals("map<string,array<struct<id:string,primary:boolean>>>",
        linking.apply("identityMap").dataType().simpleString());
    org.apache.spark.sql.Dataset<Row> rows = new InputFrames(SharedSpark.session(), catalog)
        .read(List.of(read.dataset()), linking);
    assertEquals(linking.apply("identityMap").dataType(), rows.schema().apply("identityMap").dataType());
    // Parquet is asked for the two fields only.
    assertEquals(false, rows.queryExecution().executedPlan().toString().contains("authenticatedState"));
    TreeSet<String> out = new TreeSet<>();
    for (Row r : rows.select(col("_id"), org.apache.spark.sql.functions.to_json(col("identityMap"))).collectAsList()) {
      out.add(r.getString(0) + " " + r.getString(1));
    }
    assertEquals(new TreeSet<>(List.of("a1 {\"ECID\":[{\"id\":\"e1\",\"primary\":true}]}", "a2 null")), out);
  }

  @Test
  void aUnionCutDownForMarkingReadsOnlyTheMembershipEntryFieldsItHas() throws Exception {
    Catalog catalog = TestLakes.lakeWith(dir.resolve("lake"), PROFILES, TestLakes.PROFILE_CLASS);
    TestLakes.ingestAt(catalog, PROFILES, 1000, write(dir, "a.json", jsonLines(
        "{'_id':'a1','segmentMembership':{'ups':{'s1':{'status':'realized',"
            + "'lastQualificationTime':'2019-09-01T00:00:00Z'}}}}",
        "{'_id':'a2'}")));
    DatasetRecordsUnion read = DatasetRecordsUnion.of(catalog, PROFILES);
    org.apache.spark.sql.types.StructType marking = io.profileexport.engine.merge.XdmMaps.withMembershipEntries(
        read.union(), "status"::equals);
    assertEquals("map<string,map<string,struct<status:string>>>",
        marking.apply("segmentMembership").dataType().simpleString());
    org.apache.spark.sql.Dataset<Row> rows = new InputFrames(SharedSpark.session(), catalog)
        .read(List.of(read.dataset()), marking);
    assertEquals(marking.apply("segmentMembership").dataType(), rows.schema().apply("segmentMembership").dataType());
    // Parquet is asked for the status only.
    assertEquals(false, rows.queryExecution().executedPlan().toString().contains("lastQualificationTime"));
    TreeSet<String> out = new TreeSet<>();
    for (Row r : rows.select(col("_id"), org.apache.spark.sql.functions.to_json(col("segmentMembership")))
        .collectAsList()) {
      out.add(r.getString(0) + " " + r.getString(1));
    }
    assertEquals(new TreeSet<>(List.of("a1 {\"ups\":{\"s1\":{\"status\":\"realized\"}}}", "a2 null")), out);
  }

  /** The dataset record and its recorded schema as the union, for a dataset read alone. */
  private record DatasetRecordsUnion(io.profileexport.engine.model.DatasetRecord dataset,
      org.apache.spark.sql.types.StructType union) {
    static DatasetRecordsUnion of(Catalog catalog, String id) {
      io.profileexport.engine.model.DatasetRecord dataset = catalog.dataset(id).orElseThrow();
      return new DatasetRecordsUnion(dataset, dataset.dataSchema().orElseThrow());
    }
  }

  @Test
  void theBatchIdOfAPathIsWhatThePatternOfABatchFileCaptures() {
    Pattern pattern = Pattern.compile("/batches/([0-9a-f]{32})/[^/]+$");
    String id = "0123456789abcdef0123456789abcdef";
    for (String path : List.of("file:/lake/datasets/d/batches/" + id + "/part-0.parquet",
        "s3a://bucket/lake/batches/" + id + "/x", "/batches/" + id + "/p", "batches/" + id + "/p",
        "file:/lake/batches/" + id + "/", "file:/lake/batches/" + id, "file:/lake/batches/" + id.toUpperCase()
            + "/p", "file:/lake/batches/" + id.substring(1) + "/p", "file:/lake/batches/x" + id + "/p",
        "file:/lake/xbatches/" + id + "/p", "file:/lake/batches/" + id + "/sub/p", "", "/", "p")) {
      Matcher m = pattern.matcher(path);
      assertEquals(m.find() ? m.group(1) : "", BatchFiles.idIn(UTF8String.fromString(path)).toString(), path);
    }
  }
}
