package io.profileexport.engine.merge;

import static org.apache.spark.sql.functions.col;

import io.profileexport.engine.SystemColumns;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.api.java.function.MapGroupsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Groups fragments by profile (one shuffle) and merges each group with {@link ProfileMerger}. Only the columns the
 * merge reads cross the shuffle.
 */
public final class AttributeMerge {
  private AttributeMerge() {}

  /**
   * @param fragments the union's fields, {@link SystemColumns#PROFILE} (string or long) and the ranking columns
   * @return one row per profile: the union's fields, the profile key, update time and primary namespace
   */
  public static Dataset<Row> merge(Dataset<Row> fragments, StructType union, String sessionTimeZone) {
    List<Column> kept = new ArrayList<>();
    for (StructField f : union.fields()) {
      kept.add(col(Conformance.quote(f.name())));
    }
    for (String system : List.of(SystemColumns.DATASET, SystemColumns.BATCH, SystemColumns.INGEST_TIME,
        SystemColumns.RANK_TIME, SystemColumns.RANK_DATASET, SystemColumns.PRIMARY_NS, SystemColumns.PROFILE)) {
      kept.add(col(system));
    }
    Dataset<Row> input = fragments.select(kept.toArray(new Column[0]));
    ProfileMerger merger = new ProfileMerger(input.schema(), union, sessionTimeZone);
    int key = input.schema().fieldIndex(SystemColumns.PROFILE);
    MapGroupsFunction<Object, Row, Row> mergeGroup = (k, rows) -> merger.merge(rows);
    if (input.schema().apply(SystemColumns.PROFILE).dataType() instanceof LongType) {
      return input.groupByKey((MapFunction<Row, Long>) r -> r.getLong(key), Encoders.LONG())
          .mapGroups(castGroups(mergeGroup), Encoders.row(merger.outputSchema()));
    }
    return input.groupByKey((MapFunction<Row, String>) r -> r.getString(key), Encoders.STRING())
        .mapGroups(castGroups(mergeGroup), Encoders.row(merger.outputSchema()));
  }

  @SuppressWarnings("unchecked")
  private static <K> MapGroupsFunction<K, Row, Row> castGroups(MapGroupsFunction<Object, Row, Row> f) {
    return (MapGroupsFunction<K, Row, Row>) (MapGroupsFunction<?, Row, Row>) f;
  }
}
