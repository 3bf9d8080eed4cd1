package io.profileexport.bench;

import static org.apache.spark.sql.functions.col;

import io.profileexport.engine.Export;
import io.profileexport.engine.ExportPlan;
import io.profileexport.engine.ExportPlanner;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.InputFrames;
import io.profileexport.engine.lake.LakeFileSystem;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.select.ProfileFilter;
import io.profileexport.engine.select.Projection;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.stitch.PrimaryIdentityStitching;
import io.profileexport.jobs.SparkSessions;
import io.profileexport.jobs.generate.LakeGenerator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Times the pieces of the none-graph pipeline on a generated lake (a development aid for scripts/bench). */
public final class Experiment {
  private Experiment() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSessions.create(Optional.empty(), Map.of());
    Catalog catalog = new Catalog(LakeFileSystem.open(args[0], spark.sparkContext().hadoopConfiguration()));
    long seed = Long.parseUnsignedLong(catalog.datasets().get(0).id().substring(0, 16), 16);
    String request = ("{'fields':'person.name,personalEmail.address,segmentMembership.ups,identityMap.ECID',"
        + "'mergePolicy':{'id':'gen-none-latest'},'filter':{'segments':[{'segmentId':'segment-3'},"
        + "{'segmentId':'segment-7','status':['exited']},{'segmentId':'segment-11','segmentNs':'aam'}]},"
        + "'destination':{'datasetId':'" + LakeGenerator.destinationId(seed) + "'},"
        + "'schema':{'name':'_xdm.context.profile'}}").replace('\'', '"');
    ExportPlan plan = ExportPlanner.plan(Json.MAPPER.readTree(request), catalog, LakeSettings.defaults());
    InputFrames inputs = new InputFrames(spark, catalog);
    var blocked = plan.settings().blockedIdentityValues();
    Supplier<Dataset<Row>> read = () -> inputs.read(plan.profileDatasets(), plan.profileUnion());
    Supplier<Dataset<Row>> identified = () -> Export.takingPart(Export.withIdentities(read.get(), blocked, null));
    Supplier<Dataset<Row>> merged = () -> Export.mergedByProfile(PrimaryIdentityStitching.keyed(identified.get()),
        plan.policy(), plan.profileUnion(), blocked, "UTC", null);
    Supplier<Dataset<Row>> filtered = () -> merged.get().filter(ProfileFilter.condition(plan.request(),
        plan.profileUnion()));
    Supplier<Dataset<Row>> projected = () -> Projection.project(filtered.get(), plan.profileUnion(),
        plan.profileSelection());
    for (int i = 0; i < 2; i++) {
      time("read all columns", () -> read.get());
      time("+ identities, skip filter", () -> identified.get());
      time("+ key, rank, group and merge", () -> merged.get());
      time("+ segment filter", () -> filtered.get());
      time("+ projection", () -> projected.get());
      time("ceiling: read, project", () -> Projection.project(read.get().filter(col("_id").isNotNull()),
          plan.profileUnion(), plan.profileSelection()));
    }
    spark.stop();
  }

  private static void time(String what, Supplier<Dataset<Row>> frame) {
    long t0 = System.nanoTime();
    frame.get().write().format("noop").mode("overwrite").save();
    System.out.println(String.format("%-40s %6d ms", what, (System.nanoTime() - t0) / 1_000_000));
  }
}
