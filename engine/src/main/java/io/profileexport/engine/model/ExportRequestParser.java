package io.profileexport.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks the shape of an export request document (SPEC 2): members, types, required members, enums, times and the
 * rules between members. Everything that needs the lake (datasets, policies, field paths) is checked by
 * {@code ExportPlanner}; both report into one {@link DocumentCheck}, so a user sees every problem at once.
 */
public final class ExportRequestParser {
  private static final List<String> ROOT = List.of("fields", "mergePolicy", "filter", "additionalFields",
      "destination", "schema");

  private ExportRequestParser() {}

  /** The request, or empty when the document is not an object at all (problems are in {@code check}). */
  public static Optional<ExportRequest> parse(JsonNode doc, DocumentCheck check) {
    if (doc == null || !doc.isObject()) {
      check.problem("$", doc, "the request must be a JSON object");
      return Optional.empty();
    }
    ObjectNode root = (ObjectNode) doc;
    check.onlyKeys(root, "$", ROOT);

    Optional<String> fields = check.string(root, "fields", "$", false);

    Optional<ExportRequest.PolicyRef> policy = check.object(root, "mergePolicy", "$", false).flatMap(mp -> {
      check.onlyKeys(mp, "$.mergePolicy", List.of("id", "version"));
      Optional<String> id = check.nonEmptyString(mp, "id", "$.mergePolicy", true);
      Optional<Integer> version = check.integer(mp, "version", "$.mergePolicy", false, 1, Integer.MAX_VALUE)
          .map(Long::intValue);
      return id.map(i -> new ExportRequest.PolicyRef(i, version));
    });

    List<ExportRequest.SegmentFilter> segments = new ArrayList<>();
    Optional<Long> start = Optional.empty();
    Optional<Long> end = Optional.empty();
    Optional<Long> fromIngest = Optional.empty();
    boolean emptyProfiles = false;
    boolean segmentsGiven = false;
    boolean windowGiven = false;
    Optional<ObjectNode> filter = check.object(root, "filter", "$", false);
    if (filter.isPresent()) {
      ObjectNode f = filter.get();
      check.onlyKeys(f, "$.filter", List.of("segments", "segmentQualificationTime", "fromIngestTimestamp",
          "emptyProfiles"));
      Optional<ArrayNode> segs = check.array(f, "segments", "$.filter", false);
      segmentsGiven = segs.isPresent();
      segs.ifPresent(arr -> {
        if (arr.isEmpty()) {
          check.problem("$.filter.segments", arr, "must list at least one segment (omit it to export every profile)");
        }
        for (int i = 0; i < arr.size(); i++) {
          segment(arr.get(i), DocumentCheck.element("$.filter.segments", i), check).ifPresent(segments::add);
        }
      });
      Optional<ObjectNode> window = check.object(f, "segmentQualificationTime", "$.filter", false);
      windowGiven = window.isPresent();
      if (window.isPresent()) {
        String path = "$.filter.segmentQualificationTime";
        check.onlyKeys(window.get(), path, List.of("startTime", "endTime"));
        start = time(window.get(), "startTime", path, check);
        end = time(window.get(), "endTime", path, check);
        if (start.isPresent() && end.isPresent() && start.get() >= end.get()) {
          check.problem(path, window.get(), "endTime must be after startTime");
        }
        if (!window.get().has("startTime") && !window.get().has("endTime")) {
          check.problem(path, window.get(), "give startTime, endTime or both");
        }
      }
      fromIngest = time(f, "fromIngestTimestamp", "$.filter", check);
      emptyProfiles = check.bool(f, "emptyProfiles", "$.filter", false).orElse(false);
    }
    if (windowGiven && !segmentsGiven) {
      check.problem("$.filter.segmentQualificationTime", filter.get().get("segmentQualificationTime"),
          "a qualification time window needs filter.segments");
    }

    Optional<ExportRequest.EventList> eventList = check.object(root, "additionalFields", "$", false)
        .flatMap(af -> {
          check.onlyKeys(af, "$.additionalFields", List.of("eventList"));
          return check.object(af, "eventList", "$.additionalFields", true).map(el -> eventList(el, check));
        });

    String datasetId = null;
    boolean segmentPerBatch = false;
    Optional<ObjectNode> destination = check.object(root, "destination", "$", true);
    if (destination.isPresent()) {
      ObjectNode d = destination.get();
      check.onlyKeys(d, "$.destination", List.of("datasetId", "dataSetId", "segmentPerBatch"));
      Optional<String> a = check.nonEmptyString(d, "datasetId", "$.destination", false);
      Optional<String> b = check.nonEmptyString(d, "dataSetId", "$.destination", false);
      if (a.isPresent() && b.isPresent()) {
        check.problem("$.destination.dataSetId", d.get("dataSetId"), "give the destination once, as datasetId");
      } else if (!d.has("datasetId") && !d.has("dataSetId")) {
        check.problem("$.destination.datasetId", null, "required member is missing");
      }
      datasetId = a.or(() -> b).orElse(null);
      segmentPerBatch = check.bool(d, "segmentPerBatch", "$.destination", false).orElse(false);
      if (segmentPerBatch && !segmentsGiven) {
        check.problem("$.destination.segmentPerBatch", d.get("segmentPerBatch"),
            "one batch per segment needs filter.segments");
      }
    }

    Optional<ObjectNode> schema = check.object(root, "schema", "$", true);
    schema.ifPresent(s -> {
      check.onlyKeys(s, "$.schema", List.of("name"));
      check.string(s, "name", "$.schema", true).ifPresent(name -> {
        if (!ExportRequest.SCHEMA_NAME.equals(name)) {
          check.problem("$.schema.name", s.get("name"), "must be " + ExportRequest.SCHEMA_NAME);
        }
      });
    });

    // Returned even when parts are wrong, so the lake-level checks still run and every problem is reported at once;
    // a caller must not use a request parsed with problems.
    return Optional.of(new ExportRequest(fields, policy, List.copyOf(segments), start, end, fromIngest, emptyProfiles,
        eventList, datasetId, segmentPerBatch, root.deepCopy()));
  }

  private static Optional<ExportRequest.SegmentFilter> segment(JsonNode node, String path, DocumentCheck check) {
    if (!node.isObject()) {
      check.problem(path, node, "a segment must be an object with segmentId, segmentNs and status");
      return Optional.empty();
    }
    check.onlyKeys(node, path, List.of("segmentId", "segmentNs", "status"));
    Optional<String> id = check.nonEmptyString(node, "segmentId", path, true);
    String ns = check.nonEmptyString(node, "segmentNs", path, false).orElse(ExportRequest.DEFAULT_SEGMENT_NS);
    List<String> status = new ArrayList<>(ExportRequest.DEFAULT_STATUS);
    Optional<ArrayNode> given = check.array(node, "status", path, false);
    if (given.isPresent()) {
      status.clear();
      ArrayNode arr = given.get();
      if (arr.isEmpty()) {
        check.problem(path + ".status", arr, "must list at least one of realized, existing, exited");
      }
      for (int i = 0; i < arr.size(); i++) {
        JsonNode s = arr.get(i);
        if (!s.isTextual() || !ExportRequest.STATUSES.contains(s.textValue())) {
          check.problem(DocumentCheck.element(path + ".status", i), s, "must be one of realized, existing, exited"
              + (s.isTextual() && ExportRequest.STATUSES.contains(s.textValue().toLowerCase(Locale.ROOT))
              ? " (lowercase)" : ""));
        } else if (!status.contains(s.textValue())) {
          status.add(s.textValue());
        }
      }
    }
    return id.map(i -> new ExportRequest.SegmentFilter(i, ns, List.copyOf(status)));
  }

  private static ExportRequest.EventList eventList(ObjectNode el, DocumentCheck check) {
    String path = "$.additionalFields.eventList";
    check.onlyKeys(el, path, List.of("fields", "filter", "maxEventsPerProfile"));
    Optional<String> fields = check.string(el, "fields", path, false);
    Optional<Long> from = Optional.empty();
    Optional<Long> to = Optional.empty();
    Optional<ObjectNode> filter = check.object(el, "filter", path, false);
    if (filter.isPresent()) {
      check.onlyKeys(filter.get(), path + ".filter", List.of("fromIngestTimestamp", "toIngestTimestamp"));
      from = time(filter.get(), "fromIngestTimestamp", path + ".filter", check);
      to = time(filter.get(), "toIngestTimestamp", path + ".filter", check);
      if (from.isPresent() && to.isPresent() && from.get() >= to.get()) {
        check.problem(path + ".filter", filter.get(), "toIngestTimestamp must be after fromIngestTimestamp");
      }
    }
    Optional<Integer> max = check.integer(el, "maxEventsPerProfile", path, false, 1, Integer.MAX_VALUE)
        .map(Long::intValue);
    return new ExportRequest.EventList(fields, from, to, max);
  }

  /** An RFC 3339 time as epoch milliseconds, truncated to the millisecond (SPEC 2). */
  private static Optional<Long> time(JsonNode parent, String key, String path, DocumentCheck check) {
    return check.string(parent, key, path, false).flatMap(text -> {
      Optional<Long> ms = parseRfc3339(text);
      if (ms.isEmpty()) {
        check.problem(DocumentCheck.child(path, key), parent.get(key),
            "not an RFC 3339 time such as 2019-09-01T00:00:00Z or 2018-10-25T13:22:04-07:00");
      }
      return ms;
    });
  }

  public static Optional<Long> parseRfc3339(String text) {
    try {
      // RFC 3339 allows lower-case 't' and 'z'; it requires an offset, which ISO_OFFSET_DATE_TIME enforces.
      OffsetDateTime t = OffsetDateTime.parse(text.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME);
      return Optional.of(t.toInstant().toEpochMilli());
    } catch (DateTimeParseException | ArithmeticException e) {
      return Optional.empty();
    }
  }
}
