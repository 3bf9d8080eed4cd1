package io.profileexport.engine.stitch;

import io.profileexport.engine.InternalRowFrames;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.merge.XdmMaps;
import java.io.Serializable;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.LongAccumulator;

/**
 * A record's identities and primary identity (SPEC 3.1), computed by one pass over its {@code identityMap} in Spark's
 * internal format: no shuffle, no conversion of the map to Java objects, no chain of higher-order functions (which
 * run interpreted and would walk the map once per derived column). Items whose value is blocked never take part:
 * they are left out of the identities here and out of the merged {@code identityMap} by the merge. Namespaces compare
 * case-insensitively (as {@code nsKey}, lower-cased), values exactly, as text.
 */
public final class IdentityColumns {
  public static final String NO_PRIMARY = "noPrimaryIdentity";
  public static final String MULTIPLE_PRIMARIES = "multiplePrimaryIdentities";

  /** {nsKey, id}: an identity as it links and keys profiles. */
  public static final StructType IDENTITY = new StructType()
      .add("nsKey", DataTypes.StringType)
      .add("id", DataTypes.StringType);

  private static final UTF8String NO_PRIMARY_TEXT = UTF8String.fromString(NO_PRIMARY);
  private static final UTF8String MULTIPLE_TEXT = UTF8String.fromString(MULTIPLE_PRIMARIES);

  /** Counts of the rows read and skipped, updated as the pass runs (accumulators: exact unless a task is retried). */
  public record Counters(LongAccumulator read, LongAccumulator noPrimary, LongAccumulator multiplePrimaries)
      implements Serializable {
    public static Counters register(SparkContext sc, String name) {
      return new Counters(sc.longAccumulator(name + "-read"), sc.longAccumulator(name + "-noPrimary"),
          sc.longAccumulator(name + "-multiplePrimaries"));
    }
  }

  /**
   * Which taking-part rows a pass keeps, by the smallest id of their identities (where stitching finds their
   * profile); rows that do not take part are left out too. Dropping rows inside the pass spares the copy of every
   * dropped wide row that the frame built from the pass would make.
   */
  public interface RowFilter extends Serializable {
    /** The decision ({@link #decide}) of an id whose row is left out. */
    long DROPPED = Long.MIN_VALUE;

    boolean keeps(long smallestId);

    /**
     * The decisions of {@code ids[from]} to {@code ids[from + count - 1]} into {@code decisions[0]} on,
     * {@link #DROPPED} for a row left out, in one loop of independent calls, whose memory waits (a lookup's probes)
     * the processor can overlap. A row is then kept or not by {@link #take} of its decision.
     */
    default void decide(long[] ids, int from, int count, long[] decisions) {
      for (int i = 0; i < count; i++) {
        decisions[i] = keeps(ids[from + i]) ? 0 : DROPPED;
      }
    }

    /**
     * Whether the row of {@code smallestId}, whose {@link #decide} gave {@code decision}, is kept, when it is read:
     * a lookup remembers the row's component then, for the read's keying of the same row, without a second probe.
     */
    default boolean take(long smallestId, long decision) {
      return decision != DROPPED;
    }
  }

  private IdentityColumns() {}

  /** Whether an identity value is blocked: null, or in {@code blocked} once trimmed and lower-cased. */
  public static boolean isBlocked(Object id, Set<String> blocked) {
    return id == null || blocked.contains(String.valueOf(id).trim().toLowerCase(Locale.ROOT));
  }

  /**
   * {@code union} with the items of its {@code identityMap} cut down to what linking reads ({@code id} and
   * {@code primary}): read with it, batches do not decode the rest ({@code authenticatedState}), a fifth of the
   * identity map's read. Any other schema is returned as it is.
   */
  public static StructType linkingOnly(StructType union) {
    boolean hasId = XdmMaps.identityItem(union).map(item -> item.getFieldIndex("id").isDefined()).orElse(false);
    return hasId ? XdmMaps.withIdentityItems(union, name -> name.equals("id") || name.equals("primary")) : union;
  }

  /** {@code schema} with {@link SystemColumns#IDENTITIES}, {@link SystemColumns#PRIMARY},
   * {@link SystemColumns#PRIMARY_NS} and {@link SystemColumns#SKIP_REASON} added. */
  public static StructType schemaOf(StructType schema) {
    return schema.add(SystemColumns.IDENTITIES, DataTypes.createArrayType(IDENTITY, false))
        .add(SystemColumns.IDS, DataTypes.createArrayType(DataTypes.LongType, false))
        .add(SystemColumns.PRIMARY, IDENTITY)
        .add(SystemColumns.PRIMARY_NS, DataTypes.StringType)
        .add(SystemColumns.SKIP_REASON, DataTypes.StringType);
  }

  /**
   * The rows with their identity columns ({@link #schemaOf}).
   *
   * @param blocked blocked values, trimmed and lower-cased
   * @param counters counted as the rows pass, or null
   */
  public static Dataset<Row> add(Dataset<Row> rows, Set<String> blocked, Counters counters) {
    return add(rows, blocked, counters, IdentityIds.XXHASH, null);
  }

  /**
   * As {@link #add(Dataset, Set, Counters)}, the identities' ids made with {@code hash}.
   *
   * @param filter the rows to keep, or null for all; rows left out are still counted
   */
  public static Dataset<Row> add(Dataset<Row> rows, Set<String> blocked, Counters counters, IdentityIds.Hash hash,
      RowFilter filter) {
    StructType schema = rows.schema();
    return InternalRowFrames.mapPartitions(rows, schemaOf(schema), reader(schema, blocked, counters, hash, filter)::read);
  }

  /**
   * What reads the identities of rows of {@code schema} (from its {@code identityMap}, if any), one row at a time
   * ({@link Reader#scan}), counting them in {@code counters} (or null).
   */
  static Reader reader(StructType schema, Set<String> blocked, Counters counters, IdentityIds.Hash hash,
      RowFilter filter) {
    int mapIdx = schema.getFieldIndex(XdmMaps.IDENTITY_MAP).isDefined()
        && schema.apply(XdmMaps.IDENTITY_MAP).dataType() instanceof MapType ? schema.fieldIndex(XdmMaps.IDENTITY_MAP)
        : -1;
    if (mapIdx < 0) {
      return new Reader(-1, 0, null, -1, Set.of(), counters, hash, filter);
    }
    StructType item = (StructType) ((ArrayType) ((MapType) schema.apply(XdmMaps.IDENTITY_MAP).dataType())
        .valueType()).elementType();
    Reader reader = new Reader(mapIdx, item.size(), item.apply("id").dataType(), item.getFieldIndex("primary")
        .isDefined() ? item.fieldIndex("primary") : -1, Set.copyOf(blocked), counters, hash, filter);
    reader.idIdx = item.fieldIndex("id");
    return reader;
  }

  /**
   * The condition on a row's {@code identityMap} (a column of {@code identityMapType}) that it takes part and
   * {@code filter} keeps it, counting every row in {@code counters}: a filter Spark evaluates on the rows as the scan
   * hands them over, before any projection copies them, so that the rows left out are never copied at all. The
   * rows it keeps then get their identity columns from {@link #add} without counters.
   */
  public static Column keeps(Column identityMap, DataType identityMapType, Set<String> blocked, Counters counters,
      IdentityIds.Hash hash, RowFilter filter) {
    StructType schema = new StructType().add(XdmMaps.IDENTITY_MAP, identityMapType);
    RowKeeper keeper = new RowKeeper(reader(schema, blocked, counters, hash, null), filter);
    // Not deterministic: it counts, so Spark must call it once per row, where it is placed.
    return InternalRowFrames.invoke(keeper, "keeps", DataTypes.BooleanType, /* returnNullable */ false,
        /* nullGivesNull */ false, /* deterministic */ false, identityMap);
  }

  /** {@link #keeps}'s per-row call, from the scan's generated code. */
  public static final class RowKeeper implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Reader reader;
    private final RowFilter filter;
    /**
     * Per thread: each task has its own copy anyway, but a shared one must not mix two rows. One holder, so that a
     * race on the lazy set-up at worst makes two.
     */
    private transient ThreadLocal<Scratch> scratch;

    /** A thread's row of one identity map and what the reader makes of it. */
    private record Scratch(GenericInternalRow row, RowIdentities seen) {}

    RowKeeper(Reader reader, RowFilter filter) {
      this.reader = reader;
      this.filter = filter;
    }

    /** Whether the row whose identity map is {@code identityMap} (or null) takes part and is kept; counts it. */
    public boolean keeps(MapData identityMap) {
      ThreadLocal<Scratch> local = scratch;
      if (local == null) {
        local = ThreadLocal.withInitial(() -> new Scratch(new GenericInternalRow(1), reader.scratch()));
        scratch = local;
      }
      Scratch s = local.get();
      s.row().update(0, identityMap);
      RowIdentities identities = s.seen();
      reader.scan(s.row(), identities);
      s.row().update(0, null);
      return identities.takesPart && filter.keeps(identities.smallestId);
    }
  }

  /** The per-row computation. */
  static final class Reader implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int mapIdx;
    private final int itemFields;
    private final DataType idType;
    private final int primaryIdx;
    private final Set<String> blocked;
    private final Counters counters;
    private final IdentityIds.Hash hash;
    private final RowFilter filter;
    private int idIdx;

    Reader(int mapIdx, int itemFields, DataType idType, int primaryIdx, Set<String> blocked, Counters counters,
        IdentityIds.Hash hash, RowFilter filter) {
      this.hash = hash;
      this.filter = filter;
      this.mapIdx = mapIdx;
      this.itemFields = itemFields;
      this.idType = idType;
      this.primaryIdx = primaryIdx;
      this.blocked = blocked;
      this.counters = counters;
    }

    /** A row's identities, to be filled by {@link #scan} row after row. */
    RowIdentities scratch() {
      return new RowIdentities(blocked);
    }

    Iterator<InternalRow> read(Iterator<InternalRow> rows) {
      JoinedRow joined = new JoinedRow();
      RowIdentities scratch = new RowIdentities(blocked);
      if (filter == null) {
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            return rows.hasNext();
          }

          @Override
          public InternalRow next() {
            InternalRow row = rows.next();
            scan(row, scratch);
            return joined.apply(row, columns(scratch));
          }
        };
      }
      return new Iterator<>() {
        private InternalRow kept;  // the next row kept, joined, or null

        @Override
        public boolean hasNext() {
          while (kept == null && rows.hasNext()) {
            InternalRow row = rows.next();
            scan(row, scratch);
            // The columns are made only for the rows kept: most rows of a filtered export are not.
            if (scratch.takesPart && filter.keeps(scratch.smallestId)) {
              kept = joined.apply(row, columns(scratch));
            }
          }
          return kept != null;
        }

        @Override
        public InternalRow next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          InternalRow out = kept;
          kept = null;
          return out;
        }
      };
    }

    /**
     * Reads a row's identities into {@code seen} and counts the row: its distinct sorted ids, its primary, its skip
     * reason, whether it takes part and its smallest id ({@code seen.takesPart}, {@code seen.smallestId}).
     */
    void scan(InternalRow row, RowIdentities seen) {
      seen.clear();
      if (mapIdx >= 0 && !row.isNullAt(mapIdx)) {
        MapData map = row.getMap(mapIdx);
        ArrayData keys = map.keyArray();
        ArrayData values = map.valueArray();
        for (int n = 0; n < map.numElements(); n++) {
          if (keys.isNullAt(n) || values.isNullAt(n)) {
            continue;
          }
          UTF8String spelling = seen.namespaces.get(keys, n);
          UTF8String nsKey = seen.namespaces.derivedText(keys, n, seen.namespaceKey);
          ArrayData items = values.getArray(n);
          for (int i = 0; i < items.numElements(); i++) {
            if (items.isNullAt(i)) {
              continue;
            }
            InternalRow item = items.getStruct(i, itemFields);
            Object id = item.isNullAt(idIdx) ? null : item.get(idIdx, idType);
            if (seen.texts.isBlocked(id)) {
              continue;
            }
            UTF8String idText = id instanceof UTF8String s ? s : UTF8String.fromString(String.valueOf(id));
            seen.add(nsKey, idText, spelling,
                primaryIdx >= 0 && !item.isNullAt(primaryIdx) && item.getBoolean(primaryIdx));
          }
        }
      }
      int count = seen.size();
      long[] ids = seen.ids(count);
      int marked = 0;
      int primaryAt = -1;
      long[] hashes = seen.hashes(count);
      for (int n = 0; n < count; n++) {
        ids[n] = hash.of(seen.nsKeys[n], seen.idTexts[n]);
        hashes[n] = ids[n];
        if (seen.primary[n]) {
          marked++;
          primaryAt = n;
        }
      }
      java.util.Arrays.sort(ids, 0, count);
      seen.smallestId = count == 0 ? Long.MIN_VALUE : ids[0];
      int distinct = 0;
      for (int i = 0; i < count; i++) {
        if (i == 0 || ids[i] != ids[i - 1]) {
          ids[distinct++] = ids[i];
        }
      }
      UTF8String skip = null;
      if (marked > 1) {
        skip = MULTIPLE_TEXT;
        primaryAt = -1;
      } else if (marked == 0) {
        if (count == 1) {
          primaryAt = 0;
        } else {
          skip = NO_PRIMARY_TEXT;
        }
      }
      seen.takesPart = skip == null;
      seen.distinctIds = distinct;
      seen.primaryAt = primaryAt;
      seen.skip = skip;
      count(seen);
    }

    /** Counts the row {@link #scan} read into {@code seen}: read, and why it is skipped, if it is. */
    private void count(RowIdentities seen) {
      if (counters != null) {
        counters.read().add(1);
        if (seen.skip == NO_PRIMARY_TEXT) {
          counters.noPrimary().add(1);
        } else if (seen.skip == MULTIPLE_TEXT) {
          counters.multiplePrimaries().add(1);
        }
      }
    }

    /** The identity columns of the row {@link #scan} read last into {@code seen}. */
    private static InternalRow columns(RowIdentities seen) {
      int count = seen.size();
      Object[] identities = new Object[count];
      for (int n = 0; n < count; n++) {
        identities[n] = new GenericInternalRow(new Object[] {seen.nsKeys[n], seen.idTexts[n]});
      }
      int primaryAt = seen.primaryAt;
      return new GenericInternalRow(new Object[] {new GenericArrayData(identities),
          org.apache.spark.sql.catalyst.expressions.UnsafeArrayData.fromPrimitiveArray(
              java.util.Arrays.copyOf(seen.ids, seen.distinctIds)),
          primaryAt < 0 ? null : new GenericInternalRow(new Object[] {seen.nsKeys[primaryAt], seen.idTexts[primaryAt]}),
          primaryAt < 0 ? null : seen.spellings[primaryAt], seen.skip});
    }
  }

  /**
   * One row's distinct identities in first-seen order, with the spelling of their first occurrence and whether any
   * occurrence is marked primary; reused from row to row of a task. Rows carry a handful of identities, so they are
   * deduplicated by scanning, which needs no map or key; namespaces are lower-cased once per task.
   */
  static final class RowIdentities {
    /** Namespace keys and the blocked check, cached for the task. */
    final IdentityTexts texts;
    /** Namespace spellings read from a scan's batches without copying the dictionary's entry for each row. */
    final io.profileexport.engine.ColumnarTexts namespaces = new io.profileexport.engine.ColumnarTexts();
    /**
     * {@link IdentityTexts#namespaceKey}, asked once per batch and namespace through {@link #namespaces}: a hash
     * lookup of each identity's namespace spelling was 4% of the graph pass.
     */
    final java.util.function.UnaryOperator<UTF8String> namespaceKey;
    private UTF8String[] nsKeys = new UTF8String[4];
    private UTF8String[] idTexts = new UTF8String[4];
    private UTF8String[] spellings = new UTF8String[4];
    private boolean[] primary = new boolean[4];
    private int size;
    /** Whether the last row takes part (exactly one primary identity), and the smallest hash id of its identities. */
    boolean takesPart;
    long smallestId;
    /** The last row's distinct hash ids, sorted (the first {@link #distinctIds}), its primary's index or -1, and its
     * skip reason or null. */
    private long[] ids = new long[4];
    private long[] hashes = new long[4];
    private int distinctIds;
    private int primaryAt;
    private UTF8String skip;

    RowIdentities(Set<String> blocked) {
      this.texts = new IdentityTexts(blocked);
      this.namespaceKey = texts::namespaceKey;
    }

    void clear() {
      // Only the first size entries are ever read: the last row's texts stay until overwritten (nulling them was
      // a few percent of the scans' samples).
      size = 0;
    }

    int size() {
      return size;
    }

    /** The ids buffer, with room for {@code count}. */
    long[] ids(int count) {
      if (ids.length < count) {
        ids = new long[Math.max(count, ids.length * 2)];
      }
      return ids;
    }

    /** The buffer of each identity's hash, in identity order, with room for {@code count}. */
    long[] hashes(int count) {
      if (hashes.length < count) {
        hashes = new long[Math.max(count, hashes.length * 2)];
      }
      return hashes;
    }

    // What the graph pass reads of the last row scanned.

    UTF8String nsKey(int n) {
      return nsKeys[n];
    }

    UTF8String idText(int n) {
      return idTexts[n];
    }

    /** The hash id of identity {@code n}. */
    long hashOf(int n) {
      return hashes[n];
    }

    /** The distinct hash ids, sorted: the first {@link #distinctIds()} of the array. */
    long[] sortedIds() {
      return ids;
    }

    int distinctIds() {
      return distinctIds;
    }

    /** The index of the primary identity, or -1 when the row does not take part. */
    int primaryAt() {
      return primaryAt;
    }

    boolean isPrimary(int n) {
      return primary[n];
    }

    void add(UTF8String nsKey, UTF8String idText, UTF8String spelling, boolean marked) {
      for (int n = 0; n < size; n++) {
        if (nsKeys[n].equals(nsKey) && idTexts[n].equals(idText)) {
          primary[n] |= marked;
          return;
        }
      }
      if (size == nsKeys.length) {
        nsKeys = java.util.Arrays.copyOf(nsKeys, size * 2);
        idTexts = java.util.Arrays.copyOf(idTexts, size * 2);
        spellings = java.util.Arrays.copyOf(spellings, size * 2);
        primary = java.util.Arrays.copyOf(primary, size * 2);
      }
      nsKeys[size] = nsKey;
      idTexts[size] = idText;
      spellings[size] = spelling;
      primary[size++] = marked;
    }
  }
}
