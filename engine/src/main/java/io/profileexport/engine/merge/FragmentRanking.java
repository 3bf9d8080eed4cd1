package io.profileexport.engine.merge;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.model.MergePolicy;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * The first ranking keys of SPEC 3.4, computed per record before the shuffle: {@code timestampOrdered} ranks by
 * {@code extSourceSystemAudit.lastUpdatedDate} if present, else ingest time, newest first; {@code dataSetPrecedence}
 * by the dataset's position in {@code order}, then ingest time, newest first. The remaining tie-breaks need no
 * precomputation ({@link ProfileMerger}).
 */
public final class FragmentRanking {
  private FragmentRanking() {}

  public static Dataset<Row> add(Dataset<Row> records, MergePolicy policy, StructType union) {
    Column ingest = col(SystemColumns.INGEST_TIME);
    if (policy.mergeType() == MergePolicy.MergeType.DATASET_PRECEDENCE) {
      List<String> order = policy.precedence();
      Column position = lit(order.size());
      for (int i = order.size() - 1; i >= 0; i--) {
        position = when(col(SystemColumns.DATASET).equalTo(order.get(i)), lit(i)).otherwise(position);
      }
      return records.withColumn(SystemColumns.RANK_TIME, ingest).withColumn(SystemColumns.RANK_DATASET, position);
    }
    Column lastUpdated = lastUpdatedMillis(union);
    return records.withColumn(SystemColumns.RANK_TIME, coalesce(lastUpdated, ingest))
        .withColumn(SystemColumns.RANK_DATASET, lit(0));
  }

  private static Column lastUpdatedMillis(StructType union) {
    if (union.getFieldIndex("extSourceSystemAudit").isEmpty()
        || !(union.apply("extSourceSystemAudit").dataType() instanceof StructType audit)
        || audit.getFieldIndex("lastUpdatedDate").isEmpty()) {
      return lit(null).cast("long");
    }
    DataType type = audit.apply("lastUpdatedDate").dataType();
    return DataTimestamps.epochMillis(col("extSourceSystemAudit.lastUpdatedDate"), type);
  }
}
