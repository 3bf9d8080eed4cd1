package io.profileexport.engine.merge;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.try_to_timestamp;
import static org.apache.spark.sql.functions.unix_millis;

import java.time.ZoneId;
import java.time.ZoneOffset;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Data timestamps (SPEC 1) are RFC 3339 strings, epoch milliseconds or timestamps; they are compared as instants
 * truncated to the millisecond. A string that does not parse compares as null, ANSI mode or not (as the merge,
 * which parses them itself, treats it).
 */
public final class DataTimestamps {
  private DataTimestamps() {}

  /** Epoch milliseconds of {@code c}, a column of type {@code type}; null when absent or unparsable. */
  public static Column epochMillis(Column c, DataType type) {
    if (type instanceof TimestampType || type instanceof TimestampNTZType) {
      return unix_millis(c.cast("timestamp"));
    }
    if (type instanceof StringType) {
      // Not a cast: under ANSI mode a cast fails the job on the first text that does not parse.
      return unix_millis(try_to_timestamp(c));
    }
    if (type instanceof LongType || type instanceof IntegerType) {
      return c.cast("long");
    }
    return lit(null).cast("long");
  }

  /**
   * Epoch milliseconds of an internal (Catalyst) value of type {@code type}, as {@link #epochMillis(Column,
   * DataType)} reads it in a session whose time zone is {@code zone}; null when the text does not parse. For the
   * Java passes (the merge, the segment match).
   */
  public static Long epochMillis(Object value, DataType type, ZoneId zone) {
    if (value == null) {
      return null;
    }
    if (type instanceof TimestampType) {
      return Math.floorDiv((Long) value, 1000L);
    }
    if (type instanceof TimestampNTZType) {
      // A wall time, read in the session's zone as Spark's cast to timestamp reads it.
      return Math.floorDiv(DateTimeUtils.convertTz((Long) value, zone, ZoneOffset.UTC), 1000L);
    }
    if (type instanceof LongType) {
      return (Long) value;
    }
    if (type instanceof IntegerType) {
      return ((Integer) value).longValue();
    }
    if (type instanceof StringType) {
      // What try_to_timestamp (a cast that does not fail) does with a text and the session's zone.
      scala.Option<Object> micros = DateTimeUtils.stringToTimestamp((UTF8String) value, zone);
      return micros.isDefined() ? Math.floorDiv((Long) micros.get(), 1000L) : null;
    }
    return null;
  }

  public static boolean isSupported(DataType type) {
    return type instanceof TimestampType || type instanceof TimestampNTZType || type instanceof StringType
        || type instanceof LongType || type instanceof IntegerType;
  }
}
