package io.profileexport.engine.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * An export job request (SPEC 2) after its document was checked: defaults applied, times as epoch milliseconds
 * truncated to the millisecond. {@code document} is the request exactly as sent, echoed on the job record.
 */
public record ExportRequest(
    Optional<String> fields,
    Optional<PolicyRef> mergePolicy,
    List<SegmentFilter> segments,
    Optional<Long> qualificationStartMs,
    Optional<Long> qualificationEndMs,
    Optional<Long> fromIngestTimestampMs,
    boolean emptyProfiles,
    Optional<EventList> eventList,
    String destinationDatasetId,
    boolean segmentPerBatch,
    ObjectNode document) {

  public static final String DEFAULT_SEGMENT_NS = "ups";
  public static final List<String> DEFAULT_STATUS = List.of("realized", "existing");
  public static final List<String> STATUSES = List.of("realized", "existing", "exited");
  public static final String SCHEMA_NAME = "_xdm.context.profile";

  /** {@code mergePolicy} of the request; an omitted version means the current one. */
  public record PolicyRef(String id, Optional<Integer> version) {}

  /** One entry of {@code filter.segments} with its effective namespace and statuses. */
  public record SegmentFilter(String segmentId, String segmentNs, List<String> status) {}

  /** {@code additionalFields.eventList}: bounds are exclusive, both optional. */
  public record EventList(Optional<String> fields, Optional<Long> fromIngestTimestampMs,
      Optional<Long> toIngestTimestampMs, Optional<Integer> maxEventsPerProfile) {}

  public boolean hasSegments() {
    return !segments.isEmpty();
  }
}
