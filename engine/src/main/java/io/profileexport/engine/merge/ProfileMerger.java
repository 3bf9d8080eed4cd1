package io.profileexport.engine.merge;

import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.stitch.IdentityTexts;
import java.io.Serializable;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Merges the fragments (records) of one profile by the rules of SPEC 3.4: each leaf from the best-ranked fragment
 * with a non-null value; arrays whole; structs leaf by leaf, null when every merged leaf is; maps key by key, null
 * when empty; {@code identityMap} as the union of its non-blocked items and {@code segmentMembership} latest
 * qualification first, their namespaces matched case-insensitively.
 *
 * <p>It reads partitions sorted by the profile key's hash ({@link AttributeMerge}), so a profile's fragments arrive
 * together (with those of any profile whose key shares the hash); it ranks them by SPEC 3.4's keys here, exact ties on
 * every key by canonical JSON. Values stay in Spark's internal format throughout.
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
  private final int profileHashIdx;
  /** The {@code _id} text the ranking compares: {@code _id} itself when a text, else its cast, or -1 without one. */
  private final int rankIdIdx;
  private final StructType output;
  /** Per task: the merge of each top-level field, and the identity texts' caches. */
  private transient FieldMerge[] topLevel;
  private transient IdentityTexts texts;

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
    int recordIdIdx = union.getFieldIndex("_id").isDefined() ? union.fieldIndex("_id") : -1;
    this.profileHashIdx = input.fieldIndex(SystemColumns.PROFILE_HASH);
    this.rankIdIdx = input.getFieldIndex(SystemColumns.RANK_ID).isDefined() ? input.fieldIndex(SystemColumns.RANK_ID)
        : recordIdIdx >= 0 && union.fields()[recordIdIdx].dataType() instanceof StringType ? recordIdIdx : -1;
    if (!(input.fields()[profileIdx].dataType() instanceof StringType)) {
      throw new IllegalArgumentException("profile keys are texts, not " + input.fields()[profileIdx].dataType());
    }
    if (recordIdIdx >= 0 && rankIdIdx < 0) {
      throw new IllegalArgumentException("the fragments' _id is not a text and its text is not carried ("
          + SystemColumns.RANK_ID + ")");
    }
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

  /**
   * One merged row per profile of a partition sorted by profile hash: the rows of one hash are ranked
   * ({@link #compareRanked}) and each profile among them merged in turn.
   */
  public Iterator<InternalRow> mergeSorted(Iterator<InternalRow> rows) {
    return new Iterator<>() {
      private InternalRow pending = rows.hasNext() ? rows.next().copy() : null;
      /**
       * The rows of one profile hash, ranked, and the first not merged yet; reused, as {@link #merge} keeps none of
       * the list (a new one per profile grew it).
       */
      private final List<InternalRow> group = new ArrayList<>();
      private int at;

      @Override
      public boolean hasNext() {
        return at < group.size() || pending != null;
      }

      @Override
      public InternalRow next() {
        if (at >= group.size()) {
          if (pending == null) {
            throw new NoSuchElementException();
          }
          group.clear();
          at = 0;
          group.add(pending);
          long hash = pending.getLong(profileHashIdx);
          pending = null;
          while (rows.hasNext()) {
            InternalRow row = rows.next();
            if (row.getLong(profileHashIdx) == hash) {
              group.add(row.copy());
            } else {
              pending = row.copy();
              break;
            }
          }
          if (group.size() > 1) {
            group.sort(ProfileMerger.this::compareRanked);
          }
        }
        int end = at + 1;
        while (end < group.size() && sameProfile(group.get(at), group.get(end))) {
          end++;
        }
        List<InternalRow> profile = group.subList(at, end);
        at = end;
        return merge(profile);
      }
    };
  }

  private boolean sameProfile(InternalRow a, InternalRow b) {
    return a.getUTF8String(profileIdx).equals(b.getUTF8String(profileIdx));
  }

  /**
   * The order of Spark's sort by profile key, then SPEC 3.4's ranking keys, as the merge once asked Spark for: rank
   * dataset ascending, rank time newest first (nulls last), dataset id, {@code _id} as text and batch id ascending (a
   * null dataset first, a null {@code _id} or batch last). Texts compare as Spark's do, by their UTF-8 bytes.
   */
  int compareRanked(InternalRow a, InternalRow b) {
    int c = a.getUTF8String(profileIdx).compareTo(b.getUTF8String(profileIdx));
    if (c == 0) {
      c = nulls(a, b, rankDatasetIdx, true);
      c = c != 0 || a.isNullAt(rankDatasetIdx) ? c
          : Integer.compare(a.getInt(rankDatasetIdx), b.getInt(rankDatasetIdx));
    }
    if (c == 0) {
      c = nulls(a, b, rankTimeIdx, false);
      c = c != 0 || a.isNullAt(rankTimeIdx) ? c : Long.compare(b.getLong(rankTimeIdx), a.getLong(rankTimeIdx));
    }
    if (c == 0) {
      c = compareTexts(a, b, datasetIdx, true);
    }
    if (c == 0 && rankIdIdx >= 0) {
      c = compareTexts(a, b, rankIdIdx, false);
    }
    return c != 0 ? c : compareTexts(a, b, batchIdx, false);
  }

  private static int compareTexts(InternalRow a, InternalRow b, int idx, boolean nullsFirst) {
    int c = nulls(a, b, idx, nullsFirst);
    return c != 0 || a.isNullAt(idx) ? c : a.getUTF8String(idx).compareTo(b.getUTF8String(idx));
  }

  /** The order of two values by their nulls alone: 0 when both or neither is null. */
  private static int nulls(InternalRow a, InternalRow b, int idx, boolean nullsFirst) {
    boolean an = a.isNullAt(idx);
    boolean bn = b.isNullAt(idx);
    return an == bn ? 0 : an == nullsFirst ? -1 : 1;
  }

  /** The merged row of one profile's fragments, given best first. */
  InternalRow merge(List<InternalRow> ranked) {
    orderExactTies(ranked);
    InternalRow[] fragments = ranked.toArray(new InternalRow[0]);
    Object[] values = new Object[output.size()];
    FieldMerge[] top = topLevel();
    for (int i = 0; i < top.length; i++) {
      values[i] = top[i].merge(fragments, i);
    }
    InternalRow best = fragments[0];
    long update = Long.MIN_VALUE;
    for (InternalRow f : fragments) {
      if (!f.isNullAt(ingestIdx)) {
        update = Math.max(update, f.getLong(ingestIdx));
      }
    }
    values[top.length] = best.get(profileIdx, input.fields()[profileIdx].dataType());
    values[top.length + 1] = update == Long.MIN_VALUE ? null : update;
    values[top.length + 2] = best.isNullAt(primaryNsIdx) ? null : best.getUTF8String(primaryNsIdx);
    return new GenericInternalRow(values);
  }

  /**
   * The merge of one field of the union, made once per task from its type: values are read from the fragments only
   * as far as the rules need them (a leaf from its best-ranked fragment only), with no per-row type dispatch.
   */
  private interface FieldMerge {
    /**
     * The merged value of field {@code ordinal} of {@code rows}, best-ranked first; a row is null where its
     * fragment has no value for the enclosing struct.
     */
    Object merge(InternalRow[] rows, int ordinal);
  }

  private FieldMerge[] topLevel() {
    if (topLevel == null) {
      StructField[] fields = union.fields();
      FieldMerge[] made = new FieldMerge[fields.length];
      for (int i = 0; i < fields.length; i++) {
        made[i] = topLevelMerge(fields[i]);
      }
      topLevel = made;
    }
    return topLevel;
  }

  private FieldMerge topLevelMerge(StructField field) {
    if (field.dataType() instanceof MapType map && map.keyType() instanceof StringType) {
      if (XdmMaps.IDENTITY_MAP.equals(field.name()) && map.valueType() instanceof ArrayType items
          && items.elementType() instanceof StructType itemType) {
        return (rows, ordinal) -> mergeIdentityMap(rows, ordinal, itemType);
      }
      if (XdmMaps.SEGMENT_MEMBERSHIP.equals(field.name()) && map.valueType() instanceof MapType segments
          && segments.valueType() instanceof StructType membership) {
        return (rows, ordinal) -> mergeSegmentMembership(rows, ordinal, membership);
      }
    }
    return mergeOf(field.dataType());
  }

  /** The merge of a value of {@code type} by the general rules. */
  static FieldMerge mergeOf(DataType type) {
    if (type instanceof StructType struct) {
      int n = struct.size();
      FieldMerge[] children = new FieldMerge[n];
      for (int i = 0; i < n; i++) {
        children[i] = mergeOf(struct.fields()[i].dataType());
      }
      return (rows, ordinal) -> {
        InternalRow[] structs = new InternalRow[rows.length];
        boolean anyStruct = false;
        for (int j = 0; j < rows.length; j++) {
          InternalRow row = rows[j];
          if (row != null && !row.isNullAt(ordinal)) {
            structs[j] = row.getStruct(ordinal, n);
            anyStruct = true;
          }
        }
        if (!anyStruct) {
          return null;
        }
        Object[] values = new Object[n];
        boolean anyValue = false;
        for (int i = 0; i < n; i++) {
          values[i] = children[i].merge(structs, i);
          anyValue |= values[i] != null;
        }
        return anyValue ? new GenericInternalRow(values) : null;
      };
    }
    if (type instanceof MapType map) {
      DataType keyType = map.keyType();
      DataType valueType = map.valueType();
      return (rows, ordinal) -> {
        Map<Object, Object> merged = null;
        for (InternalRow row : rows) {
          if (row == null || row.isNullAt(ordinal)) {
            continue;
          }
          MapData m = row.getMap(ordinal);
          ArrayData keys = m.keyArray();
          ArrayData vals = m.valueArray();
          for (int i = 0; i < m.numElements(); i++) {
            if (!vals.isNullAt(i)) {
              if (merged == null) {
                merged = new LinkedHashMap<>();
              }
              merged.putIfAbsent(keys.get(i, keyType), vals.get(i, valueType));
            }
          }
        }
        return merged == null ? null : mapData(merged.keySet().toArray(), merged.values().toArray());
      };
    }
    // Leaves, arrays included: the whole value of the best-ranked fragment that has one.
    return (rows, ordinal) -> {
      for (InternalRow row : rows) {
        if (row != null && !row.isNullAt(ordinal)) {
          return row.get(ordinal, type);
        }
      }
      return null;
    };
  }

  /**
   * The union of every non-blocked item, deduplicated by (namespace, id), each item whole from the best-ranked
   * fragment that has it, ordered by id; namespaces spelled as in the best-ranked fragment that has them.
   */
  private Object mergeIdentityMap(InternalRow[] fragments, int ordinal, StructType itemType) {
    int idIdx = itemType.fieldIndex("id");
    DataType idType = itemType.fields()[idIdx].dataType();
    int itemFields = itemType.size();
    IdentityTexts texts = texts();
    Keyed<Keyed<InternalRow>> namespaces = new Keyed<>();
    for (InternalRow fragment : fragments) {
      if (fragment.isNullAt(ordinal)) {
        continue;
      }
      MapData m = fragment.getMap(ordinal);
      ArrayData keys = m.keyArray();
      ArrayData values = m.valueArray();
      for (int i = 0; i < m.numElements(); i++) {
        if (values.isNullAt(i)) {
          continue;
        }
        UTF8String ns = keys.getUTF8String(i);
        Keyed<InternalRow> items = namespaces.getOrAdd(texts.namespaceKey(ns), ns, Keyed::new);
        ArrayData array = values.getArray(i);
        for (int j = 0; j < array.numElements(); j++) {
          if (array.isNullAt(j)) {
            continue;
          }
          InternalRow item = array.getStruct(j, itemFields);
          Object id = item.isNullAt(idIdx) ? null : item.get(idIdx, idType);
          if (!texts.isBlocked(id)) {
            UTF8String idText = id instanceof UTF8String s ? s : UTF8String.fromString(String.valueOf(id));
            items.getOrAdd(idText, idText, () -> item);
          }
        }
      }
    }
    // Items by id in code point order, which is the order of the ids' UTF-8 bytes.
    return namespaceMap(namespaces, items -> new GenericArrayData(items.valuesByKey()));
  }

  /**
   * Per (namespace, segment id) the entry with the latest {@code lastQualificationTime}; a null time loses, ties go
   * to rank. Namespaces spelled as in the best-ranked fragment that has them.
   */
  private Object mergeSegmentMembership(InternalRow[] fragments, int ordinal, StructType membership) {
    int timeIdx = membership.getFieldIndex("lastQualificationTime").isDefined()
        ? membership.fieldIndex("lastQualificationTime") : -1;
    DataType timeType = timeIdx < 0 ? DataTypes.NullType : membership.fields()[timeIdx].dataType();
    int entryFields = membership.size();
    IdentityTexts texts = texts();
    Keyed<Keyed<Membership>> namespaces = new Keyed<>();
    for (InternalRow fragment : fragments) {
      if (fragment.isNullAt(ordinal)) {
        continue;
      }
      MapData byNamespace = fragment.getMap(ordinal);
      ArrayData keys = byNamespace.keyArray();
      ArrayData values = byNamespace.valueArray();
      for (int i = 0; i < byNamespace.numElements(); i++) {
        if (values.isNullAt(i)) {
          continue;
        }
        UTF8String ns = keys.getUTF8String(i);
        Keyed<Membership> kept = namespaces.getOrAdd(texts.namespaceKey(ns), ns, Keyed::new);
        MapData segments = values.getMap(i);
        ArrayData segmentIds = segments.keyArray();
        ArrayData entries = segments.valueArray();
        for (int j = 0; j < segments.numElements(); j++) {
          if (entries.isNullAt(j)) {
            continue;
          }
          UTF8String segment = segmentIds.getUTF8String(j);
          InternalRow entry = entries.getStruct(j, entryFields);
          Long time = timeIdx < 0 || entry.isNullAt(timeIdx) ? null : epochMillis(entry.get(timeIdx, timeType),
              timeType);
          Membership current = kept.get(segment);
          if (current == null) {
            kept.add(segment, segment, new Membership(entry, time));
          } else if (time != null && (current.time == null || time > current.time)) {
            current.entry = entry;
            current.time = time;
          }
        }
      }
    }
    return namespaceMap(namespaces, segments -> {
      Object[] entries = new Object[segments.size];
      for (int s = 0; s < segments.size; s++) {
        entries[s] = segments.valueAt(s).entry;
      }
      return mapData(Arrays.copyOf(segments.spellings, segments.size), entries);
    });
  }

  /**
   * The merged namespace map: each namespace that kept anything, spelled as first added, with {@code value} of what
   * it kept; null when none did.
   */
  private static <V> Object namespaceMap(Keyed<Keyed<V>> namespaces,
      java.util.function.Function<Keyed<V>, Object> value) {
    int kept = 0;
    Object[] spellings = new Object[namespaces.size];
    Object[] values = new Object[namespaces.size];
    for (int n = 0; n < namespaces.size; n++) {
      Keyed<V> inner = namespaces.valueAt(n);
      if (inner.size > 0) {
        spellings[kept] = namespaces.spellings[n];
        values[kept++] = value.apply(inner);
      }
    }
    return kept == 0 ? null : mapData(Arrays.copyOf(spellings, kept), Arrays.copyOf(values, kept));
  }

  /** A segment's entry kept so far and its qualification time. */
  private static final class Membership {
    InternalRow entry;
    Long time;

    Membership(InternalRow entry, Long time) {
      this.entry = entry;
      this.time = time;
    }
  }

  /**
   * Values by text key in first-added order, each with the spelling it was added with: a profile's namespaces, or
   * a namespace's ids or segments, of which there are mostly a few, so they are found by scanning until there are
   * many, then through a hash index.
   */
  private static final class Keyed<V> {
    private static final int SCANNED = 16;
    private UTF8String[] keys = new UTF8String[4];
    UTF8String[] spellings = new UTF8String[4];
    private Object[] values = new Object[4];
    int size;
    private Map<UTF8String, Integer> index;

    V get(UTF8String key) {
      if (index != null) {
        Integer at = index.get(key);
        return at == null ? null : valueAt(at);
      }
      for (int n = 0; n < size; n++) {
        if (keys[n].equals(key)) {
          return valueAt(n);
        }
      }
      return null;
    }

    @SuppressWarnings("unchecked")
    V valueAt(int n) {
      return (V) values[n];
    }

    /** The value of {@code key}, added with {@code spelling} and a value of {@code make} when absent. */
    V getOrAdd(UTF8String key, UTF8String spelling, java.util.function.Supplier<V> make) {
      V found = get(key);
      if (found != null) {
        return found;
      }
      V value = make.get();
      add(key, spelling, value);
      return value;
    }

    private void add(UTF8String key, UTF8String spelling, V value) {
      if (size == keys.length) {
        keys = Arrays.copyOf(keys, size * 2);
        spellings = Arrays.copyOf(spellings, size * 2);
        values = Arrays.copyOf(values, size * 2);
      }
      keys[size] = key;
      spellings[size] = spelling;
      values[size] = value;
      if (index != null) {
        index.put(key, size);
      } else if (size == SCANNED) {
        index = new HashMap<>();
        for (int n = 0; n <= size; n++) {
          index.put(keys[n], n);
        }
      }
      size++;
    }

    /** The values ordered by key bytes. */
    Object[] valuesByKey() {
      Integer[] order = new Integer[size];
      for (int n = 0; n < size; n++) {
        order[n] = n;
      }
      if (size > 1) {
        Arrays.sort(order, (a, b) -> keys[a].compareTo(keys[b]));
      }
      Object[] out = new Object[size];
      for (int n = 0; n < size; n++) {
        out[n] = values[order[n]];
      }
      return out;
    }
  }

  private IdentityTexts texts() {
    if (texts == null) {
      texts = new IdentityTexts(blockedValues);
    }
    return texts;
  }

  /** Epoch ms of an internal data timestamp value, as Spark's cast reads it (SPEC 1); null when it does not parse. */
  Long epochMillis(Object value, DataType type) {
    if (zone == null) {
      zone = ZoneId.of(sessionTimeZone);
    }
    return DataTimestamps.epochMillis(value, type, zone);
  }

  private static MapData mapData(Object[] keys, Object[] values) {
    return new ArrayBasedMapData(new GenericArrayData(keys), new GenericArrayData(values));
  }

  // ---- the last tie-break

  /**
   * The fragments are ranked by every ranking key but the record's content ({@link #compareRanked}); fragments equal
   * on all of them (only ever duplicates) are ordered here by their canonical JSON, the smaller first.
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
        && (rankIdIdx < 0 || equal(a, b, rankIdIdx, DataTypes.StringType))
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
