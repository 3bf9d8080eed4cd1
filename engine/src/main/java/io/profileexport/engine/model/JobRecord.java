package io.profileexport.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.error.FailureCode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An export job record, {@code jobs/<id>.json}, in the public API's shape (SPEC 4.1): the request's members echoed
 * as sent except the resolved {@code mergePolicy} and the {@code destination} with its batch ids. Kept as a JSON tree
 * so the echo is exact; every change returns a new record.
 */
public final class JobRecord {
  public enum Status {
    NEW, PROCESSING, SUCCEEDED, FAILED, CANCELLED;

    public boolean isTerminal() {
      return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
  }

  public static final String PROFILE_INSTANCE_ID = "ups";
  /** This engine's extension: the epoch of the driver lease under which the record was last written. */
  public static final String LEASE_EPOCH = "leaseEpoch";

  private final ObjectNode node;

  private JobRecord(ObjectNode node) {
    this.node = node;
  }

  public static JobRecord of(JsonNode node) {
    if (!(node instanceof ObjectNode object) || !node.path("id").canConvertToLong()) {
      throw new IllegalArgumentException("not a job record: no integer id");
    }
    Status.valueOf(node.path("status").asText());
    return new JobRecord(object.deepCopy());
  }

  /**
   * A NEW record for a validated request.
   *
   * @param batchIds one batch id, or one per segment in request order when {@code segmentPerBatch}
   */
  public static JobRecord newJob(long id, ExportRequest request, MergePolicy policy, List<String> batchIds,
      String requestId, String imsOrgId, long now) {
    ObjectNode doc = request.document();
    ObjectNode out = Json.object();
    out.put("id", id);
    out.put("jobType", "BATCH");
    out.put("status", Status.NEW.name());
    if (doc.has("fields")) {
      out.set("fields", doc.get("fields").deepCopy());
    }
    ObjectNode mp = out.putObject("mergePolicy");
    mp.put("id", policy.id());
    mp.put("version", policy.version());
    if (doc.has("filter")) {
      out.set("filter", doc.get("filter").deepCopy());
    }
    if (doc.has("additionalFields")) {
      out.set("additionalFields", doc.get("additionalFields").deepCopy());
    }
    ObjectNode destination = out.putObject("destination");
    destination.put("datasetId", request.destinationDatasetId());
    destination.put("segmentPerBatch", request.segmentPerBatch());
    if (request.segmentPerBatch()) {
      ArrayNode batches = destination.putArray("batches");
      for (int i = 0; i < request.segments().size(); i++) {
        ExportRequest.SegmentFilter s = request.segments().get(i);
        ObjectNode b = batches.addObject();
        b.put("segmentId", s.segmentId());
        b.put("segmentNs", s.segmentNs());
        ArrayNode status = b.putArray("status");
        s.status().forEach(status::add);
        b.put("batchId", batchIds.get(i));
      }
    } else {
      destination.put("batchId", batchIds.get(0));
    }
    if (doc.has("schema")) {
      out.set("schema", doc.get("schema").deepCopy());
    }
    out.putObject("metrics").putObject("totalTime").put("startTimeInMs", now);
    out.put("requestId", requestId);
    out.put("profileInstanceId", PROFILE_INSTANCE_ID);
    out.put("imsOrgId", imsOrgId);
    out.putObject("computeGatewayJobId");
    out.put("creationTime", now);
    out.put("updateTime", now);
    out.put(LEASE_EPOCH, 0);
    return new JobRecord(out);
  }

  public ObjectNode json() {
    return node.deepCopy();
  }

  public long id() {
    return node.get("id").asLong();
  }

  public Status status() {
    return Status.valueOf(node.get("status").asText());
  }

  public long creationTime() {
    return node.get("creationTime").asLong();
  }

  public long updateTime() {
    return node.get("updateTime").asLong();
  }

  public long leaseEpoch() {
    return node.path(LEASE_EPOCH).asLong(0);
  }

  public String destinationDatasetId() {
    return node.path("destination").path("datasetId").asText();
  }

  /** The batch ids of the job, in request order; assigned at creation, never changed. */
  public List<String> batchIds() {
    JsonNode destination = node.path("destination");
    List<String> ids = new ArrayList<>();
    if (destination.has("batches")) {
      destination.get("batches").forEach(b -> ids.add(b.get("batchId").asText()));
    } else {
      ids.add(destination.path("batchId").asText());
    }
    return ids;
  }

  /** The request to re-validate when the job runs: the echoed members, with the resolved policy. */
  public ObjectNode requestDocument() {
    ObjectNode out = Json.object();
    for (String member : List.of("fields", "mergePolicy", "filter", "additionalFields", "schema")) {
      if (node.has(member)) {
        out.set(member, node.get(member).deepCopy());
      }
    }
    ObjectNode destination = out.putObject("destination");
    destination.put("datasetId", destinationDatasetId());
    destination.put("segmentPerBatch", node.path("destination").path("segmentPerBatch").asBoolean(false));
    return out;
  }

  public Optional<JsonNode> errors() {
    return Optional.ofNullable(node.get("errors"));
  }

  public JsonNode metrics() {
    return node.path("metrics");
  }

  /** The cursor of SPEC 4.7: {@code "{creationTimeMs}_{id}"}. */
  public String cursor() {
    return creationTime() + "_" + id();
  }

  // ---- changes, each returning a new record

  public JobRecord withStatus(Status status, long now, long leaseEpoch) {
    ObjectNode out = node.deepCopy();
    out.put("status", status.name());
    out.put("updateTime", now);
    out.put(LEASE_EPOCH, leaseEpoch);
    if (status.isTerminal()) {
      ObjectNode total = objectMember(metricsOf(out), "totalTime");
      total.put("endTimeInMs", now);
      total.put("totalTimeInMs", now - total.path("startTimeInMs").asLong(creationTime()));
    }
    return new JobRecord(out);
  }

  /**
   * Back to PROCESSING for a run (SPEC 4.3): id, creation time and batch ids stay; errors and every metric but
   * {@code totalTime.startTimeInMs} are cleared.
   */
  public JobRecord startedRun(long now, long leaseEpoch, String sparkApplicationId) {
    ObjectNode out = node.deepCopy();
    out.remove("errors");
    long start = out.path("metrics").path("totalTime").path("startTimeInMs").asLong(creationTime());
    ObjectNode metrics = out.putObject("metrics");
    metrics.putObject("totalTime").put("startTimeInMs", start);
    out.putObject("computeGatewayJobId").put("exportJob", sparkApplicationId);
    out.put("status", Status.PROCESSING.name());
    out.put("updateTime", now);
    out.put(LEASE_EPOCH, leaseEpoch);
    return new JobRecord(out);
  }

  public JobRecord failed(FailureCode code, String message, String callStack, long now, long leaseEpoch) {
    JobRecord terminal = withStatus(Status.FAILED, now, leaseEpoch);
    ObjectNode out = terminal.node;
    ArrayNode errors = out.putArray("errors");
    ObjectNode e = errors.addObject();
    e.put("code", code.name());
    e.put("msg", message);
    e.put("callStack", callStack);
    return terminal;
  }

  /** Sets {@code metrics.<name>} to a {@code {startTimeInMs, endTimeInMs, totalTimeInMs}} span. */
  public JobRecord withSpan(String name, long start, long end) {
    ObjectNode out = node.deepCopy();
    ObjectNode span = metricsOf(out).putObject(name);
    span.put("startTimeInMs", start);
    span.put("endTimeInMs", end);
    span.put("totalTimeInMs", end - start);
    return new JobRecord(out);
  }

  /** Merges {@code values} into {@code metrics} (top-level counters and {@code extensions}). */
  public JobRecord withMetrics(ObjectNode values) {
    ObjectNode out = node.deepCopy();
    ObjectNode metrics = metricsOf(out);
    for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      metrics.set(e.getKey(), e.getValue().deepCopy());
    }
    return new JobRecord(out);
  }

  private static ObjectNode metricsOf(ObjectNode record) {
    return objectMember(record, "metrics");
  }

  private static ObjectNode objectMember(ObjectNode parent, String name) {
    JsonNode existing = parent.get(name);
    return existing instanceof ObjectNode o ? o : parent.putObject(name);
  }

  /** Records are equal when their JSON texts are: Jackson's node equality tells an int from a long. */
  @Override
  public boolean equals(Object o) {
    return o instanceof JobRecord other && other.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  @Override
  public String toString() {
    return Json.compact(node);
  }
}
