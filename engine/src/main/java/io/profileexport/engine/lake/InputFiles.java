package io.profileexport.engine.lake;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.struct;

import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.merge.Conformance;
import io.profileexport.engine.merge.XdmMaps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the files a user ingests (JSON lines, Parquet or CSV) into frames ready to be stored as Parquet: namespace
 * maps typed as maps, the system column checked, and types Parquet cannot hold (an all-null column, an empty object)
 * replaced. JSON is read in FAILFAST mode, so a malformed line is an error, not a silently nulled record.
 */
public final class InputFiles {
  /** The system column carrying a record's own ingest time (SPEC 1). */
  public static final String SYSTEM_METADATA = "_acp_system_metadata";
  public static final String INGEST_TIME = "ingestTime";

  public enum Format {
    JSON, PARQUET, CSV;

    public static Optional<Format> ofName(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "json", "jsonl", "ndjson" -> Optional.of(JSON);
        case "parquet" -> Optional.of(PARQUET);
        case "csv" -> Optional.of(CSV);
        default -> Optional.empty();
      };
    }

    /** The format a file name's extension announces. */
    public static Optional<Format> ofFileName(String fileName) {
      int dot = fileName.lastIndexOf('.');
      return dot < 0 ? Optional.empty() : ofName(fileName.substring(dot + 1));
    }
  }

  private InputFiles() {}

  public static Dataset<Row> read(SparkSession spark, String path, Format format, String shownName) {
    try {
      return switch (format) {
        case JSON -> readJson(spark, path, shownName);
        case PARQUET -> normalized(spark.read().parquet(path), shownName);
        case CSV -> readCsv(spark, path, shownName);
      };
    } catch (ProfileExportException e) {
      throw e;
    } catch (Exception e) {
      throw ExportErrors.unreadableInput(shownName, "not valid " + format.name().toLowerCase(Locale.ROOT) + ": "
          + ExportErrors.rootMessage(e), e);
    }
  }

  private static Dataset<Row> readJson(SparkSession spark, String path, String shownName) {
    StructType inferred = spark.read().option("mode", "FAILFAST").json(path).schema();
    if (inferred.fields().length == 0) {
      throw ExportErrors.unreadableInput(shownName, "the file holds no JSON records", null);
    }
    // Re-reading with the typed schema lets the JSON parser build the maps itself.
    StructType storable = storableSchema(inferred, shownName, /* inferredFromJson */ true);
    return spark.read().schema(storable).option("mode", "FAILFAST").json(path);
  }

  private static Dataset<Row> readCsv(SparkSession spark, String path, String shownName) {
    // RFC 4180 quoting: a quote inside a quoted cell is doubled, as in JSON map cells.
    Dataset<Row> raw = spark.read().option("header", "true").option("inferSchema", "true").option("escape", "\"")
        .option("mode", "FAILFAST").csv(path);
    Dataset<Row> nested = nestDottedColumns(raw);
    for (StructField f : nested.schema().fields()) {
      if (XdmMaps.isNamespaceMap(f.name()) && f.dataType() instanceof StringType) {
        Dataset<String> cells = nested.select(col(f.name())).where(col(f.name()).isNotNull())
            .as(Encoders.STRING());
        StructType cellSchema = spark.read().option("mode", "FAILFAST").json(cells).schema();
        MapType mapType = XdmMaps.mapTypeFor(f.name(), cellSchema, shownName, /* inferredFromJson */ true);
        nested = nested.withColumn(f.name(), from_json(col(f.name()), mapType, Map.of("mode", "FAILFAST")));
      }
    }
    return normalized(nested, shownName);
  }

  /** CSV headers such as {@code person.name.firstName} become nested fields. */
  private static Dataset<Row> nestDottedColumns(Dataset<Row> frame) {
    Map<String, Object> tree = new LinkedHashMap<>();
    for (String name : frame.columns()) {
      String[] parts = name.split("\\.");
      Map<String, Object> node = tree;
      for (int i = 0; i < parts.length - 1; i++) {
        @SuppressWarnings("unchecked")
        Map<String, Object> child = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new LinkedHashMap<>());
        node = child;
      }
      node.put(parts[parts.length - 1], name);
    }
    List<Column> columns = new ArrayList<>();
    tree.forEach((key, value) -> columns.add(nestedColumn(value).as(key)));
    return frame.select(columns.toArray(new Column[0]));
  }

  @SuppressWarnings("unchecked")
  private static Column nestedColumn(Object node) {
    if (node instanceof String original) {
      return col(Conformance.quote(original));
    }
    List<Column> fields = new ArrayList<>();
    ((Map<String, Object>) node).forEach((key, value) -> fields.add(nestedColumn(value).as(key)));
    return struct(fields.toArray(new Column[0]));
  }

  /** {@code frame} brought to the schema its batch is stored with. */
  static Dataset<Row> normalized(Dataset<Row> frame, String shownName) {
    StructType storable = storableSchema(frame.schema(), shownName, /* inferredFromJson */ false);
    return storable.equals(frame.schema()) ? frame : Conformance.conform(frame, storable);
  }

  /** The schema a batch of this input is stored with. */
  static StructType storableSchema(StructType schema, String shownName, boolean inferredFromJson) {
    StructType typed = XdmMaps.typed(schema, shownName, inferredFromJson);
    StructType out = (StructType) storable(typed);
    if (out.getFieldIndex(SYSTEM_METADATA).isDefined()) {
      DataType meta = out.apply(SYSTEM_METADATA).dataType();
      if (!(meta instanceof StructType metaStruct)) {
        throw ExportErrors.unreadableInput(shownName, SYSTEM_METADATA + " must be an object", null);
      }
      if (metaStruct.getFieldIndex(INGEST_TIME).isDefined()) {
        DataType t = metaStruct.apply(INGEST_TIME).dataType();
        if (!(t instanceof LongType || t instanceof IntegerType)) {
          throw ExportErrors.unreadableInput(shownName, SYSTEM_METADATA + "." + INGEST_TIME
              + " must be epoch milliseconds (an integer), found " + t.simpleString(), null);
        }
      }
    }
    if (out.fields().length == 0) {
      throw ExportErrors.unreadableInput(shownName, "the file has no columns", null);
    }
    return out;
  }

  /** Parquet stores no void type and no empty group: all-null values become strings, empty objects are dropped. */
  private static DataType storable(DataType t) {
    if (t instanceof NullType) {
      return DataTypes.StringType;
    }
    if (t instanceof StructType s) {
      List<StructField> fields = new ArrayList<>();
      for (StructField f : s.fields()) {
        DataType ft = storable(f.dataType());
        if (!(ft instanceof StructType st && st.fields().length == 0)) {
          fields.add(new StructField(f.name(), ft, true, f.metadata()));
        }
      }
      return new StructType(fields.toArray(new StructField[0]));
    }
    if (t instanceof ArrayType a) {
      DataType element = storable(a.elementType());
      return DataTypes.createArrayType(element instanceof StructType st && st.fields().length == 0
          ? DataTypes.StringType : element, true);
    }
    if (t instanceof MapType m) {
      return DataTypes.createMapType(m.keyType(), storable(m.valueType()), true);
    }
    return t;
  }
}
