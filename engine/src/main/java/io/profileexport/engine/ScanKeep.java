package io.profileexport.engine;

import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.spark.sql.Column;

/**
 * Which records a read of the lake keeps ({@code InputFrames.read}), decided on the rows as the scan hands them over,
 * before the projection to the union schema copies them, so that the rows left out are never copied.
 */
public interface ScanKeep {
  /** The condition on a record's {@code identityMap}, brought to the union's type (null when it has none). */
  Column byIdentityMap(Column identityMap);

  /**
   * The condition on a lake batch record's data file and index in it ({@code _metadata.file_path},
   * {@code _metadata.row_index}), or empty to decide by {@link #byIdentityMap} there too.
   */
  Optional<Column> byPosition(Column file, Column rowIndex);

  /**
   * A keep of these two conditions.
   *
   * @param byPosition the condition on a batch record's file and row index, or null to decide by identity map there
   */
  static ScanKeep of(Function<Column, Column> byIdentityMap, BiFunction<Column, Column, Column> byPosition) {
    return new ScanKeep() {
      @Override
      public Column byIdentityMap(Column identityMap) {
        return byIdentityMap.apply(identityMap);
      }

      @Override
      public Optional<Column> byPosition(Column file, Column rowIndex) {
        return Optional.ofNullable(byPosition).map(condition -> condition.apply(file, rowIndex));
      }
    };
  }
}
