package io.profileexport.engine.testing;

import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.DatasetClass;
import io.profileexport.engine.model.DatasetRecord;
import io.profileexport.engine.model.MergePolicy;
import java.util.List;
import org.apache.spark.sql.types.StructType;

/** Catalog records written directly, for tests that need a lake's records but no data. */
public final class CatalogFixtures {
  private CatalogFixtures() {}

  public static DatasetRecord dataset(Catalog catalog, String id, DatasetClass cls, boolean enabled, String ddl) {
    DatasetRecord record = new DatasetRecord(id, "dataset " + id, null, new DatasetRecord.SchemaRef(cls.schemaId(),
        "application/vnd.adobe.xed+json;version=1"), new DatasetRecord.FileDescription("parquet", "parquet", true),
        enabled, null, 1, 1, null, null, ddl == null ? null : DatasetRecord.schemaJson(StructType.fromDDL(ddl)));
    catalog.saveDataset(record);
    return record;
  }

  public static MergePolicy policy(Catalog catalog, String id, String graph, String merge, List<String> order,
      boolean isDefault) {
    MergePolicy policy = new MergePolicy(id, "policy " + id, "org", new MergePolicy.SchemaName(
        MergePolicy.PROFILE_SCHEMA), 1, new MergePolicy.IdentityGraph(graph), new MergePolicy.AttributeMerge(merge,
        order), isDefault, null, 0, null);
    catalog.savePolicy(policy);
    return policy;
  }
}
