package io.profileexport.engine.merge;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_filter;
import static org.apache.spark.sql.functions.map_from_arrays;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.timestamp_millis;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.transform_values;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Expressions that bring a column of one type to a wider type of the union schema: structs aligned by field name
 * (absent fields null), arrays and maps converted element by element, numeric widenings cast, data timestamps
 * (RFC 3339 text, epoch ms) turned into timestamps, and a struct whose fields are map keys (as schema inference
 * makes of {@code identityMap}) turned into a map without its null entries.
 */
public final class Conformance {
  private Conformance() {}

  /** {@code frame}'s columns brought to {@code target}, in its field order. */
  public static Dataset<Row> conform(Dataset<Row> frame, StructType target) {
    return frame.select(columns(frame, target).toArray(new Column[0]));
  }

  /** The columns of {@link #conform(Dataset, StructType)}, for callers that add columns of their own. */
  public static List<Column> columns(Dataset<Row> frame, StructType target) {
    StructType from = frame.schema();
    List<Column> columns = new ArrayList<>();
    for (StructField f : target.fields()) {
      Column c = from.getFieldIndex(f.name()).isDefined()
          ? conform(frame.col(quote(f.name())), from.apply(f.name()).dataType(), f.dataType())
          : lit(null).cast(f.dataType());
      columns.add(c.as(f.name()));
    }
    return columns;
  }

  public static Column conform(Column c, DataType from, DataType to) {
    if (from.equals(to)) {
      return c;
    }
    if (from instanceof NullType) {
      return lit(null).cast(to);
    }
    if (from instanceof StructType s && to instanceof StructType t) {
      List<Column> fields = new ArrayList<>();
      for (StructField f : t.fields()) {
        Column field = s.getFieldIndex(f.name()).isDefined()
            ? conform(c.getField(f.name()), s.apply(f.name()).dataType(), f.dataType())
            : lit(null).cast(f.dataType());
        fields.add(field.as(f.name()));
      }
      return when(c.isNull(), lit(null).cast(t)).otherwise(struct(fields.toArray(new Column[0])));
    }
    if (from instanceof StructType s && to instanceof MapType m) {
      if (s.fields().length == 0) {
        return lit(null).cast(m);
      }
      List<Column> keys = new ArrayList<>();
      List<Column> values = new ArrayList<>();
      for (StructField f : s.fields()) {
        keys.add(lit(f.name()));
        values.add(conform(c.getField(f.name()), f.dataType(), m.valueType()));
      }
      Column map = map_filter(map_from_arrays(array(keys.toArray(new Column[0])), array(values.toArray(new Column[0]))),
          (k, v) -> v.isNotNull());
      return when(c.isNull(), lit(null).cast(m)).otherwise(map);
    }
    if (from instanceof ArrayType a && to instanceof ArrayType b) {
      return transform(c, x -> conform(x, a.elementType(), b.elementType()));
    }
    if (from instanceof MapType a && to instanceof MapType b) {
      return transform_values(c, (k, v) -> conform(v, a.valueType(), b.valueType()));
    }
    if (to instanceof TimestampType) {
      if (from instanceof StringType) {
        return c.cast(to);
      }
      if (from instanceof LongType || from instanceof IntegerType) {
        return timestamp_millis(c.cast("long"));
      }
    }
    return c.cast(to);
  }

  /** A column name as Spark's resolver wants it when the name may hold dots or backticks. */
  public static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
