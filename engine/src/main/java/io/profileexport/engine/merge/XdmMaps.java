package io.profileexport.engine.merge;

import io.profileexport.engine.error.ExportErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code identityMap} (namespace to identity items) and {@code segmentMembership} (namespace to segment id to
 * membership) are maps whatever a format's schema inference makes of them (SPEC 1): an object inferred as a struct
 * whose fields are namespaces becomes a map whose value type is the union of those fields' types.
 */
public final class XdmMaps {
  public static final String IDENTITY_MAP = "identityMap";
  public static final String SEGMENT_MEMBERSHIP = "segmentMembership";

  /** The item struct of a schema's {@code identityMap} (a map of arrays of structs), if it has one. */
  public static Optional<StructType> identityItem(StructType schema) {
    if (schema.getFieldIndex(IDENTITY_MAP).isDefined()
        && schema.apply(IDENTITY_MAP).dataType() instanceof MapType map
        && map.valueType() instanceof ArrayType items && items.elementType() instanceof StructType item) {
      return Optional.of(item);
    }
    return Optional.empty();
  }

  /**
   * {@code schema} with the items of its {@code identityMap} cut down to the fields {@code keep} accepts, in their
   * order; {@code schema} itself when it has no such map, or when that would keep all fields or none.
   */
  public static StructType withIdentityItems(StructType schema, java.util.function.Predicate<String> keep) {
    Optional<StructType> kept = identityItem(schema).flatMap(item -> cut(item, keep));
    if (kept.isEmpty()) {
      return schema;
    }
    MapType map = (MapType) schema.apply(IDENTITY_MAP).dataType();
    ArrayType items = (ArrayType) map.valueType();
    return withField(schema, IDENTITY_MAP, DataTypes.createMapType(map.keyType(),
        DataTypes.createArrayType(kept.get(), items.containsNull()), map.valueContainsNull()));
  }

  /** The entry struct of a schema's {@code segmentMembership} (namespace, then segment id, to an entry), if any. */
  public static Optional<StructType> membershipEntry(StructType schema) {
    if (schema.getFieldIndex(SEGMENT_MEMBERSHIP).isDefined()
        && schema.apply(SEGMENT_MEMBERSHIP).dataType() instanceof MapType byNamespace
        && byNamespace.valueType() instanceof MapType bySegment
        && bySegment.valueType() instanceof StructType entry) {
      return Optional.of(entry);
    }
    return Optional.empty();
  }

  /**
   * {@code schema} with the entries of its {@code segmentMembership} cut down to the fields {@code keep} accepts, in
   * their order; {@code schema} itself when it has no such map, or when that would keep all fields or none.
   */
  public static StructType withMembershipEntries(StructType schema, java.util.function.Predicate<String> keep) {
    Optional<StructType> kept = membershipEntry(schema).flatMap(entry -> cut(entry, keep));
    if (kept.isEmpty()) {
      return schema;
    }
    MapType byNamespace = (MapType) schema.apply(SEGMENT_MEMBERSHIP).dataType();
    MapType bySegment = (MapType) byNamespace.valueType();
    return withField(schema, SEGMENT_MEMBERSHIP, DataTypes.createMapType(byNamespace.keyType(),
        DataTypes.createMapType(bySegment.keyType(), kept.get(), bySegment.valueContainsNull()),
        byNamespace.valueContainsNull()));
  }

  /** The fields of {@code struct} that {@code keep} accepts; empty when that is all of them or none. */
  private static Optional<StructType> cut(StructType struct, java.util.function.Predicate<String> keep) {
    StructType kept = new StructType();
    for (StructField f : struct.fields()) {
      if (keep.test(f.name())) {
        kept = kept.add(f);
      }
    }
    return kept.size() == 0 || kept.size() == struct.size() ? Optional.empty() : Optional.of(kept);
  }

  /** {@code schema} with its top-level field {@code name} of type {@code type}, in its place. */
  private static StructType withField(StructType schema, String name, DataType type) {
    StructType out = new StructType();
    for (StructField f : schema.fields()) {
      out = out.add(f.name().equals(name) ? f.copy(f.name(), type, f.nullable(), f.metadata()) : f);
    }
    return out;
  }

  /** Used when no record of a source shows an item, so the map still has a usable type. */
  public static final StructType DEFAULT_IDENTITY_ITEM = new StructType()
      .add("authenticatedState", DataTypes.StringType)
      .add("id", DataTypes.StringType)
      .add("primary", DataTypes.BooleanType);
  public static final StructType DEFAULT_MEMBERSHIP = new StructType()
      .add("lastQualificationTime", DataTypes.StringType)
      .add("status", DataTypes.StringType);

  private XdmMaps() {}

  public static boolean isNamespaceMap(String topLevelName) {
    return IDENTITY_MAP.equals(topLevelName) || SEGMENT_MEMBERSHIP.equals(topLevelName);
  }

  /**
   * {@code schema} with its top-level namespace maps typed as maps; throws a bad request naming {@code source}.
   *
   * @param inferredFromJson whether the schema comes from JSON inference, which orders every struct's fields by
   *     name: the merged value struct is then ordered the same way, as Spark's inference of a map would order it
   */
  public static StructType typed(StructType schema, String source, boolean inferredFromJson) {
    StructField[] fields = schema.fields().clone();
    for (int i = 0; i < fields.length; i++) {
      StructField f = fields[i];
      if (isNamespaceMap(f.name())) {
        fields[i] = new StructField(f.name(), mapTypeFor(f.name(), f.dataType(), source, inferredFromJson), true,
            f.metadata());
      }
    }
    return new StructType(fields);
  }

  /** The map type that {@code inferred}, the type found for column {@code name}, stands for. */
  public static MapType mapTypeFor(String name, DataType inferred, String source, boolean inferredFromJson) {
    boolean identities = IDENTITY_MAP.equals(name);
    Optional<StructType> leaf = leafStruct(inferred, identities ? 1 : 2, name, source);
    StructType value = leaf.map(v -> inferredFromJson ? (StructType) sortedByName(v) : v)
        .orElse(identities ? DEFAULT_IDENTITY_ITEM : DEFAULT_MEMBERSHIP);
    if (identities) {
      requireField(value, "id", name, source);
      return DataTypes.createMapType(DataTypes.StringType, DataTypes.createArrayType(value, true), true);
    }
    requireField(value, "status", name, source);
    return DataTypes.createMapType(DataTypes.StringType,
        DataTypes.createMapType(DataTypes.StringType, value, true), true);
  }

  /**
   * The union of the structs found {@code depth} map levels below {@code t}: for identityMap (depth 1) the array
   * items under each namespace, for segmentMembership (depth 2) the memberships under each namespace and segment.
   */
  private static Optional<StructType> leafStruct(DataType t, int depth, String path, String source) {
    if (t instanceof NullType) {
      return Optional.empty();
    }
    if (depth == 0) {
      if (IDENTITY_MAP.equals(path.split("\\.")[0])) {
        if (t instanceof ArrayType a && (a.elementType() instanceof StructType || a.elementType() instanceof NullType)) {
          return a.elementType() instanceof StructType s ? Optional.of(s) : Optional.empty();
        }
        throw shapeError(path, t, source, "an array of identity objects");
      }
      if (t instanceof StructType s) {
        return Optional.of(s);
      }
      throw shapeError(path, t, source, "a membership object");
    }
    List<UnionSchema.Source> found = new ArrayList<>();
    if (t instanceof MapType m && m.keyType() instanceof StringType) {
      leafStruct(m.valueType(), depth - 1, path + ".*", source)
          .ifPresent(s -> found.add(new UnionSchema.Source(source + " " + path, s)));
    } else if (t instanceof StructType s) {
      for (StructField f : s.fields()) {
        leafStruct(f.dataType(), depth - 1, path + "." + f.name(), source)
            .ifPresent(v -> found.add(new UnionSchema.Source(source + " " + path + "." + f.name(), v)));
      }
    } else {
      throw shapeError(path, t, source, "an object keyed by " + (path.contains(".") ? "segment id" : "namespace"));
    }
    if (found.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(UnionSchema.union(found));
  }

  /** Struct fields ordered by name at every level, as Spark's JSON schema inference orders them. */
  static DataType sortedByName(DataType type) {
    if (type instanceof StructType s) {
      StructField[] fields = s.fields().clone();
      java.util.Arrays.sort(fields, java.util.Comparator.comparing(StructField::name));
      for (int i = 0; i < fields.length; i++) {
        fields[i] = new StructField(fields[i].name(), sortedByName(fields[i].dataType()), true,
            fields[i].metadata());
      }
      return new StructType(fields);
    }
    if (type instanceof ArrayType a) {
      return DataTypes.createArrayType(sortedByName(a.elementType()), true);
    }
    if (type instanceof MapType m) {
      return DataTypes.createMapType(m.keyType(), sortedByName(m.valueType()), true);
    }
    return type;
  }

  private static void requireField(StructType value, String field, String name, String source) {
    if (value.getFieldIndex(field).isEmpty()) {
      throw ExportErrors.badRequest(name, value.simpleString(), source + ": the items of " + name + " have no '"
          + field + "' member");
    }
  }

  private static RuntimeException shapeError(String path, DataType t, String source, String expected) {
    return ExportErrors.badRequest(path, t.simpleString(), source + ": " + path + " must be " + expected);
  }
}
