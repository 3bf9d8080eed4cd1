package io.profileexport.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.LakeFileSystem;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.Json;
import io.profileexport.jobs.SparkSessions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;

/**
 * Compares the rows of two batches of a lake as multisets of canonical JSON (keys sorted): used by
 * scripts/cluster-test to check that a cluster run wrote what a local run wrote. Exits 0 when they are equal.
 */
public final class CompareBatches {
  private CompareBatches() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSessions.create(Optional.of("local[2]"), Map.of());
    Catalog catalog = new Catalog(LakeFileSystem.open(args[0], spark.sparkContext().hadoopConfiguration()));
    Map<String, Integer> left = rows(spark, catalog, args[1]);
    Map<String, Integer> right = rows(spark, catalog, args[2]);
    long total = left.values().stream().mapToLong(Integer::longValue).sum();
    boolean same = left.equals(right);
    System.out.println((same ? "same rows: " : "DIFFERENT rows: ") + total + " rows in " + args[1] + ", "
        + right.values().stream().mapToLong(Integer::longValue).sum() + " in " + args[2]);
    spark.stop();
    System.exit(same ? 0 : 1);
  }

  private static Map<String, Integer> rows(SparkSession spark, Catalog catalog, String batchId) throws Exception {
    Map.Entry<String, BatchRecord> batch = catalog.findBatch(batchId).orElseThrow();
    List<String> files = new ArrayList<>();
    batch.getValue().files().forEach(f -> files.add(new org.apache.hadoop.fs.Path(catalog.layout()
        .batch(batch.getKey(), batchId), f.name()).toString()));
    Map<String, Integer> counts = new TreeMap<>();
    Iterator<String> it = spark.read().parquet(files.toArray(new String[0])).toJSON().toLocalIterator();
    while (it.hasNext()) {
      JsonNode row = Json.MAPPER.readTree(it.next());
      counts.merge(Json.compact(Json.canonical(row)), 1, Integer::sum);
    }
    return counts;
  }
}
