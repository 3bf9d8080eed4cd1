package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import io.profileexport.engine.SystemColumns;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code identityGraph: none} (SPEC 3.3): a profile is the set of records sharing one primary identity. The profile
 * key is the primary identity itself, namespace lower-cased, so it needs no lookup.
 */
public final class PrimaryIdentityStitching {
  private PrimaryIdentityStitching() {}

  /** The profile key of a primary identity {nsKey, id}: the two joined by a character no namespace holds. */
  public static Column profileKey(Column primary) {
    return concat(primary.getField("nsKey"), lit("\u0000"), primary.getField("id"));
  }

  /** Records (skipped ones removed) with {@link SystemColumns#PROFILE}. */
  public static Dataset<Row> keyed(Dataset<Row> records) {
    return records.withColumn(SystemColumns.PROFILE, profileKey(col(SystemColumns.PRIMARY)));
  }
}
