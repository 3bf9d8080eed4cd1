package io.profileexport.engine.select;

import io.profileexport.engine.ColumnarTexts;
import io.profileexport.engine.InternalRowFrames;
import io.profileexport.engine.merge.DataTimestamps;
import io.profileexport.engine.model.ExportRequest;
import java.io.Serializable;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Whether a {@code segmentMembership} map (namespace, then segment id, to an entry) holds an entry matching one of
 * the requested segments (SPEC 3.7): namespace equal ignoring case, the segment id, a non-null entry whose status is
 * one of the segment's (ignoring case) and, with a qualification window, whose {@code lastQualificationTime} is in
 * {@code [start, end)}. Every entry is looked at, as the merge looks at them, so a map with a key twice (possible in
 * Parquet written elsewhere) is read alike by both.
 *
 * <p>It runs as Java inside Spark's generated code ({@link #column}): the same test written with {@code exists} over
 * {@code map_entries} is interpreted row by row (higher-order functions have no generated code), which made it a
 * fifth of the scan that marks the records meeting the filters before stitching.
 */
public final class SegmentMatcher implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Per requested segment: its namespace lower-cased as Spark's {@code lower} would, its id and statuses. */
  private final UTF8String[] namespaces;
  private final UTF8String[] segmentIds;
  private final UTF8String[][] statuses;
  private final Long start;
  private final Long end;
  private final int entryFields;
  private final int statusIdx;
  private final int timeIdx;
  private final DataType timeType;
  private final String timeZone;
  private transient ZoneId zone;
  /** The map's texts, read without copying dictionary entries again and again ({@link ColumnarTexts}). */
  private transient ColumnarTexts namespaceTexts;
  private transient ColumnarTexts segmentTexts;
  private transient ColumnarTexts statusTexts;
  /** The last status read and its lower case: with {@link #statusTexts}, the same text for most rows. */
  private transient UTF8String lastStatus;
  private transient UTF8String lastStatusLowered;

  private SegmentMatcher(List<ExportRequest.SegmentFilter> segments, Optional<Long> start, Optional<Long> end,
      StructType entry, String timeZone) {
    int n = segments.size();
    namespaces = new UTF8String[n];
    segmentIds = new UTF8String[n];
    statuses = new UTF8String[n][];
    for (int i = 0; i < n; i++) {
      ExportRequest.SegmentFilter segment = segments.get(i);
      namespaces[i] = UTF8String.fromString(segment.segmentNs().toLowerCase(Locale.ROOT));
      segmentIds[i] = UTF8String.fromString(segment.segmentId());
      statuses[i] = segment.status().stream().map(UTF8String::fromString).toArray(UTF8String[]::new);
    }
    this.start = start.orElse(null);
    this.end = end.orElse(null);
    this.entryFields = entry.size();
    this.statusIdx = entry.fieldIndex("status");
    this.timeIdx = entry.getFieldIndex("lastQualificationTime").isDefined()
        ? entry.fieldIndex("lastQualificationTime") : -1;
    this.timeType = timeIdx < 0 ? DataTypes.NullType : entry.fields()[timeIdx].dataType();
    this.timeZone = timeZone;
  }

  /**
   * The boolean column: whether {@code membership} (a column whose entries are of type {@code entry}, which has a
   * {@code status} field) matches one of {@code segments}; null when the map is null, which the filters take as false.
   *
   * @param timeZone the session's, in which texts of {@code lastQualificationTime} without an offset are read
   */
  static Column column(Column membership, List<ExportRequest.SegmentFilter> segments, Optional<Long> start,
      Optional<Long> end, StructType entry, String timeZone) {
    SegmentMatcher matcher = new SegmentMatcher(segments, start, end, entry, timeZone);
    return InternalRowFrames.invoke(matcher, "matches", DataTypes.BooleanType, /* returnNullable */ false,
        membership);
  }

  /** Called by the generated code for each row with a non-null map. */
  public boolean matches(MapData membership) {
    if (segmentTexts == null) {
      namespaceTexts = new ColumnarTexts();
      segmentTexts = new ColumnarTexts();
      statusTexts = new ColumnarTexts();
    }
    ArrayData names = membership.keyArray();
    ArrayData bySegment = membership.valueArray();
    for (int i = 0; i < membership.numElements(); i++) {
      if (bySegment.isNullAt(i)) {
        continue;
      }
      UTF8String namespace = null;  // lower-cased once, when some requested segment may need it
      MapData segments = bySegment.getMap(i);
      ArrayData ids = segments.keyArray();
      ArrayData entries = segments.valueArray();
      for (int j = 0; j < segments.numElements(); j++) {
        UTF8String id = segmentTexts.get(ids, j);
        for (int s = 0; s < segmentIds.length; s++) {
          if (!segmentIds[s].equals(id) || entries.isNullAt(j)) {
            continue;
          }
          if (namespace == null) {
            namespace = namespaceTexts.get(names, i).toLowerCase();
          }
          if (namespaces[s].equals(namespace) && entryMatches(entries.getStruct(j, entryFields), statuses[s])) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private boolean entryMatches(InternalRow entry, UTF8String[] wanted) {
    UTF8String raw = statusTexts.get(entry, statusIdx);
    if (raw == null) {
      return false;
    }
    if (raw != lastStatus) {
      lastStatus = raw;
      lastStatusLowered = raw.toLowerCase();
    }
    UTF8String status = lastStatusLowered;
    boolean listed = false;
    for (UTF8String w : wanted) {
      listed |= w.equals(status);
    }
    if (!listed) {
      return false;
    }
    if (start == null && end == null) {
      return true;
    }
    if (timeIdx < 0 || entry.isNullAt(timeIdx)) {
      return false;
    }
    if (zone == null) {
      zone = ZoneId.of(timeZone);
    }
    Long time = DataTimestamps.epochMillis(entry.get(timeIdx, timeType), timeType, zone);
    return time != null && (start == null || time >= start) && (end == null || time < end);
  }
}
