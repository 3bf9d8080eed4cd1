package io.profileexport.engine.stitch;

import static io.profileexport.engine.testing.TestLakes.jsonLines;
import static io.profileexport.engine.testing.TestLakes.write;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.profileexport.engine.ScanKeep;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.InputFrames;
import io.profileexport.engine.model.DatasetCreateRequest;
import io.profileexport.engine.model.DatasetRecord;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.testing.SharedSpark;
import io.profileexport.engine.testing.TestLakes;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wide read's filter on the scan's rows ({@link IdentityColumns#keeps} through {@link InputFrames#read(List,
 * StructType, ScanKeep, boolean)}) keeps and counts exactly what the identity pass's filter keeps and counts on the
 * same rows: batches with and without ingest times, null, missing and struct-typed identity maps, several primaries,
 * external datasets; and so does the filter by the smallest ids a graph pass wrote by file and row
 * ({@link SmallestIdsByRow}).
 */
class ScanFilterTest {
  private static final String PROFILES = "aaaaaaaaaaaaaaaaaaaaaa01";
  private static final Set<String> BLOCKED = Set.of("anonymous", "");

  @TempDir
  Path dir;

  private static Set<String> rows(Dataset<Row> frame) {
    TreeSet<String> out = new TreeSet<>();
    for (Row r : frame.select(col("_id"), col(SystemColumns.DATASET), col(SystemColumns.BATCH),
        col(SystemColumns.INGEST_TIME)).collectAsList()) {
      out.add(r.getString(0) + " " + r.getString(1) + " " + r.getString(2) + " " + r.get(3));
    }
    return out;
  }

  private static IdentityColumns.Counters counters(String name) {
    return IdentityColumns.Counters.register(SharedSpark.session().sparkContext(), name + System.nanoTime());
  }

  /** Compares the scan filter with the identity pass filter on the same datasets. */
  private void compare(InputFrames inputs, List<DatasetRecord> datasets, StructType union, long expectRead) {
    IdentityColumns.RowFilter filter = id -> (id & 1) == 0;
    IdentityColumns.Counters early = counters("early");
    DataType mapType = union.apply("identityMap").dataType();
    ScanKeep byIdentityMap = ScanKeep.of(
        identityMap -> IdentityColumns.keeps(identityMap, mapType, BLOCKED, early, IdentityIds.XXHASH, filter), null);
    Dataset<Row> kept = IdentityColumns.add(inputs.read(datasets, union, byIdentityMap, false), BLOCKED, null,
        IdentityIds.XXHASH, null);
    IdentityColumns.Counters late = counters("late");
    Dataset<Row> old = IdentityColumns.add(inputs.read(datasets, union), BLOCKED, late, IdentityIds.XXHASH, filter);
    assertEquals(rows(old), rows(kept));
    assertEquals(expectRead, late.read().value());
    assertEquals(late.read().value(), early.read().value());
    assertEquals(late.noPrimary().value(), early.noPrimary().value());
    assertEquals(late.multiplePrimaries().value(), early.multiplePrimaries().value());
    // The same rows kept by the smallest ids a graph pass wrote by file and row, where the records have positions
    // (lake batches); any other by its identity map, uncounted.
    Dataset<Row> positioned = inputs.read(datasets, union, null, true);
    StructType schema = positioned.schema();
    SmallestIdsByRow ids = SmallestIdsByRow.at(dir.resolve("rowids-" + System.nanoTime()).toUri().toString(),
        SharedSpark.session());
    IdentityColumns.Reader reader = IdentityColumns.reader(schema, BLOCKED, null, IdentityIds.XXHASH, null);
    GraphRows graphRows = GraphRows.checking(IdentityIds.XXHASH, true, false);
    int fileIdx = schema.fieldIndex(SystemColumns.FILE);
    int rowIdx = schema.fieldIndex(SystemColumns.ROW_INDEX);
    io.profileexport.engine.InternalRowFrames.mapPartitions(positioned, GraphRows.EMITTED, partition -> {
      graphRows.emitted(partition, reader, true, -1, ids.writer(), fileIdx, rowIdx).forEachRemaining(r -> { });
      return java.util.Collections.emptyIterator();
    }).count();
    ScanKeep byPosition = ScanKeep.of(
        identityMap -> IdentityColumns.keeps(identityMap, mapType, BLOCKED, null, IdentityIds.XXHASH, filter),
        (file, rowIndex) -> ids.keeps(file, rowIndex, filter));
    assertEquals(rows(old), rows(IdentityColumns.add(inputs.read(datasets, union, byPosition, false), BLOCKED, null,
        IdentityIds.XXHASH, null)));
    ids.release();
  }

  @Test
  void batchesWithoutIngestTimeThroughANonDeterministicScanFilter() throws Exception {
    Catalog catalog = TestLakes.lakeWith(dir.resolve("lake"), PROFILES, TestLakes.PROFILE_CLASS);
    TestLakes.ingestAt(catalog, PROFILES, 1000, write(dir, "a.json", jsonLines(ids("a", 0, 20))),
        write(dir, "b.json", jsonLines("{'_id':'b1'}", "{'_id':'b2','identityMap':null}",
            "{'_id':'b3','identityMap':{'ECID':[{'id':'x','primary':true}],'E':[{'id':'y','primary':true}]}}")));
    TestLakes.ingestAt(catalog, PROFILES, 2000, write(dir, "c.json", jsonLines(ids("c", 0, 20))));
    DatasetRecord dataset = catalog.dataset(PROFILES).orElseThrow();
    StructType union = dataset.dataSchema().orElseThrow();
    compare(new InputFrames(SharedSpark.session(), catalog), List.of(dataset), union, 43);
  }

  private static String[] ids(String prefix, int from, int to) {
    String[] out = new String[to - from];
    for (int i = from; i < to; i++) {
      out[i - from] = "{'_id':'" + prefix + i + "','identityMap':{'ECID':[{'id':'" + prefix + i
          + "','primary':true}],'Email':[{'id':'" + prefix + i + "@x'}]}}";
    }
    return out;
  }

  @Test
  void externalParquetWithAStructIdentityMapAndOneWithout() throws Exception {
    Path data = dir.resolve("ext");
    Path json = write(dir, "ext.json", jsonLines(
        "{'_id':'x1','t':5,'identityMap':{'ECID':[{'id':'e1','primary':true}],'Email':[{'id':'m1'}]}}",
        "{'_id':'x2','t':6,'identityMap':{'ECID':[{'id':'e2','primary':true}]}}",
        "{'_id':'x3','t':7,'identityMap':{'Email':[{'id':'m3'}]}}",
        "{'_id':'x4','t':8}"));
    SharedSpark.session().read().json(json.toString()).write().parquet(data.toString());
    Path data2 = dir.resolve("ext2");
    Path json2 = write(dir, "ext2.json", jsonLines("{'_id':'y1','t':9}"));
    SharedSpark.session().read().json(json2.toString()).write().parquet(data2.toString());
    StructType struct = SharedSpark.session().read().parquet(data.toString()).schema();
    StructType union = StructType.fromDDL("_id STRING, t LONG, identityMap MAP<STRING, ARRAY<STRUCT<id: STRING,"
        + " primary: BOOLEAN>>>");
    DatasetRecord one = record("bbbbbbbbbbbbbbbbbbbbbb01", data.toUri().toString(), struct);
    DatasetRecord two = record("bbbbbbbbbbbbbbbbbbbbbb02", data2.toUri().toString(),
        SharedSpark.session().read().parquet(data2.toString()).schema());
    Catalog catalog = TestLakes.catalog(dir.resolve("lake"));
    compare(new InputFrames(SharedSpark.session(), catalog), List.of(one, two), union, 5);
  }

  private static DatasetRecord record(String id, String location, StructType schema) throws Exception {
    return DatasetCreateRequest.parse(Json.MAPPER.readTree(("{'id':'" + id + "','name':'x','schemaRef':{'id':'"
        + TestLakes.PROFILE_CLASS + "','contentType':'application/vnd.adobe.xed+json;version=1'},"
        + "'fileDescription':{'format':'parquet'},'location':'" + location + "','ingestTimeColumn':'t',"
        + "'tags':{'unifiedProfile':['enabled:true']}}").replace('\'', '"')))
        .toRecord(id, 1, location, Json.MAPPER.readTree(schema.json()));
  }
}
