package io.profileexport.engine.stitch;

import io.profileexport.engine.InternalRowFrames;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.merge.XdmMaps;
import java.io.Serializable;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkContext;
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

  private IdentityColumns() {}

  /** Whether an identity value is blocked: null, or in {@code blocked} once trimmed and lower-cased. */
  public static boolean isBlocked(Object id, Set<String> blocked) {
    return id == null || blocked.contains(String.valueOf(id).trim().toLowerCase(Locale.ROOT));
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
    return add(rows, blocked, counters, IdentityIds.XXHASH);
  }

  /** As {@link #add(Dataset, Set, Counters)}, the identities' ids made with {@code hash}. */
  public static Dataset<Row> add(Dataset<Row> rows, Set<String> blocked, Counters counters, IdentityIds.Hash hash) {
    StructType schema = rows.schema();
    int mapIdx = schema.getFieldIndex(XdmMaps.IDENTITY_MAP).isDefined()
        && schema.apply(XdmMaps.IDENTITY_MAP).dataType() instanceof MapType ? schema.fieldIndex(XdmMaps.IDENTITY_MAP)
        : -1;
    Reader reader;
    if (mapIdx < 0) {
      reader = new Reader(-1, 0, null, -1, Set.of(), counters, hash);
    } else {
      StructType item = (StructType) ((ArrayType) ((MapType) schema.apply(XdmMaps.IDENTITY_MAP).dataType())
          .valueType()).elementType();
      reader = new Reader(mapIdx, item.size(), item.apply("id").dataType(), item.getFieldIndex("primary")
          .isDefined() ? item.fieldIndex("primary") : -1, Set.copyOf(blocked), counters, hash);
      reader.idIdx = item.fieldIndex("id");
    }
    return InternalRowFrames.mapPartitions(rows, schemaOf(schema), reader::read);
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
    private int idIdx;

    Reader(int mapIdx, int itemFields, DataType idType, int primaryIdx, Set<String> blocked, Counters counters,
        IdentityIds.Hash hash) {
      this.hash = hash;
      this.mapIdx = mapIdx;
      this.itemFields = itemFields;
      this.idType = idType;
      this.primaryIdx = primaryIdx;
      this.blocked = blocked;
      this.counters = counters;
    }

    Iterator<InternalRow> read(Iterator<InternalRow> rows) {
      JoinedRow joined = new JoinedRow();
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public InternalRow next() {
          InternalRow row = rows.next();
          return joined.apply(row, identities(row));
        }
      };
    }

    private InternalRow identities(InternalRow row) {
      // Distinct identities in first-seen order: {nsKey, id, spelling}, and which of them are marked primary.
      Map<String, UTF8String[]> seen = new LinkedHashMap<>();
      Map<String, Boolean> marked = new LinkedHashMap<>();
      if (mapIdx >= 0 && !row.isNullAt(mapIdx)) {
        MapData map = row.getMap(mapIdx);
        ArrayData keys = map.keyArray();
        ArrayData values = map.valueArray();
        for (int n = 0; n < map.numElements(); n++) {
          if (keys.isNullAt(n) || values.isNullAt(n)) {
            continue;
          }
          UTF8String spelling = keys.getUTF8String(n);
          UTF8String nsKey = UTF8String.fromString(spelling.toString().toLowerCase(Locale.ROOT));
          ArrayData items = values.getArray(n);
          for (int i = 0; i < items.numElements(); i++) {
            if (items.isNullAt(i)) {
              continue;
            }
            InternalRow item = items.getStruct(i, itemFields);
            Object id = item.isNullAt(idIdx) ? null : item.get(idIdx, idType);
            if (isBlocked(id, blocked)) {
              continue;
            }
            UTF8String idText = id instanceof UTF8String s ? s : UTF8String.fromString(String.valueOf(id));
            String key = nsKey + "\u0000" + idText;
            seen.putIfAbsent(key, new UTF8String[] {nsKey, idText, spelling});
            if (primaryIdx >= 0 && !item.isNullAt(primaryIdx) && item.getBoolean(primaryIdx)) {
              marked.put(key, true);
            }
          }
        }
      }
      Object[] identities = new Object[seen.size()];
      long[] ids = new long[seen.size()];
      int n = 0;
      for (UTF8String[] v : seen.values()) {
        identities[n] = new GenericInternalRow(new Object[] {v[0], v[1]});
        ids[n++] = hash.of(v[0], v[1]);
      }
      java.util.Arrays.sort(ids);
      int distinct = 0;
      for (int i = 0; i < ids.length; i++) {
        if (i == 0 || ids[i] != ids[i - 1]) {
          ids[distinct++] = ids[i];
        }
      }
      String primaryKey = null;
      UTF8String skip = null;
      if (marked.size() == 1) {
        primaryKey = marked.keySet().iterator().next();
      } else if (marked.size() > 1) {
        skip = MULTIPLE_TEXT;
      } else if (seen.size() == 1) {
        primaryKey = seen.keySet().iterator().next();
      } else {
        skip = NO_PRIMARY_TEXT;
      }
      if (counters != null) {
        counters.read().add(1);
        if (skip == NO_PRIMARY_TEXT) {
          counters.noPrimary().add(1);
        } else if (skip == MULTIPLE_TEXT) {
          counters.multiplePrimaries().add(1);
        }
      }
      UTF8String[] primary = primaryKey == null ? null : seen.get(primaryKey);
      return new GenericInternalRow(new Object[] {new GenericArrayData(identities),
          org.apache.spark.sql.catalyst.expressions.UnsafeArrayData.fromPrimitiveArray(
              java.util.Arrays.copyOf(ids, distinct)),
          primary == null ? null : new GenericInternalRow(new Object[] {primary[0], primary[1]}),
          primary == null ? null : primary[2], skip});
    }
  }
}
