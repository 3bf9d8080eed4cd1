package io.profileexport.jobs.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.DatasetClass;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.testing.CatalogFixtures;
import io.profileexport.engine.testing.TestLakes;
import java.nio.file.Path;

/** A lake with one profile dataset and one destination, enough to create jobs. */
final class JobLakes {
  static final String PROFILES = "aaaaaaaaaaaaaaaaaaaaaa01";
  static final String DEST = "dddddddddddddddddddddd01";

  private JobLakes() {}

  static Catalog lake(Path dir) {
    Catalog catalog = TestLakes.catalog(dir);
    CatalogFixtures.dataset(catalog, PROFILES, DatasetClass.PROFILE, true,
        "_id STRING, personalEmail STRUCT<address: STRING>");
    CatalogFixtures.dataset(catalog, DEST, DatasetClass.PROFILE_UNION, false, null);
    return catalog;
  }

  static JsonNode request(String extraMembers) {
    try {
      return Json.MAPPER.readTree(("{" + extraMembers + "'destination':{'dataSetId':'" + DEST + "'},"
          + "'schema':{'name':'_xdm.context.profile'}}").replace('\'', '"'));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
