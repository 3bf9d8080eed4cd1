package io.profileexport.engine.merge;

import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;

/**
 * The union schema of SPEC 1: schemas merged recursively through structs, array elements and map values, field
 * order by first appearance, names case-sensitive, every field nullable. Widenings: int to long, float to double,
 * int or long to double; at a data-timestamp path (string, epoch ms or timestamp) any disagreement gives timestamp.
 * Any other disagreement is an error naming both sources and the path.
 */
public final class UnionSchema {
  /** Paths whose values are data timestamps; {@code *} stands for any map key. */
  public static final Set<String> DATA_TIMESTAMP_PATHS = Set.of(
      "segmentMembership.*.*.lastQualificationTime",
      "segmentMembership.*.*.validUntil",
      "timestamp",
      "extSourceSystemAudit.lastUpdatedDate");

  private UnionSchema() {}

  /** A schema and the name used for it in error messages (a dataset id, a file). */
  public record Source(String name, StructType schema) {}

  /** The union of {@code sources}, in order; throws a bad-request error listing every conflict found. */
  public static StructType union(List<Source> sources) {
    List<Problem> problems = new ArrayList<>();
    StructType acc = new StructType();
    List<Source> seen = new ArrayList<>();
    for (Source source : sources) {
      acc = (StructType) merge(acc, asNullable(source.schema()), "", seen, source, problems);
      seen.add(source);
    }
    if (!problems.isEmpty()) {
      throw ExportErrors.badRequest(problems);
    }
    return acc;
  }

  public static boolean isDataTimestampPath(String path) {
    return DATA_TIMESTAMP_PATHS.contains(path);
  }

  public static boolean isDataTimestampType(DataType t) {
    return t instanceof StringType || t instanceof LongType || t instanceof IntegerType || t instanceof TimestampType;
  }

  private static DataType merge(DataType acc, DataType next, String path, List<Source> seen, Source source,
      List<Problem> problems) {
    if (acc.equals(next)) {
      return acc;
    }
    if (acc instanceof NullType) {
      return next;
    }
    if (next instanceof NullType) {
      return acc;
    }
    if (acc instanceof StructType a && next instanceof StructType b) {
      Map<String, StructField> fields = new LinkedHashMap<>();
      for (StructField f : a.fields()) {
        fields.put(f.name(), f);
      }
      for (StructField f : b.fields()) {
        StructField existing = fields.get(f.name());
        String childPath = path.isEmpty() ? f.name() : path + "." + f.name();
        if (existing == null) {
          fields.put(f.name(), f);
        } else {
          fields.put(f.name(), new StructField(f.name(),
              merge(existing.dataType(), f.dataType(), childPath, seen, source, problems), true, existing.metadata()));
        }
      }
      return new StructType(fields.values().toArray(new StructField[0]));
    }
    if (acc instanceof ArrayType a && next instanceof ArrayType b) {
      return DataTypes.createArrayType(merge(a.elementType(), b.elementType(), path + "[]", seen, source, problems),
          true);
    }
    if (acc instanceof MapType a && next instanceof MapType b && a.keyType().equals(b.keyType())) {
      return DataTypes.createMapType(a.keyType(), merge(a.valueType(), b.valueType(), path + ".*", seen, source,
          problems), true);
    }
    if (isDataTimestampPath(path) && isDataTimestampType(acc) && isDataTimestampType(next)) {
      return DataTypes.TimestampType;
    }
    Optional<DataType> widened = widen(acc, next);
    if (widened.isPresent()) {
      return widened.get();
    }
    Optional<Source> earlier = seen.stream()
        .filter(s -> typeAt(s.schema(), path).filter(t -> !t.equals(next)).isPresent())
        .findFirst();
    String earlierType = earlier.flatMap(s -> typeAt(s.schema(), path)).map(DataType::simpleString)
        .orElse(acc.simpleString());
    problems.add(Problem.of(path, null, "incompatible types: "
        + earlier.map(Source::name).orElse("an earlier source") + " has " + earlierType + ", " + source.name()
        + " has " + next.simpleString()));
    return acc;
  }

  private static Optional<DataType> widen(DataType a, DataType b) {
    if (isIntegral(a) && isIntegral(b)) {
      return Optional.of(DataTypes.LongType);
    }
    if ((a instanceof FloatType || a instanceof DoubleType) && (b instanceof FloatType || b instanceof DoubleType)) {
      return Optional.of(DataTypes.DoubleType);
    }
    if ((isIntegral(a) && b instanceof DoubleType) || (a instanceof DoubleType && isIntegral(b))) {
      return Optional.of(DataTypes.DoubleType);
    }
    return Optional.empty();
  }

  private static boolean isIntegral(DataType t) {
    return t instanceof IntegerType || t instanceof LongType;
  }

  /** The type at a path as written in error messages ({@code a.b}, {@code a[]}, {@code m.*}), if there is one. */
  private static Optional<DataType> typeAt(DataType root, String path) {
    if (path.isEmpty()) {
      return Optional.of(root);
    }
    DataType current = root;
    for (String token : tokens(path)) {
      if (token.equals("[]") && current instanceof ArrayType a) {
        current = a.elementType();
      } else if (token.equals("*") && current instanceof MapType m) {
        current = m.valueType();
      } else if (current instanceof StructType s && s.getFieldIndex(token).isDefined()) {
        current = s.fields()[(Integer) s.getFieldIndex(token).get()].dataType();
      } else {
        return Optional.empty();
      }
    }
    return Optional.of(current);
  }

  private static List<String> tokens(String path) {
    List<String> out = new ArrayList<>();
    for (String part : path.split("\\.")) {
      String name = part;
      int arrays = 0;
      while (name.endsWith("[]")) {
        name = name.substring(0, name.length() - 2);
        arrays++;
      }
      out.add(name);
      for (int i = 0; i < arrays; i++) {
        out.add("[]");
      }
    }
    return out;
  }

  /** The same type with every field, element and value nullable: a union field may be absent from a source. */
  public static DataType asNullable(DataType t) {
    if (t instanceof StructType s) {
      StructField[] fields = new StructField[s.fields().length];
      for (int i = 0; i < fields.length; i++) {
        StructField f = s.fields()[i];
        fields[i] = new StructField(f.name(), asNullable(f.dataType()), true, f.metadata());
      }
      return new StructType(fields);
    }
    if (t instanceof ArrayType a) {
      return DataTypes.createArrayType(asNullable(a.elementType()), true);
    }
    if (t instanceof MapType m) {
      return DataTypes.createMapType(m.keyType(), asNullable(m.valueType()), true);
    }
    return t;
  }

  public static StructType asNullable(StructType t) {
    return (StructType) asNullable((DataType) t);
  }
}
