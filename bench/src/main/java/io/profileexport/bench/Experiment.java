package io.profileexport.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;

import io.profileexport.engine.Export;
import io.profileexport.engine.ExportPlan;
import io.profileexport.engine.ExportPlanner;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.InputFrames;
import io.profileexport.engine.lake.LakeFileSystem;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.stitch.IdentityIds;
import io.profileexport.jobs.SparkSessions;
import io.profileexport.jobs.generate.LakeGenerator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Times pieces of the pipeline on a generated lake: a development aid for scripts/bench. */
public final class Experiment {
  private Experiment() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSessions.create(Optional.empty(), Map.of());
    Catalog catalog = new Catalog(LakeFileSystem.open(args[0], spark.sparkContext().hadoopConfiguration()));
    long seed = Long.parseUnsignedLong(catalog.datasets().get(0).id().substring(0, 16), 16);
    String request = ("{'mergePolicy':{'id':'gen-pdg-latest'},'destination':{'datasetId':'"
        + LakeGenerator.destinationId(seed) + "'},'schema':{'name':'_xdm.context.profile'}}").replace('\'', '"');
    ExportPlan plan = ExportPlanner.plan(Json.MAPPER.readTree(request), catalog, LakeSettings.defaults());
    InputFrames inputs = new InputFrames(spark, catalog);
    var blocked = plan.settings().blockedIdentityValues();
    Supplier<Dataset<Row>> thin = () -> inputs.read(plan.profileDatasets(), plan.profileUnion())
        .select(col("identityMap")).union(inputs.read(plan.eventDatasets(), plan.eventUnion())
            .select(col("identityMap")));
    Supplier<Dataset<Row>> identified = () -> Export.takingPart(Export.withIdentities(thin.get(), blocked, null));
    Supplier<Dataset<Row>> occurrences = () -> identified.get().select(explode(col(SystemColumns.IDENTITIES))
        .as("i")).select(col("i.nsKey").as("nsKey"), col("i.id").as("id"));
    org.apache.spark.sql.Column h = IdentityIds.XXHASH.column(col("nsKey"), col("id"));
    for (int i = 0; i < 2; i++) {
      time("thin read", thin);
      time("+ identity pass", identified);
      time("+ explode identities", occurrences);
      time("+ group by hash, min/max struct", () -> occurrences.get()
          .groupBy(h.as("h"))
          .agg(min(struct(col("nsKey"), col("id"))), max(struct(col("nsKey"), col("id")))));
      time("+ distinct (h, ns, id), count by h", () -> occurrences.get()
          .select(h.as("h"), col("nsKey"), col("id")).distinct()
          .groupBy(col("h")).count().filter(col("count").gt(1)));
      time("+ group by hash, min/max second hash", () -> occurrences.get()
          .groupBy(h.as("h"))
          .agg(min(org.apache.spark.sql.functions.xxhash64(col("id"), col("nsKey"))),
              max(org.apache.spark.sql.functions.xxhash64(col("id"), col("nsKey")))));
    }
    spark.stop();
  }

  private static void time(String what, Supplier<Dataset<Row>> frame) {
    long t0 = System.nanoTime();
    frame.get().write().format("noop").mode("overwrite").save();
    System.out.println(String.format("%-40s %6d ms", what, (System.nanoTime() - t0) / 1_000_000));
  }
}
