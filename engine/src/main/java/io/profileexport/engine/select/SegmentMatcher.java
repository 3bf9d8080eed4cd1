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
  /** Per requested segment: its statuses. */
  private final UTF8String[][] statuses;
  /** The distinct requested segment ids, and per each the requested segments (indexes) that have it. */
  private final UTF8String[] distinctIds;
  private final int[][] segmentsById;
  /** The distinct requested namespaces (lower-cased), and per requested segment the index of its own. */
  private final UTF8String[] distinctNamespaces;
  private final int[] namespaceOf;
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
  /** {@link #idGroup} and {@link #namespaceGroup}, made once for the texts' caches. */
  private transient java.util.function.ToIntFunction<UTF8String> idGroup;
  private transient java.util.function.ToIntFunction<UTF8String> namespaceGroup;
  /** A namespace not looked up yet (-1 is one that no requested segment has). */
  private static final int UNKNOWN = -2;
  /** The last status read and its lower case: with {@link #statusTexts}, the same text for most rows. */
  private transient UTF8String lastStatus;
  private transient UTF8String lastStatusLowered;

  private SegmentMatcher(List<ExportRequest.SegmentFilter> segments, Optional<Long> start, Optional<Long> end,
      StructType entry, String timeZone) {
    int n = segments.size();
    statuses = new UTF8String[n][];
    java.util.Map<UTF8String, List<Integer>> byId = new java.util.LinkedHashMap<>();
    java.util.Map<UTF8String, Integer> namespaceIndex = new java.util.LinkedHashMap<>();
    namespaceOf = new int[n];
    for (int i = 0; i < n; i++) {
      ExportRequest.SegmentFilter segment = segments.get(i);
      statuses[i] = segment.status().stream().map(UTF8String::fromString).toArray(UTF8String[]::new);
      byId.computeIfAbsent(UTF8String.fromString(segment.segmentId()), id -> new java.util.ArrayList<>()).add(i);
      // Lower-cased as Spark's lower would.
      UTF8String namespace = UTF8String.fromString(segment.segmentNs().toLowerCase(Locale.ROOT));
      namespaceOf[i] = namespaceIndex.computeIfAbsent(namespace, ns -> namespaceIndex.size());
    }
    distinctIds = byId.keySet().toArray(new UTF8String[0]);
    segmentsById = byId.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray())
        .toArray(int[][]::new);
    distinctNamespaces = namespaceIndex.keySet().toArray(new UTF8String[0]);
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
      idGroup = this::idGroup;
      namespaceGroup = this::namespaceGroup;
    }
    ArrayData names = membership.keyArray();
    ArrayData bySegment = membership.valueArray();
    for (int i = 0; i < membership.numElements(); i++) {
      if (bySegment.isNullAt(i)) {
        continue;
      }
      int namespace = UNKNOWN;  // found once, when some requested segment may need it
      MapData segments = bySegment.getMap(i);
      ArrayData ids = segments.keyArray();
      ArrayData entries = segments.valueArray();
      for (int j = 0; j < segments.numElements(); j++) {
        // Segment ids and namespaces are dictionary-encoded texts repeated in millions of records: each distinct one
        // is compared with the request once per batch, not once per entry.
        int group = segmentTexts.derived(ids, j, idGroup);
        if (group < 0 || entries.isNullAt(j)) {
          continue;
        }
        if (namespace == UNKNOWN) {
          namespace = namespaceTexts.derived(names, i, namespaceGroup);
        }
        for (int s : segmentsById[group]) {
          if (namespaceOf[s] == namespace && entryMatches(entries.getStruct(j, entryFields), statuses[s])) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** The index in {@link #distinctIds} of a segment id, or -1 when no requested segment has it. */
  private int idGroup(UTF8String id) {
    for (int g = 0; id != null && g < distinctIds.length; g++) {
      if (distinctIds[g].equals(id)) {
        return g;
      }
    }
    return -1;
  }

  /** The index in {@link #distinctNamespaces} of a namespace, ignoring case, or -1 when none is requested. */
  private int namespaceGroup(UTF8String namespace) {
    UTF8String lowered = namespace == null ? null : namespace.toLowerCase();
    for (int g = 0; lowered != null && g < distinctNamespaces.length; g++) {
      if (distinctNamespaces[g].equals(lowered)) {
        return g;
      }
    }
    return -1;
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
