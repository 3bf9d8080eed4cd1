package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.map_filter;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.transform_values;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.merge.XdmMaps;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;

/**
 * A record's identities and primary identity (SPEC 3.1), as row-local expressions: no shuffle. Items whose value is
 * blocked are removed everywhere, {@code identityMap} included, so they never link, key or appear in output.
 * Namespaces compare case-insensitively (as {@code nsKey}, lower-cased), values exactly.
 */
public final class IdentityColumns {
  public static final String NO_PRIMARY = "noPrimaryIdentity";
  public static final String MULTIPLE_PRIMARIES = "multiplePrimaryIdentities";

  /** {nsKey, id}: an identity as it links and keys profiles. */
  public static final StructType IDENTITY = new StructType()
      .add("nsKey", DataTypes.StringType)
      .add("id", DataTypes.StringType);

  private IdentityColumns() {}

  /**
   * Adds {@link SystemColumns#IDENTITIES}, {@link SystemColumns#PRIMARY}, {@link SystemColumns#PRIMARY_NS} and
   * {@link SystemColumns#SKIP_REASON}, and replaces {@code identityMap} by its non-blocked items.
   *
   * @param blocked blocked values, trimmed and lower-cased
   */
  public static Dataset<Row> add(Dataset<Row> records, Set<String> blocked) {
    StructType schema = records.schema();
    boolean hasMap = schema.getFieldIndex(XdmMaps.IDENTITY_MAP).isDefined()
        && schema.apply(XdmMaps.IDENTITY_MAP).dataType() instanceof MapType;
    if (!hasMap) {
      Column none = lit(null).cast(IDENTITY);
      return records
          .withColumn(SystemColumns.IDENTITIES, array().cast(DataTypes.createArrayType(IDENTITY)))
          .withColumn(SystemColumns.PRIMARY, none)
          .withColumn(SystemColumns.PRIMARY_NS, lit(null).cast("string"))
          .withColumn(SystemColumns.SKIP_REASON, lit(NO_PRIMARY));
    }
    StructType item = (StructType) ((ArrayType) ((MapType) schema.apply(XdmMaps.IDENTITY_MAP).dataType())
        .valueType()).elementType();
    boolean hasPrimaryFlag = item.getFieldIndex("primary").isDefined();

    Column identityMap = col(XdmMaps.IDENTITY_MAP);
    Column cleaned = map_filter(
        transform_values(identityMap, (ns, items) -> filter(items, i -> isUsable(i, blocked))),
        (ns, items) -> size(items).gt(0));
    // Every usable item as {ns (as spelled), nsKey, id, primary}.
    Column items = coalesce(flatten(transform(map_entries(cleaned), e -> transform(e.getField("value"),
            i -> struct(e.getField("key").as("ns"), lower(e.getField("key")).as("nsKey"),
                i.getField("id").cast("string").as("id"),
                (hasPrimaryFlag ? coalesce(i.getField("primary").cast("boolean"), lit(false)) : lit(false))
                    .as("primary"))))),
        array().cast(DataTypes.createArrayType(new StructType().add("ns", DataTypes.StringType)
            .add("nsKey", DataTypes.StringType).add("id", DataTypes.StringType)
            .add("primary", DataTypes.BooleanType))));
    Column keys = array_distinct(transform(items, i -> key(i)));
    Column marked = array_distinct(transform(filter(items, i -> i.getField("primary")), i -> key(i)));
    Column primary = when(size(marked).equalTo(1), element_at(marked, 1))
        .when(size(marked).equalTo(0).and(size(keys).equalTo(1)), element_at(keys, 1));
    Column skip = when(size(marked).gt(1), lit(MULTIPLE_PRIMARIES))
        .when(primary.isNull(), lit(NO_PRIMARY));
    Column primaryNs = element_at(filter(items, i -> key(i).equalTo(col(SystemColumns.PRIMARY))), 1).getField("ns");
    // identityMap is replaced last: the expressions above read the original column.
    return records
        .withColumn(SystemColumns.IDENTITIES, keys)
        .withColumn(SystemColumns.PRIMARY, primary)
        .withColumn(SystemColumns.SKIP_REASON, skip)
        .withColumn(SystemColumns.PRIMARY_NS, primaryNs)
        .withColumn(XdmMaps.IDENTITY_MAP, when(size(cleaned).gt(0), cleaned));
  }

  private static Column key(Column item) {
    return struct(item.getField("nsKey").as("nsKey"), item.getField("id").as("id"));
  }

  private static Column isUsable(Column item, Set<String> blocked) {
    Column id = item.getField("id").cast("string");
    return item.isNotNull().and(id.isNotNull()).and(not(lower(trim(id)).isin(blocked.toArray())));
  }
}
