package io.profileexport.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.lake.Ids;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The body of {@code datasets create} / {@code POST /dataSets}, checked whole. The Catalog's create body is accepted
 * with {@code tags.unifiedProfile} or a plain {@code profileEnabled}; external data is declared with
 * {@code location} (Parquet or JSON) and its {@code ingestTimeColumn}.
 */
public record DatasetCreateRequest(
    Optional<String> id,
    String name,
    String description,
    DatasetRecord.SchemaRef schemaRef,
    DatasetRecord.FileDescription fileDescription,
    boolean profileEnabled,
    Map<String, List<String>> tags,
    String location,
    String ingestTimeColumn) {

  private static final Set<String> MEMBERS = Set.of("id", "name", "description", "schemaRef", "fileDescription",
      "tags", "profileEnabled", "location", "ingestTimeColumn");
  private static final List<String> DESTINATION_FORMATS = List.of("parquet", "delta", "json");
  private static final List<String> EXTERNAL_FORMATS = List.of("parquet", "json");

  public DatasetClass datasetClass() {
    return DatasetClass.ofSchemaId(schemaRef.id()).orElseThrow();
  }

  /** @param qualifiedLocation the external location made absolute, or null */
  public DatasetRecord toRecord(String datasetId, long now, String qualifiedLocation, JsonNode schema) {
    return new DatasetRecord(datasetId, name, description, schemaRef, fileDescription, profileEnabled, tags, now, now,
        qualifiedLocation, ingestTimeColumn, schema);
  }

  public static DatasetCreateRequest parse(JsonNode body) {
    DocumentCheck check = new DocumentCheck();
    String root = "$";
    if (body == null || !body.isObject()) {
      throw ExportErrors.badRequest(root, body, "the dataset document must be a JSON object");
    }
    check.onlyKeys(body, root, MEMBERS);
    Optional<String> id = check.string(body, "id", root, false);
    if (id.isPresent() && !Ids.isDataset(id.get())) {
      check.problem(ExportErrors.invalidId("$.id", "dataset", id.get(), Ids.DATASET_FORM));
      id = Optional.empty();
    }
    String name = check.nonEmptyString(body, "name", root, true).orElse(null);
    String description = check.string(body, "description", root, false).orElse(null);

    DatasetRecord.SchemaRef schemaRef = null;
    DatasetClass cls = null;
    Optional<ObjectNode> ref = check.object(body, "schemaRef", root, true);
    if (ref.isPresent()) {
      check.onlyKeys(ref.get(), "$.schemaRef", List.of("id", "contentType"));
      Optional<String> schemaId = check.string(ref.get(), "id", "$.schemaRef", true);
      String contentType = check.string(ref.get(), "contentType", "$.schemaRef", false).orElse(null);
      if (schemaId.isPresent()) {
        cls = DatasetClass.ofSchemaId(schemaId.get()).orElse(null);
        if (cls == null) {
          check.problem("$.schemaRef.id", ref.get().get("id"), "unknown class; expected one of "
              + DatasetClass.PROFILE.schemaId() + ", " + DatasetClass.EXPERIENCE_EVENT.schemaId() + ", "
              + DatasetClass.PROFILE_UNION.schemaId());
        } else {
          schemaRef = new DatasetRecord.SchemaRef(schemaId.get(), contentType);
        }
      }
    }

    String location = check.nonEmptyString(body, "location", root, false).orElse(null);
    String ingestTimeColumn = check.nonEmptyString(body, "ingestTimeColumn", root, false).orElse(null);

    String format = null;
    String containerFormat = null;
    Boolean persisted = null;
    Optional<ObjectNode> fd = check.object(body, "fileDescription", root, false);
    if (fd.isPresent()) {
      check.onlyKeys(fd.get(), "$.fileDescription", List.of("format", "containerFormat", "persisted"));
      format = check.string(fd.get(), "format", "$.fileDescription", false).orElse(null);
      containerFormat = check.string(fd.get(), "containerFormat", "$.fileDescription", false).orElse(null);
      persisted = check.bool(fd.get(), "persisted", "$.fileDescription", false).orElse(null);
    }
    String effectiveFormat = format == null ? "parquet" : format;
    if (cls == DatasetClass.PROFILE_UNION) {
      if (!DESTINATION_FORMATS.contains(effectiveFormat)) {
        check.problem("$.fileDescription.format", fd.get().get("format"),
            "unknown destination format; expected parquet, delta or json");
      }
      if (location != null) {
        check.problem("$.location", body.get("location"), "an export destination cannot have an external location");
      }
      if (ingestTimeColumn != null) {
        check.problem("$.ingestTimeColumn", body.get("ingestTimeColumn"),
            "only a dataset with an external location has an ingestTimeColumn");
      }
    } else if (cls != null) {
      if (location == null && !"parquet".equals(effectiveFormat)) {
        check.problem("$.fileDescription.format", fd.get().get("format"),
            "batches of input datasets are stored as parquet; declare a location to read external json data");
      }
      if (location != null && !EXTERNAL_FORMATS.contains(effectiveFormat)) {
        check.problem("$.fileDescription.format", fd.get().get("format"),
            "unknown format of external data; expected parquet or json");
      }
      if (location != null && ingestTimeColumn == null) {
        check.problem("$.ingestTimeColumn", null, "required with location: the column holding each record's ingest"
            + " time (epoch ms, RFC 3339 string or timestamp)");
      }
      if (location == null && ingestTimeColumn != null) {
        check.problem("$.ingestTimeColumn", body.get("ingestTimeColumn"),
            "only a dataset with an external location has an ingestTimeColumn");
      }
    }

    Map<String, List<String>> tags = null;
    Optional<Boolean> enabledByTag = Optional.empty();
    Optional<ObjectNode> tagsNode = check.object(body, "tags", root, false);
    if (tagsNode.isPresent()) {
      tags = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = tagsNode.get().fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> tag = it.next();
        String tagPath = DocumentCheck.child("$.tags", tag.getKey());
        if (!tag.getValue().isArray()) {
          check.problem(tagPath, tag.getValue(), "a tag must be an array of strings");
          continue;
        }
        List<String> values = new ArrayList<>();
        ArrayNode arr = (ArrayNode) tag.getValue();
        for (int i = 0; i < arr.size(); i++) {
          if (!arr.get(i).isTextual()) {
            check.problem(DocumentCheck.element(tagPath, i), arr.get(i), "a tag value must be a string");
          } else {
            values.add(arr.get(i).textValue());
          }
        }
        tags.put(tag.getKey(), List.copyOf(values));
        if (tag.getKey().equals("unifiedProfile")) {
          if (values.contains("enabled:true")) {
            enabledByTag = Optional.of(true);
          } else if (values.contains("enabled:false")) {
            enabledByTag = Optional.of(false);
          }
        }
      }
    }
    Optional<Boolean> enabled = check.bool(body, "profileEnabled", root, false);
    if (enabled.isPresent() && enabledByTag.isPresent() && !enabled.get().equals(enabledByTag.get())) {
      check.problem("$.profileEnabled", body.get("profileEnabled"), "contradicts tags.unifiedProfile");
    }
    boolean profileEnabled = enabled.isPresent() ? enabled.get() : enabledByTag.orElse(false);
    if (profileEnabled && cls == DatasetClass.PROFILE_UNION) {
      check.problem("$.profileEnabled", null, "an export destination cannot be enabled for profile: destinations"
          + " are never read back as input");
    }
    check.throwIfAny();
    return new DatasetCreateRequest(id, name, description, schemaRef,
        new DatasetRecord.FileDescription(effectiveFormat, containerFormat == null ? effectiveFormat : containerFormat,
            persisted == null ? Boolean.TRUE : persisted),
        profileEnabled, tags, location, ingestTimeColumn);
  }
}
