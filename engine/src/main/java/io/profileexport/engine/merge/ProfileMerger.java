package io.profileexport.engine.merge;

import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.stitch.IdentityColumns;
import java.io.Serializable;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Merges the fragments (records) of one profile by the rules of SPEC 3.4: each leaf from the best-ranked fragment
 * with a non-null value; arrays whole; structs leaf by leaf, null when every merged leaf is; maps key by key, null
 * when empty; {@code identityMap} as the union of its non-blocked items and {@code segmentMembership} latest
 * qualification first, their namespaces matched case-insensitively.
 *
 * <p>It reads partitions sorted by profile and rank ({@link AttributeMerge}), so a profile's fragments arrive
 * together, best first; only exact ties on every ranking key are ordered here, by canonical JSON. Values stay in
 * Spark's internal format throughout.
 */
public final class ProfileMerger implements Serializable {
  private static final long serialVersionUID = 1L;

  private final StructType input;
  private final StructType union;
  private final String sessionTimeZone;
  private transient ZoneId zone;
  private final Set<String> blockedValues;
  private final int datasetIdx;
  private final int batchIdx;
  private final int ingestIdx;
  private final int rankTimeIdx;
  private final int rankDatasetIdx;
  private final int primaryNsIdx;
  private final int profileIdx;
  private final int recordIdIdx;
  private final StructType output;

  /**
   * @param input schema of the fragment rows: the union's fields first, then the system columns
   * @param blockedValues identity values (trimmed, lower-cased) whose items never appear in {@code identityMap}
   */
  public ProfileMerger(StructType input, StructType union, String sessionTimeZone, Set<String> blockedValues) {
    this.input = input;
    this.union = union;
    this.sessionTimeZone = sessionTimeZone;
    this.blockedValues = Set.copyOf(blockedValues);
    this.datasetIdx = input.fieldIndex(SystemColumns.DATASET);
    this.batchIdx = input.fieldIndex(SystemColumns.BATCH);
    this.ingestIdx = input.fieldIndex(SystemColumns.INGEST_TIME);
    this.rankTimeIdx = input.fieldIndex(SystemColumns.RANK_TIME);
    this.rankDatasetIdx = input.fieldIndex(SystemColumns.RANK_DATASET);
    this.primaryNsIdx = input.fieldIndex(SystemColumns.PRIMARY_NS);
    this.profileIdx = input.fieldIndex(SystemColumns.PROFILE);
    this.recordIdIdx = union.getFieldIndex("_id").isDefined() ? union.fieldIndex("_id") : -1;
    this.output = outputSchema(union, input.apply(SystemColumns.PROFILE).dataType());
  }

  /** The union's fields, then the profile key, its update time and its primary identity's namespace. */
  public static StructType outputSchema(StructType union, DataType profileKeyType) {
    return union.add(SystemColumns.PROFILE, profileKeyType)
        .add(SystemColumns.UPDATE_TIME, DataTypes.LongType)
        .add(SystemColumns.PRIMARY_NS, DataTypes.StringType);
  }

  public StructType outputSchema() {
    return output;
  }

  /** One merged row per profile of a partition sorted by profile, then rank. */
  public Iterator<InternalRow> mergeSorted(Iterator<InternalRow> rows) {
    return new Iterator<>() {
      private InternalRow pending = rows.hasNext() ? rows.next().copy() : null;

      @Override
      public boolean hasNext() {
        return pending != null;
      }

      @Override
      public InternalRow next() {
        if (pending == null) {
          throw new NoSuchElementException();
        }
        List<InternalRow> group = new ArrayList<>();
        group.add(pending);
        Object key = pending.get(profileIdx, input.fields()[profileIdx].dataType());
        pending = null;
        while (rows.hasNext()) {
          InternalRow row = rows.next().copy();
          if (key.equals(row.get(profileIdx, input.fields()[profileIdx].dataType()))) {
            group.add(row);
          } else {
            pending = row;
            break;
          }
        }
        return merge(group);
      }
    };
  }

  /** The merged row of one profile's fragments, given best first. */
  InternalRow merge(List<InternalRow> ranked) {
    orderExactTies(ranked);
    StructField[] fields = union.fields();
    Object[] values = new Object[output.size()];
    for (int i = 0; i < fields.length; i++) {
      List<Object> candidates = new ArrayList<>(ranked.size());
      for (InternalRow f : ranked) {
        candidates.add(f.isNullAt(i) ? null : f.get(i, fields[i].dataType()));
      }
      values[i] = mergeTopLevel(fields[i], candidates);
    }
    InternalRow best = ranked.get(0);
    Long update = null;
    for (InternalRow f : ranked) {
      if (!f.isNullAt(ingestIdx)) {
        update = update == null ? f.getLong(ingestIdx) : Math.max(update, f.getLong(ingestIdx));
      }
    }
    values[fields.length] = best.get(profileIdx, input.fields()[profileIdx].dataType());
    values[fields.length + 1] = update;
    values[fields.length + 2] = best.isNullAt(primaryNsIdx) ? null : best.getUTF8String(primaryNsIdx);
    return new GenericInternalRow(values);
  }

  private Object mergeTopLevel(StructField field, List<Object> candidates) {
    if (field.dataType() instanceof MapType map && map.keyType() instanceof StringType) {
      if (XdmMaps.IDENTITY_MAP.equals(field.name()) && map.valueType() instanceof ArrayType items
          && items.elementType() instanceof StructType itemType) {
        return mergeIdentityMap(candidates, itemType);
      }
      if (XdmMaps.SEGMENT_MEMBERSHIP.equals(field.name()) && map.valueType() instanceof MapType segments
          && segments.valueType() instanceof StructType membership) {
        return mergeSegmentMembership(candidates, membership);
      }
    }
    return merge(field.dataType(), candidates);
  }

  /** The merged value of one path from its candidates in rank order (internal values, null when absent). */
  static Object merge(DataType type, List<Object> candidates) {
    if (type instanceof StructType struct) {
      int n = struct.size();
      Object[] values = new Object[n];
      boolean anyValue = false;
      for (int i = 0; i < n; i++) {
        DataType childType = struct.fields()[i].dataType();
        List<Object> children = new ArrayList<>(candidates.size());
        for (Object c : candidates) {
          InternalRow row = (InternalRow) c;
          children.add(row == null || row.isNullAt(i) ? null : row.get(i, childType));
        }
        values[i] = merge(childType, children);
        anyValue |= values[i] != null;
      }
      return anyValue ? new GenericInternalRow(values) : null;
    }
    if (type instanceof MapType map) {
      Map<Object, Object> merged = new LinkedHashMap<>();
      for (Object c : candidates) {
        if (c != null) {
          MapData m = (MapData) c;
          ArrayData keys = m.keyArray();
          ArrayData vals = m.valueArray();
          for (int i = 0; i < m.numElements(); i++) {
            if (!vals.isNullAt(i)) {
              merged.putIfAbsent(keys.get(i, map.keyType()), vals.get(i, map.valueType()));
            }
          }
        }
      }
      return merged.isEmpty() ? null : mapData(merged);
    }
    // Leaves, arrays included: the whole value of the best-ranked fragment that has one.
    for (Object c : candidates) {
      if (c != null) {
        return c;
      }
    }
    return null;
  }

  /**
   * The union of every non-blocked item, deduplicated by (namespace, id), each item whole from the best-ranked
   * fragment that has it, ordered by id; namespaces spelled as in the best-ranked fragment that has them.
   */
  private Object mergeIdentityMap(List<Object> candidates, StructType itemType) {
    int idIdx = itemType.fieldIndex("id");
    DataType idType = itemType.fields()[idIdx].dataType();
    int itemFields = itemType.size();
    Map<String, UTF8String> spelling = new LinkedHashMap<>();
    Map<String, Map<String, Object>> itemsByNamespace = new LinkedHashMap<>();
    for (Object c : candidates) {
      if (c == null) {
        continue;
      }
      MapData m = (MapData) c;
      for (int i = 0; i < m.numElements(); i++) {
        if (m.valueArray().isNullAt(i)) {
          continue;
        }
        UTF8String ns = m.keyArray().getUTF8String(i);
        String key = ns.toString().toLowerCase(Locale.ROOT);
        spelling.putIfAbsent(key, ns);
        Map<String, Object> items = itemsByNamespace.computeIfAbsent(key, k -> new LinkedHashMap<>());
        ArrayData array = m.valueArray().getArray(i);
        for (int j = 0; j < array.numElements(); j++) {
          if (array.isNullAt(j)) {
            continue;
          }
          InternalRow item = array.getStruct(j, itemFields);
          Object id = item.isNullAt(idIdx) ? null : item.get(idIdx, idType);
          if (!IdentityColumns.isBlocked(id, blockedValues)) {
            items.putIfAbsent(String.valueOf(id), item);
          }
        }
      }
    }
    Map<Object, Object> merged = new LinkedHashMap<>();
    itemsByNamespace.forEach((key, items) -> {
      if (!items.isEmpty()) {
        TreeMap<String, Object> byId = new TreeMap<>(ProfileMerger::compareCodePoints);
        byId.putAll(items);
        merged.put(spelling.get(key), new GenericArrayData(byId.values().toArray()));
      }
    });
    return merged.isEmpty() ? null : mapData(merged);
  }

  /**
   * Per (namespace, segment id) the entry with the latest {@code lastQualificationTime}; a null time loses, ties go
   * to rank. Namespaces spelled as in the best-ranked fragment that has them.
   */
  private Object mergeSegmentMembership(List<Object> candidates, StructType membership) {
    int timeIdx = membership.getFieldIndex("lastQualificationTime").isDefined()
        ? membership.fieldIndex("lastQualificationTime") : -1;
    DataType timeType = timeIdx < 0 ? DataTypes.NullType : membership.fields()[timeIdx].dataType();
    int entryFields = membership.size();
    Map<String, UTF8String> spelling = new LinkedHashMap<>();
    Map<String, Map<UTF8String, Object>> entries = new LinkedHashMap<>();
    Map<String, Map<UTF8String, Long>> times = new LinkedHashMap<>();
    for (Object c : candidates) {
      if (c == null) {
        continue;
      }
      MapData namespaces = (MapData) c;
      for (int i = 0; i < namespaces.numElements(); i++) {
        if (namespaces.valueArray().isNullAt(i)) {
          continue;
        }
        UTF8String ns = namespaces.keyArray().getUTF8String(i);
        String key = ns.toString().toLowerCase(Locale.ROOT);
        spelling.putIfAbsent(key, ns);
        Map<UTF8String, Object> kept = entries.computeIfAbsent(key, k -> new LinkedHashMap<>());
        Map<UTF8String, Long> keptTimes = times.computeIfAbsent(key, k -> new LinkedHashMap<>());
        MapData segments = namespaces.valueArray().getMap(i);
        for (int j = 0; j < segments.numElements(); j++) {
          if (segments.valueArray().isNullAt(j)) {
            continue;
          }
          UTF8String segment = segments.keyArray().getUTF8String(j);
          InternalRow entry = segments.valueArray().getStruct(j, entryFields);
          Long time = timeIdx < 0 || entry.isNullAt(timeIdx) ? null : epochMillis(entry.get(timeIdx, timeType),
              timeType);
          Long keptTime = keptTimes.get(segment);
          if (!kept.containsKey(segment) || time != null && (keptTime == null || time > keptTime)) {
            kept.put(segment, entry);
            keptTimes.put(segment, time);
          }
        }
      }
    }
    Map<Object, Object> merged = new LinkedHashMap<>();
    entries.forEach((key, segments) -> {
      if (!segments.isEmpty()) {
        merged.put(spelling.get(key), mapData(new LinkedHashMap<>(segments)));
      }
    });
    return merged.isEmpty() ? null : mapData(merged);
  }

  /** Epoch ms of an internal data timestamp value, as Spark's cast reads it (SPEC 1); null when it does not parse. */
  Long epochMillis(Object value, DataType type) {
    if (zone == null) {
      zone = ZoneId.of(sessionTimeZone);
    }
    return DataTimestamps.epochMillis(value, type, zone);
  }

  private static MapData mapData(Map<?, Object> entries) {
    return new ArrayBasedMapData(new GenericArrayData(entries.keySet().toArray()),
        new GenericArrayData(entries.values().toArray()));
  }

  // ---- the last tie-break

  /**
   * Spark sorted the fragments by every ranking key but the record's content; fragments equal on all of them (only
   * ever duplicates) are ordered here by their canonical JSON, the smaller first.
   */
  private void orderExactTies(List<InternalRow> ranked) {
    for (int start = 0; start < ranked.size(); ) {
      int end = start + 1;
      while (end < ranked.size() && sameRank(ranked.get(start), ranked.get(end))) {
        end++;
      }
      if (end - start > 1) {
        List<InternalRow> run = new ArrayList<>(ranked.subList(start, end));
        run.sort((a, b) -> compareCodePoints(canonical(a), canonical(b)));
        for (int i = 0; i < run.size(); i++) {
          ranked.set(start + i, run.get(i));
        }
      }
      start = end;
    }
  }

  private boolean sameRank(InternalRow a, InternalRow b) {
    return a.getInt(rankDatasetIdx) == b.getInt(rankDatasetIdx)
        && equal(a, b, rankTimeIdx, DataTypes.LongType)
        && equal(a, b, datasetIdx, DataTypes.StringType)
        && (recordIdIdx < 0 || equal(a, b, recordIdIdx, union.fields()[recordIdIdx].dataType()))
        && equal(a, b, batchIdx, DataTypes.StringType);
  }

  private static boolean equal(InternalRow a, InternalRow b, int idx, DataType type) {
    if (a.isNullAt(idx) || b.isNullAt(idx)) {
      return a.isNullAt(idx) && b.isNullAt(idx);
    }
    return a.get(idx, type).equals(b.get(idx, type));
  }

  private String canonical(InternalRow fragment) {
    Object[] data = new Object[union.size()];
    for (int i = 0; i < data.length; i++) {
      data[i] = fragment.isNullAt(i) ? null : fragment.get(i, union.fields()[i].dataType());
    }
    Row row = (Row) CatalystTypeConverters.convertToScala(new GenericInternalRow(data), union);
    StringBuilder out = new StringBuilder();
    CanonicalJson.appendStruct(out, row, union);
    return out.toString();
  }

  /** Code point order, which is also the order of the UTF-8 bytes Spark compares. */
  static int compareCodePoints(String x, String y) {
    int i = 0;
    int j = 0;
    while (i < x.length() && j < y.length()) {
      int a = x.codePointAt(i);
      int b = y.codePointAt(j);
      if (a != b) {
        return Integer.compare(a, b);
      }
      i += Character.charCount(a);
      j += Character.charCount(b);
    }
    return Integer.compare(x.length() - i, y.length() - j);
  }
}
