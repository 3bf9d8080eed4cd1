package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
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
 * hashes are found by sorting the identities by hash and comparing neighbours ({@link GraphRows}); the colliding keys
 * (almost always none) and counts are all that is brought to the driver. The ids depend only on the identities,
 * not on partitioning.
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

  /** The ids of a graph whose identities' hashes are all distinct: the hashes themselves. */
  static IdentityIds hashed(Hash hash, long distinctIdentities) {
    return new IdentityIds(hash, Map.of(), distinctIdentities);
  }

  /**
   * The ids of a graph where two or more identities share each of {@code collidingHashes}: those identities, read
   * from {@code identities} (rows of {@code nsKey}, {@code id}, duplicates allowed), get negative ids in the sorted
   * order of their keys. Only they reach the driver.
   *
   * @param distinctHashes the distinct hashes of all the identities
   */
  static IdentityIds resolved(Dataset<Row> identities, Hash hash, long distinctHashes,
      java.util.Collection<Long> collidingHashes) {
    Column hashed = hash.column(col("nsKey"), col("id"));
    List<String> keys = new ArrayList<>();
    for (Row r : identities.filter(hashed.isin(collidingHashes.toArray())).select(col("nsKey"), col("id"))
        .distinct().collectAsList()) {
      keys.add(key(r.getString(0), r.getString(1)));
    }
    keys.sort(null);
    Map<String, Long> collided = new TreeMap<>();
    long next = -1;
    for (String k : keys) {
      collided.put(k, next--);
    }
    return new IdentityIds(hash, collided, distinctHashes + keys.size() - collidingHashes.size());
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

  /** The sorted distinct ids of the first {@code count} identities (namespace keys and ids by index). */
  long[] sortedIds(UTF8String[] nsKeys, UTF8String[] idTexts, int count) {
    long[] out = new long[count];
    for (int i = 0; i < count; i++) {
      out[i] = idOf(nsKeys[i], idTexts[i]);
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

  public long distinctIdentities() {
    return distinctIdentities;
  }

  public int collisions() {
    return collided.size();
  }
}
