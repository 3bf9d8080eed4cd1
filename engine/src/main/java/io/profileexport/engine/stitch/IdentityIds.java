package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.udf;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.Platform;
import scala.collection.JavaConverters;

/**
 * Exact 64-bit ids for identities (nsKey, id): a non-negative 64-bit hash, except for the identities whose hash
 * collides with another identity's, which get negative ids assigned in the sorted order of their keys. Colliding
 * hashes are found with one aggregation over the identities; the colliding keys (almost always none) are the only
 * thing brought to the driver. The ids depend only on the identities, not on partitioning.
 */
public final class IdentityIds implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The hash of an identity; tests plug in a tiny one to force collisions. Must never return Long.MIN_VALUE. */
  public interface Hash extends Serializable {
    long of(String nsKey, String id);
  }

  /** The default: XXH64 of the UTF-8 bytes of nsKey, a NUL and id, without its sign bit. */
  public static final Hash XXHASH = (nsKey, id) -> {
    byte[] bytes = (nsKey + '\u0000' + id).getBytes(StandardCharsets.UTF_8);
    return XXH64.hashUnsafeBytes(bytes, Platform.BYTE_ARRAY_OFFSET, bytes.length, 42L) & Long.MAX_VALUE;
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
    Column hashed = udf((UDF2<String, String, Long>) hash::of, DataTypes.LongType)
        .apply(col("nsKey"), col("id"));
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
    return special != null ? special : hash.of(nsKey, id);
  }

  /** The distinct ids of an array of identities {nsKey, id}, sorted: a record's or event's place in the graph. */
  public Column sortedIds(Column identities) {
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
    }, DataTypes.createArrayType(DataTypes.LongType, false)).apply(identities);
  }

  public long distinctIdentities() {
    return distinctIdentities;
  }

  public int collisions() {
    return collided.size();
  }
}
