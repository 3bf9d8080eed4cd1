package io.profileexport.engine;

import java.io.Serializable;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * Partition-wise processing of a frame in Spark's internal row format. The pipeline's hot loops (identities of every
 * record, the merge of every profile) run here: converting wide nested records to external {@code Row}s, as typed
 * Dataset operations do, costs several times the work itself.
 */
public final class InternalRowFrames {
  /** What runs on each partition; rows it keeps beyond one call of {@code next()} must be copied. */
  public interface PartitionFunction extends Serializable {
    Iterator<InternalRow> apply(Iterator<InternalRow> rows);
  }

  private InternalRowFrames() {}

  /** The frame of the rows {@code function} makes of each partition of {@code in}, whose schema is {@code out}. */
  public static Dataset<Row> mapPartitions(Dataset<Row> in, StructType out, PartitionFunction function) {
    JavaRDD<InternalRow> rows = in.queryExecution().toRdd().toJavaRDD().mapPartitions(function::apply);
    return in.sparkSession().internalCreateDataFrame(rows.rdd(), out, /* isStreaming */ false);
  }
}
