package io.profileexport.bench;

import static org.apache.spark.sql.functions.col;

import io.profileexport.engine.Export;
import io.profileexport.engine.ExportPlan;
import io.profileexport.engine.ExportPlanner;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.InputFrames;
import io.profileexport.engine.lake.LakeFileSystem;
import io.profileexport.engine.lake.StagedFrames;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.select.ProfileFilter;
import io.profileexport.engine.select.Projection;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.stitch.IdentityGraph;
import io.profileexport.engine.stitch.IdentityIds;
import io.profileexport.jobs.SparkSessions;
import io.profileexport.jobs.generate.LakeGenerator;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Times the pieces of a pdg export on a generated lake: a development aid for scripts/bench. */
public final class Experiment {
  private Experiment() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSessions.create(Optional.empty(), Map.of());
    Catalog catalog = new Catalog(LakeFileSystem.open(args[0], spark.sparkContext().hadoopConfiguration()));
    long seed = Long.parseUnsignedLong(catalog.datasets().get(0).id().substring(0, 16), 16);
    String request = ("{'fields':'person.name,personalEmail.address,segmentMembership.ups,identityMap.ECID',"
        + "'mergePolicy':{'id':'gen-pdg-latest'},'filter':{'segments':[{'segmentId':'segment-3'},"
        + "{'segmentId':'segment-7','status':['exited']},{'segmentId':'segment-11','segmentNs':'aam'}]},"
        + "'destination':{'datasetId':'" + LakeGenerator.destinationId(seed) + "'},"
        + "'schema':{'name':'_xdm.context.profile'}}").replace('\'', '"');
    ExportPlan plan = ExportPlanner.plan(Json.MAPPER.readTree(request), catalog, LakeSettings.defaults());
    InputFrames inputs = new InputFrames(spark, catalog);
    var blocked = plan.settings().blockedIdentityValues();
    for (int i = 0; i < 1; i++) {
      Dataset<Row> loaded = inputs.read(plan.profileDatasets(), plan.profileUnion());
      Dataset<Row> records = Export.takingPart(Export.withIdentities(loaded, blocked, null));
      Dataset<Row> records0 = Export.takingPart(Export.withIdentities(loaded.select(col("identityMap")), blocked,
          null));
      Dataset<Row> events = Export.takingPart(Export.withIdentities(inputs.read(plan.eventDatasets(),
          plan.eventUnion()).select(col("identityMap")), blocked, null));
      Dataset<Row> members = records0.select(col(SystemColumns.IDENTITIES), col(SystemColumns.IDS))
          .union(events.select(col(SystemColumns.IDENTITIES), col(SystemColumns.IDS)));
      long t0 = System.nanoTime();
      IdentityGraph.Stitched stitched = IdentityGraph.stitch(members, members, records, events, 50, 50,
          new StagedFrames(spark, new org.apache.hadoop.fs.Path(args[1], "x" + i)), IdentityIds.XXHASH, "x" + i,
          Clock.systemUTC());
      System.out.println(String.format("%-40s %6d ms", "stitch", (System.nanoTime() - t0) / 1_000_000));
      time("wide read", () -> loaded);
      time("wide read + identity pass", () -> records);
      time("narrow read + identity pass", () -> records0);
      time("+ keyed (join membership)", stitched::records);
      Supplier<Dataset<Row>> merged = () -> Export.mergedByProfile(stitched.records(), plan.policy(),
          plan.profileUnion(), blocked, "UTC", null);
      time("+ rank and merge", merged);
      time("+ filter and project", () -> Projection.project(merged.get().filter(ProfileFilter.condition(
          plan.request(), plan.profileUnion())), plan.profileUnion(), plan.profileSelection()));
    }
    spark.stop();
  }

  private static void time(String what, Supplier<Dataset<Row>> frame) {
    long t0 = System.nanoTime();
    frame.get().write().format("noop").mode("overwrite").save();
    System.out.println(String.format("%-40s %6d ms", what, (System.nanoTime() - t0) / 1_000_000));
  }
}
