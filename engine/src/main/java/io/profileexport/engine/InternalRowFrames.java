package io.profileexport.engine;

import java.io.Serializable;
import java.util.Iterator;
import java.util.Arrays;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.objects.Invoke;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.ObjectType;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

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

  /**
   * A column computed by a public method of {@code target} on the values of {@code arguments} in Spark's internal
   * form ({@code UTF8String}, {@code MapData}, ...), called from the generated code of the stage: where a row-by-row
   * computation in Java beats an interpreted chain of Spark SQL functions. Each task works on its own deserialized
   * copy of {@code target}. The column is null when an argument is null, and when the method returns null.
   *
   * @param returnNullable whether the method may return null (then it returns a boxed value)
   */
  public static Column invoke(Serializable target, String method, DataType type, boolean returnNullable,
      Column... arguments) {
    return invoke(target, method, type, returnNullable, /* nullGivesNull */ true, /* deterministic */ true,
        arguments);
  }

  /**
   * As {@link #invoke(Serializable, String, DataType, boolean, Column...)}.
   *
   * @param nullGivesNull whether a null argument makes the column null without a call; else the method gets it,
   *     except for an argument of a primitive Java type (boolean, long, ...), whose null always gives null
   * @param deterministic false for a method with side effects (counters), which Spark must then call once per row
   *     where it is placed: not moved, not copied into other operators
   */
  public static Column invoke(Serializable target, String method, DataType type, boolean returnNullable,
      boolean nullGivesNull, boolean deterministic, Column... arguments) {
    // The generated code names the class: were it not public, the stage would not compile and Spark would run it
    // interpreted, with only a line in the log to say so.
    if (!java.lang.reflect.Modifier.isPublic(target.getClass().getModifiers())) {
      throw new IllegalArgumentException(target.getClass().getName() + " must be public to be called from generated code");
    }
    Expression literal = new Literal(target, new ObjectType(target.getClass()));
    return new Column(new Invoke(literal, method, type,
        JavaConverters.asScalaBuffer(Arrays.stream(arguments).map(Column::expr).toList()).toSeq(),
        JavaConverters.asScalaBuffer(java.util.List.<AbstractDataType>of()).toSeq(),
        nullGivesNull, returnNullable, deterministic));
  }

  /** The frame of the rows {@code function} makes of each partition of {@code in}, whose schema is {@code out}. */
  public static Dataset<Row> mapPartitions(Dataset<Row> in, StructType out, PartitionFunction function) {
    JavaRDD<InternalRow> rows = in.queryExecution().toRdd().toJavaRDD().mapPartitions(function::apply);
    return in.sparkSession().internalCreateDataFrame(rows.rdd(), out, /* isStreaming */ false);
  }
}
