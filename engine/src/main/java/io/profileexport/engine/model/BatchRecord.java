package io.profileexport.engine.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * A batch record, {@code datasets/<ds>/batches/<id>/_batch.json}: the batch's manifest and its commit marker, written
 * last (SPEC 1). A batch is visible only when this file exists with status {@code success}.
 */
@JsonPropertyOrder({"id", "status", "created", "started", "completed", "recordCount", "size", "files", "schema",
    "relatedObjects", "segment"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchRecord(
    String id,
    String status,
    long created,
    long started,
    long completed,
    long recordCount,
    long size,
    List<FileEntry> files,
    JsonNode schema,
    List<RelatedObject> relatedObjects,
    SegmentRef segment) {

  public static final String SUCCESS = "success";
  public static final String FAILED = "failed";

  @JsonPropertyOrder({"name", "records", "size"})
  public record FileEntry(String name, long records, long size) {}

  @JsonPropertyOrder({"type", "id"})
  public record RelatedObject(String type, String id) {}

  /** The effective segment of a per-segment batch. */
  @JsonPropertyOrder({"segmentId", "segmentNs", "status"})
  public record SegmentRef(String segmentId, String segmentNs, List<String> status) {}

  @JsonIgnore
  public boolean isVisible() {
    return SUCCESS.equals(status);
  }

  @JsonIgnore
  public Optional<String> datasetId() {
    return related("dataSet");
  }

  @JsonIgnore
  public Optional<String> exportJobId() {
    return related("exportJob");
  }

  private Optional<String> related(String type) {
    return relatedObjects == null ? Optional.empty()
        : relatedObjects.stream().filter(r -> type.equals(r.type())).map(RelatedObject::id).findFirst();
  }

  @JsonIgnore
  public StructType sparkSchema() {
    return (StructType) DataType.fromJson(Json.compact(schema));
  }

  public BatchRecord withStatus(String newStatus) {
    return new BatchRecord(id, newStatus, created, started, completed, recordCount, size, files, schema,
        relatedObjects, segment);
  }
}
