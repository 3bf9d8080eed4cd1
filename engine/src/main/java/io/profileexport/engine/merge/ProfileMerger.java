package io.profileexport.engine.merge;

import io.profileexport.engine.SystemColumns;
import java.io.Serializable;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.JavaConverters;

/**
 * Merges the fragments (records) of one profile into one row by the rules of SPEC 3.4: fragments ranked, each leaf
 * from the best-ranked fragment with a non-null value; arrays whole; structs leaf by leaf, null when every merged
 * leaf is; maps key by key, null when empty; {@code identityMap} as the union of items and {@code segmentMembership}
 * latest qualification first, their namespaces matched case-insensitively.
 *
 * <p>Plain Java over rows, so every rule is testable without Spark; run per group by {@link AttributeMerge}.
 */
public final class ProfileMerger implements Serializable {
  private static final long serialVersionUID = 1L;

  private final StructType union;
  private final String sessionTimeZone;
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
   * @param union the union schema
   */
  public ProfileMerger(StructType input, StructType union, String sessionTimeZone) {
    this.union = union;
    this.sessionTimeZone = sessionTimeZone;
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

  public Row merge(Iterator<Row> fragments) {
    List<Fragment> ranked = new ArrayList<>();
    fragments.forEachRemaining(r -> ranked.add(new Fragment(r)));
    ranked.sort(this::compareFragments);
    Object[] values = new Object[output.size()];
    StructField[] fields = union.fields();
    for (int i = 0; i < fields.length; i++) {
      List<Object> candidates = new ArrayList<>(ranked.size());
      for (Fragment f : ranked) {
        candidates.add(f.row.get(i));
      }
      values[i] = mergeTopLevel(fields[i], candidates);
    }
    Row best = ranked.get(0).row;
    long update = Long.MIN_VALUE;
    boolean anyIngest = false;
    for (Fragment f : ranked) {
      if (!f.row.isNullAt(ingestIdx)) {
        update = Math.max(update, f.row.getLong(ingestIdx));
        anyIngest = true;
      }
    }
    values[fields.length] = best.get(profileIdx);
    values[fields.length + 1] = anyIngest ? update : null;
    values[fields.length + 2] = best.get(primaryNsIdx);
    return new GenericRowWithSchema(values, output);
  }

  private Object mergeTopLevel(StructField field, List<Object> candidates) {
    if (field.dataType() instanceof MapType map) {
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

  /** The merged value of one path from its candidates in rank order. */
  static Object merge(DataType type, List<Object> candidates) {
    if (type instanceof StructType struct) {
      Object[] values = new Object[struct.size()];
      boolean anyValue = false;
      for (int i = 0; i < values.length; i++) {
        List<Object> children = new ArrayList<>(candidates.size());
        for (Object c : candidates) {
          children.add(c == null ? null : ((Row) c).get(i));
        }
        values[i] = merge(struct.fields()[i].dataType(), children);
        anyValue |= values[i] != null;
      }
      return anyValue ? new GenericRowWithSchema(values, struct) : null;
    }
    if (type instanceof MapType) {
      Map<Object, Object> merged = new LinkedHashMap<>();
      for (Object c : candidates) {
        if (c != null) {
          for (Map.Entry<Object, Object> e : javaMap(c).entrySet()) {
            if (e.getValue() != null) {
              merged.putIfAbsent(e.getKey(), e.getValue());
            }
          }
        }
      }
      return merged.isEmpty() ? null : scalaMap(merged);
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
   * The union of every item, deduplicated by (namespace, id), each item whole from the best-ranked fragment that
   * has it, ordered by id; namespaces spelled as in the best-ranked fragment that has them.
   */
  private Object mergeIdentityMap(List<Object> candidates, StructType itemType) {
    int idIdx = itemType.fieldIndex("id");
    Map<String, String> spelling = new LinkedHashMap<>();
    Map<String, Map<String, Object>> itemsByNamespace = new LinkedHashMap<>();
    for (Object c : candidates) {
      if (c == null) {
        continue;
      }
      for (Map.Entry<Object, Object> e : javaMap(c).entrySet()) {
        if (e.getValue() == null) {
          continue;
        }
        String ns = (String) e.getKey();
        String key = ns.toLowerCase(Locale.ROOT);
        spelling.putIfAbsent(key, ns);
        Map<String, Object> items = itemsByNamespace.computeIfAbsent(key, k -> new LinkedHashMap<>());
        for (Object item : javaList(e.getValue())) {
          if (item != null && !((Row) item).isNullAt(idIdx)) {
            items.putIfAbsent(String.valueOf(((Row) item).get(idIdx)), item);
          }
        }
      }
    }
    Map<Object, Object> merged = new LinkedHashMap<>();
    itemsByNamespace.forEach((key, items) -> {
      if (!items.isEmpty()) {
        TreeMap<String, Object> byId = new TreeMap<>(ProfileMerger::compareCodePoints);
        byId.putAll(items);
        merged.put(spelling.get(key), scalaSeq(new ArrayList<>(byId.values())));
      }
    });
    return merged.isEmpty() ? null : scalaMap(merged);
  }

  /**
   * Per (namespace, segment id) the entry with the latest {@code lastQualificationTime}; a null time loses, ties go
   * to rank. Namespaces spelled as in the best-ranked fragment that has them.
   */
  private Object mergeSegmentMembership(List<Object> candidates, StructType membership) {
    int timeIdx = membership.getFieldIndex("lastQualificationTime").isDefined()
        ? membership.fieldIndex("lastQualificationTime") : -1;
    DataType timeType = timeIdx < 0 ? DataTypes.NullType : membership.fields()[timeIdx].dataType();
    Map<String, String> spelling = new LinkedHashMap<>();
    Map<String, Map<Object, Object>> entries = new LinkedHashMap<>();
    Map<String, Map<Object, Long>> times = new LinkedHashMap<>();
    for (Object c : candidates) {
      if (c == null) {
        continue;
      }
      for (Map.Entry<Object, Object> ns : javaMap(c).entrySet()) {
        if (ns.getValue() == null) {
          continue;
        }
        String key = ((String) ns.getKey()).toLowerCase(Locale.ROOT);
        spelling.putIfAbsent(key, (String) ns.getKey());
        Map<Object, Object> kept = entries.computeIfAbsent(key, k -> new LinkedHashMap<>());
        Map<Object, Long> keptTimes = times.computeIfAbsent(key, k -> new LinkedHashMap<>());
        for (Map.Entry<Object, Object> segment : javaMap(ns.getValue()).entrySet()) {
          Row entry = (Row) segment.getValue();
          if (entry == null) {
            continue;
          }
          Long time = timeIdx < 0 || entry.isNullAt(timeIdx) ? null : epochMillis(entry.get(timeIdx), timeType);
          boolean seen = kept.containsKey(segment.getKey());
          Long keptTime = keptTimes.get(segment.getKey());
          if (!seen || time != null && (keptTime == null || time > keptTime)) {
            kept.put(segment.getKey(), entry);
            keptTimes.put(segment.getKey(), time);
          }
        }
      }
    }
    Map<Object, Object> merged = new LinkedHashMap<>();
    entries.forEach((key, segments) -> {
      if (!segments.isEmpty()) {
        merged.put(spelling.get(key), scalaMap(segments));
      }
    });
    return merged.isEmpty() ? null : scalaMap(merged);
  }

  /** Epoch ms of a data timestamp value, as Spark's cast reads it (SPEC 1); null when it does not parse. */
  Long epochMillis(Object value, DataType type) {
    if (value instanceof Timestamp ts) {
      return ts.getTime();
    }
    if (value instanceof Instant instant) {
      return instant.toEpochMilli();
    }
    if (value instanceof Number n) {
      return n.longValue();
    }
    if (value instanceof String s && type instanceof StringType) {
      scala.Option<Object> micros = DateTimeUtils.stringToTimestamp(UTF8String.fromString(s),
          ZoneId.of(sessionTimeZone));
      return micros.isDefined() ? Math.floorDiv((Long) micros.get(), 1000L) : null;
    }
    return null;
  }

  // ---- ranking

  /** A fragment with its canonical JSON made only when a comparison gets that far (only ever for duplicates). */
  private final class Fragment {
    final Row row;
    private String canonical;

    Fragment(Row row) {
      this.row = row;
    }

    String canonical() {
      if (canonical == null) {
        StringBuilder out = new StringBuilder();
        CanonicalJson.appendStruct(out, row, union);
        canonical = out.toString();
      }
      return canonical;
    }
  }

  /** SPEC 3.4's ranking: best first. */
  private int compareFragments(Fragment a, Fragment b) {
    int c = Integer.compare(a.row.getInt(rankDatasetIdx), b.row.getInt(rankDatasetIdx));
    if (c != 0) {
      return c;
    }
    c = compareNullsLast(longOrNull(b.row, rankTimeIdx), longOrNull(a.row, rankTimeIdx));
    if (c != 0) {
      return c;
    }
    c = compareCodePoints(a.row.getString(datasetIdx), b.row.getString(datasetIdx));
    if (c != 0) {
      return c;
    }
    c = compareStringsNullsLast(recordId(a.row), recordId(b.row));
    if (c != 0) {
      return c;
    }
    c = compareStringsNullsLast(a.row.getString(batchIdx), b.row.getString(batchIdx));
    if (c != 0) {
      return c;
    }
    return compareCodePoints(a.canonical(), b.canonical());
  }

  private String recordId(Row row) {
    return recordIdIdx < 0 || row.isNullAt(recordIdIdx) ? null : String.valueOf(row.get(recordIdIdx));
  }

  private static Long longOrNull(Row row, int idx) {
    return row.isNullAt(idx) ? null : row.getLong(idx);
  }

  /** Larger first when called as (b, a); a null time ranks after every time. */
  private static int compareNullsLast(Long x, Long y) {
    if (x == null || y == null) {
      return x == null ? (y == null ? 0 : 1) : -1;
    }
    return Long.compare(x, y);
  }

  private static int compareStringsNullsLast(String x, String y) {
    if (x == null || y == null) {
      return x == null ? (y == null ? 0 : 1) : -1;
    }
    return compareCodePoints(x, y);
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

  // ---- Scala and Java collections

  @SuppressWarnings("unchecked")
  static Map<Object, Object> javaMap(Object scalaMap) {
    return JavaConverters.mapAsJavaMap((scala.collection.Map<Object, Object>) scalaMap);
  }

  @SuppressWarnings("unchecked")
  static List<Object> javaList(Object scalaSeq) {
    return JavaConverters.seqAsJavaList((scala.collection.Seq<Object>) scalaSeq);
  }

  static Object scalaMap(Map<Object, Object> map) {
    return JavaConverters.mapAsScalaMap(map);
  }

  static Object scalaSeq(List<Object> list) {
    return JavaConverters.asScalaBuffer(list).toList();
  }

  /** Canonical JSON of a record: keys sorted at every level, nulls left out. Only its order matters. */
  static final class CanonicalJson {
    private CanonicalJson() {}

    static void appendStruct(StringBuilder out, Row row, StructType type) {
      TreeMap<String, Integer> byName = new TreeMap<>(ProfileMerger::compareCodePoints);
      for (int i = 0; i < type.size(); i++) {
        byName.put(type.fields()[i].name(), i);
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, Integer> e : byName.entrySet()) {
        Object v = row.get(e.getValue());
        if (v != null) {
          out.append(first ? "" : ",");
          first = false;
          appendString(out, e.getKey());
          out.append(':');
          append(out, v, type.fields()[e.getValue()].dataType());
        }
      }
      out.append('}');
    }

    static void append(StringBuilder out, Object v, DataType type) {
      if (v == null) {
        out.append("null");
      } else if (type instanceof StructType s) {
        appendStruct(out, (Row) v, s);
      } else if (type instanceof ArrayType a) {
        out.append('[');
        boolean first = true;
        for (Object item : javaList(v)) {
          out.append(first ? "" : ",");
          first = false;
          append(out, item, a.elementType());
        }
        out.append(']');
      } else if (type instanceof MapType m) {
        TreeMap<String, Object> sorted = new TreeMap<>(ProfileMerger::compareCodePoints);
        javaMap(v).forEach((k, value) -> {
          if (value != null) {
            sorted.put(String.valueOf(k), value);
          }
        });
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : sorted.entrySet()) {
          out.append(first ? "" : ",");
          first = false;
          appendString(out, e.getKey());
          out.append(':');
          append(out, e.getValue(), m.valueType());
        }
        out.append('}');
      } else if (v instanceof String s) {
        appendString(out, s);
      } else if (v instanceof byte[] bytes) {
        appendString(out, Base64.getEncoder().encodeToString(bytes));
      } else if (v instanceof Timestamp || v instanceof Instant || v instanceof java.sql.Date
          || v instanceof java.time.LocalDate) {
        appendString(out, v.toString());
      } else {
        out.append(v);
      }
    }

    private static void appendString(StringBuilder out, String s) {
      out.append('"');
      for (int i = 0; i < s.length(); i++) {
        char ch = s.charAt(i);
        if (ch == '"' || ch == '\\') {
          out.append('\\').append(ch);
        } else if (ch < 0x20) {
          out.append(String.format("\\u%04x", (int) ch));
        } else {
          out.append(ch);
        }
      }
      out.append('"');
    }
  }
}
