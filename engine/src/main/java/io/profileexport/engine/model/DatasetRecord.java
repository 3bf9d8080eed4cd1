package io.profileexport.engine.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * A Catalog dataset record, {@code datasets/<id>/_dataset.json} (SPEC 1). {@code schema} is Spark's JSON form of the
 * data's schema without system columns, widened as batches arrive; it is null until the first batch (or, for an
 * external {@code location}, is read at creation).
 */
@JsonPropertyOrder({"id", "name", "description", "schemaRef", "fileDescription", "profileEnabled", "tags", "created", "updated",
    "location", "ingestTimeColumn", "schema"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetRecord(
    String id,
    String name,
    String description,
    SchemaRef schemaRef,
    FileDescription fileDescription,
    boolean profileEnabled,
    Map<String, List<String>> tags,
    long created,
    long updated,
    String location,
    String ingestTimeColumn,
    JsonNode schema) {

  @JsonPropertyOrder({"id", "contentType"})
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SchemaRef(String id, String contentType) {}

  @JsonPropertyOrder({"format", "containerFormat", "persisted"})
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FileDescription(String format, String containerFormat, Boolean persisted) {}

  @JsonIgnore
  public DatasetClass datasetClass() {
    return DatasetClass.ofSchemaId(schemaRef.id())
        .orElseThrow(() -> new IllegalStateException("dataset " + id + " has unknown class " + schemaRef.id()));
  }

  /** The destination format ({@code parquet}, {@code delta} or {@code json}); input data is always Parquet. */
  @JsonIgnore
  public String format() {
    return fileDescription == null || fileDescription.format() == null ? "parquet" : fileDescription.format();
  }

  @JsonIgnore
  public Optional<StructType> sparkSchema() {
    if (schema == null || schema.isNull()) {
      return Optional.empty();
    }
    return Optional.of((StructType) DataType.fromJson(Json.compact(schema)));
  }

  /**
   * The recorded schema without system columns ({@code _acp_system_metadata}, the {@code ingestTimeColumn}): what
   * the dataset contributes to its class's union schema.
   */
  @JsonIgnore
  public Optional<StructType> dataSchema() {
    return sparkSchema().map(s -> new StructType(java.util.Arrays.stream(s.fields())
        .filter(f -> !f.name().equals("_acp_system_metadata") && !f.name().equals(ingestTimeColumn))
        .toArray(org.apache.spark.sql.types.StructField[]::new)));
  }

  public DatasetRecord withSchema(StructType newSchema, long now) {
    return new DatasetRecord(id, name, description, schemaRef, fileDescription, profileEnabled, tags, created, now, location,
        ingestTimeColumn, schemaJson(newSchema));
  }

  public static JsonNode schemaJson(StructType schema) {
    try {
      return Json.MAPPER.readTree(schema.json());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @JsonIgnore
  public boolean isExternal() {
    return location != null;
  }
}
