package io.profileexport.engine.merge;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

import io.profileexport.engine.InternalRowFrames;
import io.profileexport.engine.SystemColumns;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Brings each profile's fragments together with one shuffle and one sort, then merges each profile with
 * {@link ProfileMerger} in one pass over internal rows. Only the columns the merge reads cross the shuffle.
 *
 * <p>The sort is by a 64-bit hash of the profile key alone, radix-sorted ({@link HashSorted}): sorted by the profile
 * key's text and SPEC 3.4's ranking keys, the rows' comparisons (profile keys sharing their first eight bytes, and
 * every pair of one profile's fragments) were a tenth of the merge stage. The merger ranks each profile's few
 * fragments itself, in the order Spark's sort by those keys gave, and tells apart profiles whose keys share a hash.
 */
public final class AttributeMerge {
  private AttributeMerge() {}

  /**
   * @param fragments the union's fields, {@link SystemColumns#PROFILE} and the ranking columns
   * @return one row per profile: the union's fields, the profile key, update time and primary namespace
   */
  public static Dataset<Row> merge(Dataset<Row> fragments, StructType union, String sessionTimeZone,
      Set<String> blockedValues) {
    List<Column> kept = new ArrayList<>();
    for (StructField f : union.fields()) {
      kept.add(col(Conformance.quote(f.name())));
    }
    for (String system : List.of(SystemColumns.DATASET, SystemColumns.BATCH, SystemColumns.INGEST_TIME,
        SystemColumns.RANK_TIME, SystemColumns.RANK_DATASET, SystemColumns.PRIMARY_NS, SystemColumns.PROFILE)) {
      kept.add(col(system));
    }
    if (union.getFieldIndex("_id").isDefined() && !(union.apply("_id").dataType() instanceof StringType)) {
      // Ranked by its text, as Spark casts it; computed before the shuffle, where the row is projected anyway.
      kept.add(col("_id").cast("string").as(SystemColumns.RANK_ID));
    }
    kept.add(xxhash64(col(SystemColumns.PROFILE)).as(SystemColumns.PROFILE_HASH));
    Dataset<Row> input = fragments.select(kept.toArray(new Column[0]));
    StructType schema = input.schema();
    int hashIdx = schema.fieldIndex(SystemColumns.PROFILE_HASH);
    // Sorted in the task's own arrays while the partition fits two fifths of the task's heap share (as the graph
    // pass's reduce), else by Spark's external sorter.
    long sortedInMemory = Math.max(1,
        io.profileexport.engine.stitch.IdentityGraph.heapPerTask(fragments.sparkSession().sparkContext()) * 2 / 5);
    ProfileMerger merger = new ProfileMerger(schema, union, sessionTimeZone, blockedValues);
    return InternalRowFrames.mapPartitions(input.repartition(col(SystemColumns.PROFILE)), merger.outputSchema(),
        rows -> merger.mergeSorted(HashSorted.sorted(rows, schema, hashIdx, sortedInMemory)));
  }
}
