package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.sql.types.DataTypes;
import io.profileexport.engine.SystemColumns;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.JavaConverters;

/**
 * Exact 64-bit ids for identities (nsKey, id): a non-negative 64-bit hash, except for the identities whose hash
 * collides with another identity's, which get negative ids assigned in the sorted order of their keys. Colliding
 * hashes are found with one aggregation over the identities; the colliding keys (almost always none) are the only
 * thing brought to the driver. The ids depend only on the identities, not on partitioning.
 */
public final class IdentityIds implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * The hash of an identity, computed alike in Java (inside the identity pass) and as a Spark column (to find
   * collisions); tests plug in a tiny one to force collisions. Must be non-negative.
   */
  public interface Hash extends Serializable {
    long of(UTF8String nsKey, UTF8String id);

    Column column(Column nsKey, Column id);
  }

  /** The default: Spark's {@code xxhash64(nsKey, id)} without its sign bit, and its twin in Java. */
  public static final Hash XXHASH = new Hash() {
    private static final long serialVersionUID = 1L;

    @Override
    public long of(UTF8String nsKey, UTF8String id) {
      // As Spark's XxHash64 of two string columns: each value's UTF-8 bytes hashed with the previous hash as seed.
      long h = XXH64.hashUnsafeBytes(nsKey.getBaseObject(), nsKey.getBaseOffset(), nsKey.numBytes(), 42L);
      return XXH64.hashUnsafeBytes(id.getBaseObject(), id.getBaseOffset(), id.numBytes(), h) & Long.MAX_VALUE;
    }

    @Override
    public Column column(Column nsKey, Column id) {
      return xxhash64(nsKey, id).bitwiseAND(lit(Long.MAX_VALUE));
    }
  };

  private final Hash hash;
  private final Map<String, Long> collided;
  private final long distinctIdentities;

  private IdentityIds(Hash hash, Map<String, Long> collided, long distinctIdentities) {
    this.hash = hash;
    this.collided = collided;
    this.distinctIdentities = distinctIdentities;
  }

  /**
   * Ids for every identity of {@code identities} (rows of {@code nsKey}, {@code id}, duplicates allowed).
   *
   * @param observation name for the count of distinct hashes (the only action runs here)
   */
  public static IdentityIds of(Dataset<Row> identities, Hash hash, String observation) {
    Column hashed = hash.column(col("nsKey"), col("id"));
    Observation counted = new Observation(observation);
    Dataset<Row> byHash = identities
        .groupBy(hashed.as("h"))
        .agg(min(struct(col("nsKey"), col("id"))).as("lo"), max(struct(col("nsKey"), col("id"))).as("hi"))
        .observe(counted, count(lit(1)).as("hashes"));
    List<Long> collidingHashes = new ArrayList<>();
    for (Row r : byHash.filter(col("lo").notEqual(col("hi"))).select(col("h")).collectAsList()) {
      collidingHashes.add(r.getLong(0));
    }
    Object observed = awaited(counted).get("hashes");
    long distinct = observed == null ? 0 : (Long) observed;
    Map<String, Long> collided = new TreeMap<>();
    if (!collidingHashes.isEmpty()) {
      List<String> keys = new ArrayList<>();
      for (Row r : identities.filter(hashed.isin(collidingHashes.toArray()))
          .select(col("nsKey"), col("id")).distinct().collectAsList()) {
        keys.add(key(r.getString(0), r.getString(1)));
      }
      keys.sort(null);
      long next = -1;
      for (String k : keys) {
        collided.put(k, next--);
      }
      distinct += keys.size() - collidingHashes.size();
    }
    return new IdentityIds(hash, collided, distinct);
  }

  private static Map<String, Object> awaited(Observation observation) {
    try {
      return observation.getAsJava();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String key(String nsKey, String id) {
    return nsKey + '\u0000' + id;
  }

  public long idOf(String nsKey, String id) {
    Long special = collided.isEmpty() ? null : collided.get(key(nsKey, id));
    return special != null ? special : hash.of(UTF8String.fromString(nsKey), UTF8String.fromString(id));
  }

  /** {@link #idOf(String, String)} without decoding the text when no hash collided. */
  public long idOf(UTF8String nsKey, UTF8String id) {
    return collided.isEmpty() ? hash.of(nsKey, id) : idOf(nsKey.toString(), id.toString());
  }

  /** The sorted distinct ids of an array of {nsKey, id} identities. */
  long[] sortedIds(org.apache.spark.sql.catalyst.util.ArrayData identities) {
    long[] out = new long[identities.numElements()];
    for (int i = 0; i < out.length; i++) {
      org.apache.spark.sql.catalyst.InternalRow identity = identities.getStruct(i, 2);
      out[i] = idOf(identity.getUTF8String(0), identity.getUTF8String(1));
    }
    return java.util.Arrays.stream(out).sorted().distinct().toArray();
  }

  /** Whether some identities' hashes collided, so that the hash ids computed in the identity pass are not final. */
  public boolean hasCollisions() {
    return !collided.isEmpty();
  }

  /**
   * The final ids of a row: its hash ids ({@link SystemColumns#IDS}) when no hash collided, else its identities'
   * ids computed again with the colliding ones replaced (rare: a UDF is fine there).
   */
  public Column sortedIds() {
    if (collided.isEmpty()) {
      return col(SystemColumns.IDS);
    }
    IdentityIds self = this;
    return udf((UDF1<scala.collection.Seq<Row>, long[]>) rows -> {
      if (rows == null) {
        return new long[0];
      }
      List<Row> list = JavaConverters.seqAsJavaList(rows);
      long[] ids = new long[list.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = self.idOf(list.get(i).getString(0), list.get(i).getString(1));
      }
      return java.util.Arrays.stream(ids).sorted().distinct().toArray();
    }, DataTypes.createArrayType(DataTypes.LongType, false)).apply(col(SystemColumns.IDENTITIES));
  }

  /** The id of one identity, a {nsKey, id} struct column. */
  public Column idColumn(Column identity) {
    if (collided.isEmpty()) {
      return hash.column(identity.getField("nsKey"), identity.getField("id"));
    }
    IdentityIds self = this;
    return udf((UDF1<Row, Long>) r -> r == null ? null : self.idOf(r.getString(0), r.getString(1)),
        DataTypes.LongType).apply(identity);
  }

  public long distinctIdentities() {
    return distinctIdentities;
  }

  public int collisions() {
    return collided.size();
  }
}
