package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;

/**
 * Exact 64-bit ids for identities (nsKey, id): a non-negative 64-bit hash, except for the identities whose hash
 * collides with another identity's, which get negative ids assigned in the sorted order of their keys. Colliding
 * hashes are found with one aggregation over the distinct identities; the colliding keys (almost always none) are the
 * only thing brought to the driver. The ids depend only on the identities, not on partitioning.
 */
public final class IdentityIds implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The hash of an identity; tests plug in a tiny one to force collisions. */
  public interface Hash extends BinaryOperator<Column>, Serializable {}

  /** The default: xxhash64 of (nsKey, id) without its sign bit. */
  public static final Hash XXHASH = (nsKey, id) -> xxhash64(nsKey, id).bitwiseAND(lit(Long.MAX_VALUE));

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
    Observation counted = new Observation(observation);
    Dataset<Row> byHash = identities
        .groupBy(hash.apply(col("nsKey"), col("id")).as("h"))
        .agg(min(struct(col("nsKey"), col("id"))).as("lo"), max(struct(col("nsKey"), col("id"))).as("hi"))
        .observe(counted, count(lit(1)).as("hashes"));
    List<Long> collidingHashes = new ArrayList<>();
    for (Row r : byHash.filter(col("lo").notEqual(col("hi"))).select(col("h")).collectAsList()) {
      collidingHashes.add(r.getLong(0));
    }
    Object observed = awaited(counted).get("hashes");
    long hashes = observed == null ? 0 : (Long) observed;
    Map<String, Long> collided = new TreeMap<>();
    if (!collidingHashes.isEmpty()) {
      List<String> keys = new ArrayList<>();
      for (Row r : identities.filter(hash.apply(col("nsKey"), col("id")).isin(collidingHashes.toArray()))
          .select(col("nsKey"), col("id")).distinct().collectAsList()) {
        keys.add(key(r.getString(0), r.getString(1)));
      }
      keys.sort(null);
      long next = -1;
      for (String k : keys) {
        collided.put(k, next--);
      }
      hashes += keys.size() - collidingHashes.size();
    }
    return new IdentityIds(hash, collided, hashes);
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

  /** The id of the identity (nsKey, id) as a column. */
  public Column idOf(Column nsKey, Column id) {
    Column hashed = hash.apply(nsKey, id);
    if (collided.isEmpty()) {
      return hashed;
    }
    List<Column> entries = new ArrayList<>();
    collided.forEach((k, v) -> {
      entries.add(lit(k));
      entries.add(lit(v));
    });
    return coalesce(element_at(map(entries.toArray(new Column[0])), concat(nsKey, lit("\u0000"), id)), hashed);
  }

  public long distinctIdentities() {
    return distinctIdentities;
  }

  public int collisions() {
    return collided.size();
  }
}
