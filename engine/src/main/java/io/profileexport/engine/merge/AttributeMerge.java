package io.profileexport.engine.merge;

import static org.apache.spark.sql.functions.col;

import io.profileexport.engine.InternalRowFrames;
import io.profileexport.engine.SystemColumns;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Brings each profile's fragments together and best-ranked first with one shuffle and Spark's own sort (profile, then
 * SPEC 3.4's ranking keys), then merges each profile with {@link ProfileMerger} in one pass over internal rows. Only
 * the columns the merge reads cross the shuffle.
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
    Dataset<Row> input = fragments.select(kept.toArray(new Column[0]));
    List<Column> order = new ArrayList<>(List.of(col(SystemColumns.PROFILE), col(SystemColumns.RANK_DATASET).asc(),
        col(SystemColumns.RANK_TIME).desc_nulls_last(), col(SystemColumns.DATASET).asc()));
    if (union.getFieldIndex("_id").isDefined()) {
      order.add(col("_id").cast("string").asc_nulls_last());
    }
    order.add(col(SystemColumns.BATCH).asc_nulls_last());
    Dataset<Row> sorted = input.repartition(col(SystemColumns.PROFILE))
        .sortWithinPartitions(order.toArray(new Column[0]));
    ProfileMerger merger = new ProfileMerger(input.schema(), union, sessionTimeZone, blockedValues);
    return InternalRowFrames.mapPartitions(sorted, merger.outputSchema(), merger::mergeSorted);
  }
}
