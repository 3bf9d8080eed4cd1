package io.profileexport.engine.select;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.map_filter;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.transform_values;
import static org.apache.spark.sql.functions.when;

import io.profileexport.engine.merge.Conformance;
import io.profileexport.engine.merge.XdmMaps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The projection of SPEC 3.8: the union schema pruned to the selected paths, in union field order. A parent is null
 * when every selected leaf below it is null (array elements included); a map keeps only its selected keys, loses
 * entries whose projected value is null, and is null when no key is left. When keys of one map select different
 * parts of its value, the value type is pruned to what any key selects and each key's unselected parts are null.
 */
public final class Projection {
  private Projection() {}

  /** Only the projected columns of {@code profiles}: system columns are dropped. */
  public static Dataset<Row> project(Dataset<Row> profiles, StructType union, FieldSelection selection) {
    List<Column> columns = new ArrayList<>();
    for (StructField f : union.fields()) {
      Column c = col(Conformance.quote(f.name()));
      if (selection.isWhole()) {
        columns.add(c);
      } else if (selection.children().containsKey(f.name())) {
        FieldSelection child = selection.children().get(f.name());
        columns.add(project(c, f.dataType(), child, child, XdmMaps.isNamespaceMap(f.name())).as(f.name()));
      }
    }
    return profiles.select(columns.toArray(new Column[0]));
  }

  /** The output schema: {@code union} pruned to {@code selection}. */
  public static StructType outputSchema(StructType union, FieldSelection selection) {
    return (StructType) pruned(union, selection);
  }

  static DataType pruned(DataType type, FieldSelection shape) {
    if (shape.isWhole()) {
      return type;
    }
    if (type instanceof StructType struct) {
      StructType out = new StructType();
      for (StructField f : struct.fields()) {
        FieldSelection child = shape.children().get(f.name());
        if (child != null) {
          out = out.add(f.name(), pruned(f.dataType(), child), true);
        }
      }
      return out;
    }
    if (type instanceof ArrayType array) {
      return DataTypes.createArrayType(pruned(array.elementType(), shape), true);
    }
    if (type instanceof MapType map) {
      return DataTypes.createMapType(map.keyType(), pruned(map.valueType(),
          FieldSelection.merged(shape.children().values())), true);
    }
    return type;
  }

  /**
   * {@code c} (of {@code type}) with only {@code selection} kept, as a value of {@code pruned(type, shape)}.
   *
   * @param namespaceKeys whether {@code c} is a namespace map, whose keys match case-insensitively
   */
  private static Column project(Column c, DataType type, FieldSelection selection, FieldSelection shape,
      boolean namespaceKeys) {
    if (selection.isWhole()) {
      return c;
    }
    if (type instanceof StructType struct) {
      StructType out = (StructType) pruned(struct, shape);
      List<Column> fields = new ArrayList<>();
      Column allNull = lit(true);
      for (StructField f : out.fields()) {
        FieldSelection childShape = shape.isWhole() ? FieldSelection.all() : shape.children().get(f.name());
        FieldSelection childSelection = selection.children().get(f.name());
        DataType original = struct.apply(f.name()).dataType();
        Column child = childSelection == null ? lit(null).cast(f.dataType())
            : project(c.getField(f.name()), original, childSelection, childShape, false);
        fields.add(child.as(f.name()));
        allNull = allNull.and(child.isNull());
      }
      return when(allNull, lit(null).cast(out)).otherwise(struct(fields.toArray(new Column[0])));
    }
    if (type instanceof ArrayType array) {
      return transform(c, x -> project(x, array.elementType(), selection, shape, false));
    }
    if (type instanceof MapType map) {
      if (map.keyType() instanceof org.apache.spark.sql.types.StringType && !selection.children().isEmpty()
          && selection.children().values().stream().allMatch(FieldSelection::isWhole)) {
        // Whole keys only: their entries as they are, in Java.
        return MapKeySelection.column(c, map, selection.children().keySet(), namespaceKeys);
      }
      FieldSelection valueShape = shape.isWhole() ? FieldSelection.all()
          : FieldSelection.merged(shape.children().values());
      DataType valueType = pruned(map.valueType(), valueShape);
      Column projected = transform_values(c, (k, v) -> {
        Column picked = lit(null).cast(valueType);
        for (Map.Entry<String, FieldSelection> key : selection.children().entrySet()) {
          Column matches = namespaceKeys ? lower(k).equalTo(key.getKey()) : k.equalTo(key.getKey());
          picked = when(matches, project(v, map.valueType(), key.getValue(), valueShape, false)).otherwise(picked);
        }
        return picked;
      });
      Column kept = map_filter(projected, (k, v) -> v.isNotNull());
      return when(size(kept).gt(0), kept);
    }
    return c;
  }
}
