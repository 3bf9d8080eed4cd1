package io.profileexport.engine.lake;

import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.merge.DataTimestamps;
import io.profileexport.engine.model.DatasetCreateRequest;
import java.io.IOException;
import java.util.Arrays;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Datasets whose data lives outside the lake at a {@code location} (Parquet or JSON). Their schema is read once, at
 * creation, and recorded; each record's ingest time comes from its {@code ingestTimeColumn} (SPEC 1).
 */
public final class ExternalDatasets {
  private ExternalDatasets() {}

  /** The location made absolute, so the record means the same from any working directory or cluster node. */
  public static String qualifiedLocation(SparkSession spark, String location) {
    try {
      Path path = new Path(location);
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      Path qualified = fs.makeQualified(path);
      if (!fs.exists(qualified)) {
        throw ExportErrors.badRequest("$.location", location, "no file or folder at this location");
      }
      return qualified.toString();
    } catch (IOException | IllegalArgumentException e) {
      throw ExportErrors.badRequest("$.location", location, "not a readable location: " + e.getMessage());
    }
  }

  /**
   * The full schema of the data at the request's location, namespace maps typed, ingest time column checked. The
   * recorded schema leaves the system columns out.
   */
  public static StructType readSchema(SparkSession spark, String location, DatasetCreateRequest request) {
    InputFiles.Format format = InputFiles.Format.ofName(request.fileDescription().format()).orElseThrow();
    StructType schema;
    try {
      schema = InputFiles.read(spark, location, format, location).schema();
    } catch (ProfileExportException e) {
      throw e;
    } catch (Exception e) {  // Scala code throws checked SparkExceptions undeclared
      throw ExportErrors.unreadableInput(location, ExportErrors.rootMessage(e), e);
    }
    String column = request.ingestTimeColumn();
    if (schema.getFieldIndex(column).isEmpty()) {
      throw ExportErrors.badRequest("$.ingestTimeColumn", column, "no such top-level column in the data at "
          + location + "; its columns are " + String.join(", ", schema.fieldNames()));
    }
    DataType type = schema.apply(column).dataType();
    if (!DataTimestamps.isSupported(type)) {
      throw ExportErrors.badRequest("$.ingestTimeColumn", column, "must hold epoch milliseconds, RFC 3339 text or"
          + " timestamps, found " + type.simpleString());
    }
    return schema;
  }

  /**
   * The schema recorded for the dataset: the data's, ingest time column included (JSON data is read back with it),
   * {@code _acp_system_metadata} left out (an external dataset's ingest times come from its column).
   */
  public static StructType recordedSchema(StructType full) {
    return new StructType(Arrays.stream(full.fields())
        .filter(f -> !f.name().equals(InputFiles.SYSTEM_METADATA))
        .toArray(StructField[]::new));
  }
}
