package io.profileexport.engine.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.error.ErrorKind;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.DatasetCreateRequest;
import io.profileexport.engine.model.DatasetRecord;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.model.MergePolicy;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.testing.TestLakes;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {
  private static final String DS = "0123456789abcdef01234567";
  private static final String BATCH = "0123456789abcdef0123456789abcdef";

  @TempDir
  java.nio.file.Path dir;

  @Test
  void datasetRecordsRoundTripAndListInIdOrder() throws Exception {
    Catalog catalog = TestLakes.catalog(dir);
    DatasetRecord second = DatasetCreateRequest.parse(Json.MAPPER.readTree(
        TestLakes.datasetBody("ffffffffffffffffffffffff", TestLakes.PROFILE_CLASS, true))).toRecord(
        "ffffffffffffffffffffffff", 5, null, null);
    DatasetRecord first = DatasetCreateRequest.parse(Json.MAPPER.readTree(
        TestLakes.datasetBody(DS, TestLakes.EVENT_CLASS, false))).toRecord(DS, 7, null, null)
        .withSchema(new StructType().add("a", DataTypes.LongType), 9);
    assertTrue(catalog.createDataset(second));
    assertTrue(catalog.createDataset(first));
    assertFalse(catalog.createDataset(first), "a second create of the same id is refused");
    assertEquals(Optional.of(first), catalog.dataset(DS));
    assertEquals(List.of(DS, "ffffffffffffffffffffffff"), catalog.datasets().stream().map(DatasetRecord::id).toList());
    assertEquals(new StructType().add("a", DataTypes.LongType), catalog.dataset(DS).orElseThrow().sparkSchema()
        .orElseThrow());
    assertTrue(catalog.dataset(DS).orElseThrow().profileEnabled() == false);
    assertTrue(catalog.dataset("ffffffffffffffffffffffff").orElseThrow().profileEnabled(), "tag enables profile");
  }

  @Test
  void batchRecordsRoundTripAndAreFoundByIdAlone() {
    Catalog catalog = TestLakes.catalog(dir);
    BatchRecord batch = new BatchRecord(BATCH, BatchRecord.SUCCESS, 1, 2, 3, 10, 100,
        List.of(new BatchRecord.FileEntry("part-0.parquet", 10, 100)),
        DatasetRecord.schemaJson(new StructType().add("x", DataTypes.StringType)),
        List.of(new BatchRecord.RelatedObject("dataSet", DS)), null);
    catalog.writeBatchRecord(DS, batch);
    assertEquals(Optional.of(batch), catalog.batch(DS, BATCH));
    assertEquals(Optional.of(Map.entry(DS, batch)), catalog.findBatch(BATCH));
    assertEquals(List.of(batch), catalog.visibleBatches(DS));
    catalog.writeBatchRecord(DS, batch.withStatus(BatchRecord.FAILED));
    assertEquals(List.of(), catalog.visibleBatches(DS), "a failed batch is not visible");
    assertEquals(1, catalog.batches(DS).size(), "but it is listed");
  }

  @Test
  void policiesRoundTripWithBuiltInsAlwaysPresent() {
    Catalog catalog = TestLakes.catalog(dir);
    assertEquals(List.of(MergePolicy.BUILT_IN_NONE, MergePolicy.BUILT_IN_PDG),
        catalog.policies().stream().map(MergePolicy::id).toList());
    MergePolicy policy = new MergePolicy("e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2", "p", "org",
        new MergePolicy.SchemaName(MergePolicy.PROFILE_SCHEMA), 3, new MergePolicy.IdentityGraph("pdg"),
        new MergePolicy.AttributeMerge("dataSetPrecedence", List.of(DS)), true, null, 42, 7);
    assertTrue(catalog.createPolicy(policy));
    assertEquals(Optional.of(policy), catalog.policy(policy.id()));
    assertEquals(Optional.of(policy), catalog.defaultPolicy());
    assertEquals(1, catalog.policy(MergePolicy.BUILT_IN_PDG).orElseThrow().version());
  }

  @Test
  void idsAreValidatedBeforeTheyTouchAPath() {
    Catalog catalog = TestLakes.catalog(dir);
    ProfileExportException e = assertThrows(ProfileExportException.class, () -> catalog.dataset("../x"));
    assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    assertTrue(e.getMessage().contains("not a valid dataset id"), e.getMessage());
    assertThrows(ProfileExportException.class, () -> catalog.policy("a/b"));
    assertThrows(ProfileExportException.class, () -> catalog.findBatch("../../etc"));
    ProfileExportException notFound = assertThrows(ProfileExportException.class,
        () -> catalog.requireDataset(DS, "--dataset"));
    assertEquals(ErrorKind.NOT_FOUND, notFound.kind());
  }

  @Test
  void lakeSettingsFollowSparkConfOverLakeFileOverDefault() {
    Catalog catalog = TestLakes.catalog(dir);
    catalog.files().writeFile(catalog.layout().settings(),
        "{\"maxStitchIterations\": 7, \"leaseStaleMs\": 900, \"blockedIdentities\": \" Foo ,bar\"}".getBytes());
    LakeSettings settings = catalog.settings(Map.of("spark.profileExport.leaseStaleMs", "1234"));
    assertEquals(7, settings.get(LakeSettings.MAX_STITCH_ITERATIONS), "from _lake.json");
    assertEquals(1234L, settings.get(LakeSettings.LEASE_STALE_MS), "Spark conf wins over _lake.json");
    assertEquals(50, settings.get(LakeSettings.MAX_IDENTITIES_PER_GRAPH), "default");
    assertTrue(settings.blockedIdentityValues().containsAll(List.of("foo", "bar", "anonymous", "0")));
    assertEquals(3, settings.withPolicyMaxIdentitiesPerGraph(3).get(LakeSettings.MAX_IDENTITIES_PER_GRAPH),
        "a merge policy wins over the Spark conf");

    ProfileExportException bad = assertThrows(ProfileExportException.class,
        () -> catalog.settings(Map.of("spark.profileExport.maxStitchIterations", "zero",
            "spark.profileExport.nope", "1")));
    assertEquals(2, bad.problems().size(), bad.getMessage());
  }
}
