package io.profileexport.engine.select;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.merge.XdmMaps;
import io.profileexport.engine.model.ExportRequest;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/**
 * The filters of SPEC 3.7 on merged profiles, before projection: update time strictly after
 * {@code fromIngestTimestamp}; with segments, at least one listed segment whose merged membership exists, has a listed
 * status and qualified in {@code [startTime, endTime)}. Namespaces, and (docs/decisions.md) statuses, compare
 * case-insensitively.
 */
public final class ProfileFilter {
  private ProfileFilter() {}

  public static Column condition(ExportRequest request, StructType union) {
    Column keep = lit(true);
    if (request.fromIngestTimestampMs().isPresent()) {
      keep = keep.and(col(SystemColumns.UPDATE_TIME).gt(lit(request.fromIngestTimestampMs().get())));
    }
    if (request.hasSegments()) {
      keep = keep.and(anySegment(request, union));
    }
    return keep;
  }

  /**
   * A condition on one record (fragment) that at least one fragment of every profile the filters keep meets, so that
   * profiles none of whose fragments meet it can be left out before they are merged; empty when the request keeps
   * every profile. With segments: the record itself has a matching membership entry, because the merged entry of a
   * (namespace, segment) is one fragment's entry taken whole (SPEC 3.4). Else, with {@code fromIngestTimestamp}: the
   * record's ingest time is after it, because a profile's update time is its latest fragment's ingest time. A null
   * result counts as false, as it does for the filters. Empty with {@code emptyProfiles}, whose profiles without
   * records no record condition can speak for.
   */
  public static Optional<Column> fragmentCondition(ExportRequest request, StructType union) {
    if (request.emptyProfiles()) {
      return Optional.empty();
    }
    if (request.hasSegments()) {
      return Optional.of(anySegment(request, union));
    }
    if (request.fromIngestTimestampMs().isPresent()) {
      return Optional.of(col(SystemColumns.INGEST_TIME).gt(lit(request.fromIngestTimestampMs().get())));
    }
    return Optional.empty();
  }

  /**
   * {@code union} with the entries of its {@code segmentMembership} cut down to what {@link #fragmentCondition} reads
   * of them: {@code status}, and {@code lastQualificationTime} only when the request has a qualification window.
   * Read with it, the pass that marks the records meeting the condition does not decode the times, which are most of
   * a record's bytes in many lakes; the condition must then be made from the same cut union.
   */
  public static StructType markingOnly(ExportRequest request, StructType union) {
    boolean window = request.qualificationStartMs().isPresent() || request.qualificationEndMs().isPresent();
    return XdmMaps.withMembershipEntries(union,
        name -> name.equals("status") || (window && name.equals("lastQualificationTime")));
  }

  /**
   * Whether the segment memberships in the row match one requested segment ({@link SegmentMatcher}); texts of
   * {@code lastQualificationTime} without an offset are read in the session's time zone.
   */
  private static Column anySegment(ExportRequest request, StructType union) {
    Optional<StructType> membership = membershipType(union);
    if (membership.isEmpty() || membership.get().getFieldIndex("status").isEmpty()
        || !(membership.get().apply("status").dataType() instanceof StringType)) {
      return lit(false);  // no status can be one of the request's
    }
    return SegmentMatcher.column(col(XdmMaps.SEGMENT_MEMBERSHIP), request.segments(),
        request.qualificationStartMs(), request.qualificationEndMs(), membership.get(),
        SQLConf.get().sessionLocalTimeZone());
  }

  private static Optional<StructType> membershipType(StructType union) {
    if (union.getFieldIndex(XdmMaps.SEGMENT_MEMBERSHIP).isEmpty()) {
      return Optional.empty();
    }
    DataType t = union.apply(XdmMaps.SEGMENT_MEMBERSHIP).dataType();
    // Namespaces and segment ids are texts (SPEC 1); a map keyed otherwise names no requested segment.
    if (t instanceof MapType ns && ns.keyType() instanceof StringType && ns.valueType() instanceof MapType segments
        && segments.keyType() instanceof StringType && segments.valueType() instanceof StructType entry) {
      return Optional.of(entry);
    }
    return Optional.empty();
  }
}
