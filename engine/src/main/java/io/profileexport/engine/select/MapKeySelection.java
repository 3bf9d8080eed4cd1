package io.profileexport.engine.select;

import io.profileexport.engine.InternalRowFrames;
import java.io.Serializable;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The projection of a text-keyed map of which only whole keys are selected ({@code identityMap.ECID},
 * {@code segmentMembership.ups}): the entries whose key is selected and whose value is not null, or null when none
 * is. The same as {@link Projection}'s general form ({@code transform_values}, then {@code map_filter}), as Java
 * called from Spark's generated code: Spark interprets those functions row by row, which was a fifth of the stage
 * that merges, filters and writes profiles.
 */
public final class MapKeySelection implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Set<UTF8String> keys;
  private final boolean namespaceKeys;
  private final MapType type;

  private MapKeySelection(Set<String> keys, boolean namespaceKeys, MapType type) {
    this.keys = Set.copyOf(keys.stream().map(UTF8String::fromString).toList());
    this.namespaceKeys = namespaceKeys;
    this.type = type;
  }

  /**
   * {@code map} (of {@code type}, whose keys are texts) with only the entries of {@code keys}, compared as Spark's
   * {@code lower} lower-cases a namespace map's keys ({@code keys} are lower-cased already).
   */
  static Column column(Column map, MapType type, Set<String> keys, boolean namespaceKeys) {
    // Typed as the general form's result: values may be null as far as the type goes (none is).
    MapType result = DataTypes.createMapType(type.keyType(), type.valueType(), true);
    return InternalRowFrames.invoke(new MapKeySelection(keys, namespaceKeys, type), "select", result,
        /* returnNullable */ true, map);
  }

  /** Called by the generated code for each non-null map. */
  public MapData select(MapData map) {
    ArrayData mapKeys = map.keyArray();
    ArrayData values = map.valueArray();
    int n = map.numElements();
    int[] kept = null;
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (values.isNullAt(i)) {
        continue;
      }
      UTF8String key = mapKeys.getUTF8String(i);
      if (keys.contains(namespaceKeys ? key.toLowerCase() : key)) {
        if (kept == null) {
          kept = new int[n - i];
        }
        kept[count++] = i;
      }
    }
    if (count == 0) {
      return null;
    }
    Object[] outKeys = new Object[count];
    Object[] outValues = new Object[count];
    for (int j = 0; j < count; j++) {
      outKeys[j] = mapKeys.get(kept[j], DataTypes.StringType);
      outValues[j] = values.get(kept[j], type.valueType());
    }
    return new ArrayBasedMapData(new GenericArrayData(outKeys), new GenericArrayData(outValues));
  }
}
