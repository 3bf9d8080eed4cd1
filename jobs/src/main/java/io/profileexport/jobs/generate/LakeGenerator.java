package io.profileexport.jobs.generate;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.map_filter;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.timestamp_millis;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.lake.BatchIngest;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.DatasetClass;
import io.profileexport.engine.model.DatasetRecord;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.model.MergePolicy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code profile-export generate}: a synthetic lake written through the normal catalog and batch code, deterministic
 * for a seed (every value is a hash of the seed, the person and a salt). People are spread over K profile datasets
 * whose records carry different namespaces (CRMID, ECID, Email, Phone) that chain a person's records together; a few
 * households share a phone (components of a few people), a few clusters share one (components far above
 * maxIdentitiesPerGraph), and some records carry blocked values. Events carry browser and commerce fields; records
 * carry segment memberships in several namespaces with every status and spread qualification times, and part of
 * them a custom lastUpdatedDate.
 */
public final class LakeGenerator {
  /** What to generate. */
  public record Options(long profiles, int datasets, int eventsPerProfile, int segments, long seed) {
    public static final int DEFAULT_DATASETS = 3;
    public static final int DEFAULT_EVENTS_PER_PROFILE = 2;
    public static final int DEFAULT_SEGMENTS = 20;
    public static final long DEFAULT_SEED = 42;
  }

  private static final long SEPTEMBER_2019 = 1567296000000L;
  private static final long DAY = 86_400_000L;
  private static final String[] FIRST = {"Ann", "Bob", "Cid", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jay", "Kim",
      "Lou", "Mae", "Ned", "Oz", "Pat"};
  private static final String[] LAST = {"Lee", "Stone", "Reyes", "Kaye", "Smith", "Ng", "Okafor", "Silva", "Novak",
      "Haddad"};
  private static final String[] CITIES = {"Lisboa", "Porto", "Braga", "Coimbra", "Faro", "Recife", "Natal"};
  private static final String[] BROWSERS = {"Chrome", "Firefox", "Safari", "Edge"};
  private static final String[] EVENT_TYPES = {"web.webpagedetails.pageViews", "commerce.productViews",
      "commerce.purchases", "commerce.productListAdds"};

  private final SparkSession spark;
  private final Catalog catalog;
  private final Clock clock;

  public LakeGenerator(SparkSession spark, Catalog catalog, Clock clock) {
    this.spark = spark;
    this.catalog = catalog;
    this.clock = clock;
  }

  /** A dataset id of the generated lake: 24 hex characters from the seed and a role number. */
  public static String datasetId(long seed, int role) {
    return String.format("%016x%08x", seed, role);
  }

  public static String profileDatasetId(long seed, int k) {
    return datasetId(seed, 0x10000 + k);
  }

  public static String eventDatasetId(long seed) {
    return datasetId(seed, 0x20000);
  }

  public static String destinationId(long seed) {
    return datasetId(seed, 0x30000);
  }

  public ObjectNode generate(Options o) {
    if (o.profiles() < 1 || o.datasets() < 1 || o.datasets() > 9 || o.eventsPerProfile() < 0 || o.segments() < 2) {
      throw ExportErrors.badRequest("generate", null, "need --profiles >= 1, 1 <= --datasets <= 9,"
          + " --events-per-profile >= 0 and --segments >= 2");
    }
    if (!catalog.datasets().isEmpty()) {
      throw ExportErrors.badRequest("--lake", catalog.layout().root().toString(), "the lake already has datasets;"
          + " generate into a new lake");
    }
    long start = clock.millis();
    ObjectNode summary = Json.object();
    summary.put("lake", catalog.layout().root().toString());
    summary.put("seed", o.seed());
    summary.put("profiles", o.profiles());
    ObjectNode datasets = summary.putObject("datasets");
    BatchIngest ingest = new BatchIngest(spark, catalog, clock);
    long records = 0;
    List<String> profileIds = new ArrayList<>();
    for (int k = 0; k < o.datasets(); k++) {
      String id = profileDatasetId(o.seed(), k);
      profileIds.add(id);
      create(id, "Generated profiles " + k, DatasetClass.PROFILE, true);
      BatchRecord batch = ingest.ingestFrame(id, profileRecords(o, k), "generated profile records " + k);
      datasets.put(id, batch.recordCount());
      records += batch.recordCount();
    }
    long events = 0;
    if (o.eventsPerProfile() > 0) {
      String id = eventDatasetId(o.seed());
      create(id, "Generated events", DatasetClass.EXPERIENCE_EVENT, true);
      BatchRecord batch = ingest.ingestFrame(id, events(o), "generated events");
      datasets.put(id, batch.recordCount());
      events = batch.recordCount();
    }
    create(destinationId(o.seed()), "Generated export destination", DatasetClass.PROFILE_UNION, false);
    long now = clock.millis();
    catalog.createPolicy(policy("gen-pdg-latest", "pdg, latest wins", "pdg",
        new MergePolicy.AttributeMerge("timestampOrdered", null), true, now));
    catalog.createPolicy(policy("gen-pdg-precedence", "pdg, dataset precedence", "pdg",
        new MergePolicy.AttributeMerge("dataSetPrecedence", profileIds), false, now));
    catalog.createPolicy(policy("gen-none-latest", "primary identity, latest wins", "none",
        new MergePolicy.AttributeMerge("timestampOrdered", null), false, now));
    long seconds = Math.max(1, (clock.millis() - start) / 1000);
    summary.put("records", records);
    summary.put("events", events);
    summary.put("destination", destinationId(o.seed()));
    summary.putArray("mergePolicies").add("gen-pdg-latest").add("gen-pdg-precedence").add("gen-none-latest");
    summary.put("seconds", seconds);
    summary.put("rowsPerMinute", (records + events) * 60 / seconds);
    return summary;
  }

  private void create(String id, String name, DatasetClass cls, boolean profileEnabled) {
    long now = clock.millis();
    catalog.createDataset(new DatasetRecord(id, name, "made by profile-export generate",
        new DatasetRecord.SchemaRef(cls.schemaId(), "application/vnd.adobe.xed+json;version=1"),
        new DatasetRecord.FileDescription("parquet", "parquet", true), profileEnabled,
        profileEnabled ? Map.of("unifiedProfile", List.of("enabled:true")) : null, now, now, null, null, null));
  }

  private static MergePolicy policy(String id, String name, String graph, MergePolicy.AttributeMerge merge,
      boolean isDefault, long now) {
    return new MergePolicy(id, name, null, new MergePolicy.SchemaName(MergePolicy.PROFILE_SCHEMA), 1,
        new MergePolicy.IdentityGraph(graph), merge, isDefault, false, now / 1000, null);
  }

  // ---- deterministic randomness

  /** A uniform number in [0, 1) from the seed, the person and a salt. */
  private static Column uniform(long seed, Column person, String salt) {
    return pmod(xxhash64(lit(seed), person, lit(salt)), lit(1_000_003L)).divide(1_000_003.0);
  }

  private static Column pick(long seed, Column person, String salt, String[] values) {
    Column[] literals = new Column[values.length];
    for (int i = 0; i < values.length; i++) {
      literals[i] = lit(values[i]);
    }
    return element_at(array(literals), floor(uniform(seed, person, salt).multiply(values.length)).cast("int")
        .plus(1));
  }

  private static Column item(Column id, boolean primary) {
    return array(struct(lit("authenticated").as("authenticatedState"), id.as("id"), lit(primary).as("primary")));
  }

  // ---- profile records

  private Dataset<Row> people(long profiles) {
    int partitions = (int) Math.max(spark.sparkContext().defaultParallelism(), profiles / 250_000);
    return spark.range(0, profiles, 1, partitions).withColumnRenamed("id", "p");
  }

  private Dataset<Row> profileRecords(Options o, int k) {
    long seed = o.seed();
    Column p = col("p");
    Column hasEmail = uniform(seed, p, "email").lt(0.8);
    Column hasCrm = uniform(seed, p, "crm").lt(0.6);
    Column hasPhone = uniform(seed, p, "phone").lt(0.35);
    // Households of four people share a phone; clusters of 400 share one too, far above maxIdentitiesPerGraph.
    Column household = p.minus(pmod(p, lit(4L)));
    Column cluster = p.minus(pmod(p, lit(400L)));
    Column phone = when(uniform(seed, cluster, "cluster").lt(0.01), concat(lit("+1-cluster-"), cluster.cast("string")))
        .when(uniform(seed, household, "household").lt(0.05), concat(lit("+1-home-"), household.cast("string")))
        .otherwise(concat(lit("+1555"), lpad(p.cast("string"), 9, "0")));
    Column blocked = uniform(seed, p, "blocked" + k).lt(0.01);
    Column ecid = concat(lit("ecid-"), p.cast("string"));
    Column email = when(blocked, lit("anonymous")).otherwise(concat(lit("user"), p.cast("string"),
        lit("@example.com")));
    Column crm = concat(lit("crm-"), p.cast("string"));

    // Each dataset's records carry a different pair of namespaces, so a person's records chain together.
    Column identityMap;
    switch (k % 3) {
      case 0 -> identityMap = map_filter(map(
          lit("CRMID"), when(hasCrm, item(crm, true)),
          lit("ECID"), when(hasCrm.unary_$bang(), item(ecid, true)),
          lit("Email"), when(hasEmail, item(email, false))), (key, v) -> v.isNotNull());
      case 1 -> identityMap = map_filter(map(
          lit("ECID"), item(ecid, true),
          lit("Email"), when(hasEmail.and(uniform(seed, p, "webEmail").lt(0.5)), item(email, false))),
          (key, v) -> v.isNotNull());
      default -> identityMap = map_filter(map(
          lit("Email"), when(hasEmail, item(email, true)),
          lit("ECID"), when(hasEmail.unary_$bang(), item(ecid, true)),
          lit("Phone"), when(hasPhone, item(phone, false))), (key, v) -> v.isNotNull());
    }
    Column presence = k == 0 ? lit(true) : pmod(p, lit((long) o.datasets())).equalTo(k)
        .or(uniform(seed, p, "in" + k).lt(0.5));
    Column ingest = lit(SEPTEMBER_2019).plus(floor(uniform(seed, p, "ingest" + k).multiply(30 * DAY)).cast("long"));
    Column segment1 = pmod(xxhash64(lit(seed), p, lit("seg1-" + k)), lit((long) o.segments()));
    Column segment2 = pmod(segment1.plus(1).plus(pmod(xxhash64(lit(seed), p, lit("seg2-" + k)),
        lit((long) o.segments() - 1))), lit((long) o.segments()));
    Column status1 = pick(seed, p, "status1-" + k, new String[] {"realized", "existing", "exited"});
    Column status2 = pick(seed, p, "status2-" + k, new String[] {"realized", "existing", "exited", "Realized"});
    Column qualified1 = timestamp_millis(lit(SEPTEMBER_2019).plus(floor(uniform(seed, p, "q1-" + k)
        .multiply(30 * DAY)).cast("long")));
    Column qualified2 = timestamp_millis(lit(SEPTEMBER_2019).plus(floor(uniform(seed, p, "q2-" + k)
        .multiply(30 * DAY)).cast("long")));
    Column namespace2 = pick(seed, p, "ns-" + k, new String[] {"ups", "ups", "aam", "UPS"});
    Column membership = when(namespace2.equalTo("ups"),
        map(lit("ups"), map(concat(lit("segment-"), segment1.cast("string")),
            struct(qualified1.as("lastQualificationTime"), status1.as("status")),
            concat(lit("segment-"), segment2.cast("string")),
            struct(qualified2.as("lastQualificationTime"), status2.as("status")))))
        .otherwise(map(lit("ups"), map(concat(lit("segment-"), segment1.cast("string")),
            struct(qualified1.as("lastQualificationTime"), status1.as("status"))),
            namespace2, map(concat(lit("segment-"), segment2.cast("string")),
                struct(qualified2.as("lastQualificationTime"), status2.as("status")))));

    return people(o.profiles()).filter(presence).select(
        concat(lit("rec-" + k + "-"), p.cast("string")).as("_id"),
        identityMap.as("identityMap"),
        struct(struct(pick(seed, p, "first" + k, FIRST).as("firstName"), when(uniform(seed, p, "hasLast" + k).lt(0.7),
            pick(seed, p, "last", LAST)).as("lastName")).as("name"),
            floor(uniform(seed, p, "birth").multiply(60)).plus(1950).cast("int").as("birthYear")).as("person"),
        struct(when(hasEmail, concat(lit("user"), p.cast("string"), lit("@example.com"))).as("address"))
            .as("personalEmail"),
        struct(pick(seed, p, "city" + k, CITIES).as("city"), lit("PT").as("countryCode")).as("homeAddress"),
        struct(floor(uniform(seed, p, "points" + k).multiply(10_000)).cast("long").as("points"),
            pick(seed, p, "tier" + k, new String[] {"bronze", "silver", "gold"}).as("tier")).as("loyalty"),
        when(uniform(seed, p, "custom" + k).lt(0.3), struct(timestamp_millis(ingest.minus(floor(uniform(seed, p,
            "lag" + k).multiply(5 * DAY)).cast("long"))).as("lastUpdatedDate"))).as("extSourceSystemAudit"),
        membership.as("segmentMembership"),
        struct(ingest.as("ingestTime")).as("_acp_system_metadata"));
  }

  // ---- events

  private Dataset<Row> events(Options o) {
    long seed = o.seed();
    Column p = col("p");
    Column count = floor(uniform(seed, p, "events").multiply(2 * o.eventsPerProfile() + 1)).cast("int");
    Dataset<Row> perEvent = people(o.profiles()).withColumn("n", count).filter(col("n").gt(0))
        .withColumn("e", explode(sequence(lit(1), col("n"))));
    Column ev = concat(p.cast("string"), lit("-"), col("e").cast("string"));
    Column ecid = concat(lit("ecid-"), p.cast("string"));
    Column linksEmail = uniform(seed, ev, "evEmail").lt(0.2).and(uniform(seed, p, "email").lt(0.8));
    Column identityMap = map_filter(map(lit("ECID"), item(ecid, true), lit("Email"), when(linksEmail,
        item(concat(lit("user"), p.cast("string"), lit("@example.com")), false))), (key, v) -> v.isNotNull());
    Column ingest = lit(SEPTEMBER_2019).plus(floor(uniform(seed, ev, "evIngest").multiply(30 * DAY)).cast("long"));
    Column type = pick(seed, ev, "type", EVENT_TYPES);
    return perEvent.select(
        concat(lit("ev-"), ev).as("_id"),
        timestamp_millis(ingest.minus(floor(uniform(seed, ev, "evLag").multiply(DAY)).cast("long"))).as("timestamp"),
        type.as("eventType"),
        identityMap.as("identityMap"),
        struct(struct(pick(seed, ev, "browser", BROWSERS).as("name"), concat(floor(uniform(seed, ev, "major")
            .multiply(40)).plus(80).cast("string"), lit(".0")).as("version")).as("browserDetails"))
            .as("environment"),
        when(type.startsWith("commerce"), struct(
            struct(lit(1.0).as("value")).as("productViews"),
            struct(when(type.equalTo("commerce.purchases"), lit(1.0)).as("value")).as("purchases"),
            struct(floor(uniform(seed, ev, "price").multiply(50_000)).divide(100.0).as("priceTotal"),
                lit("EUR").as("currencyCode")).as("order"))).as("commerce"),
        struct(concat(lit("page-"), pmod(abs(xxhash64(lit(seed), ev)), lit(500L)).cast("string")).as("name"))
            .as("webPageDetails"),
        struct(ingest.as("ingestTime")).as("_acp_system_metadata"));
  }
}
