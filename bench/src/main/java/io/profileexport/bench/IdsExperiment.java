package io.profileexport.bench;

import static org.apache.spark.sql.functions.*;

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
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Dev aid: ways to find identity hash collisions. */
public final class IdsExperiment {
  static long noop(Dataset<Row> d) {
    d.write().format("noop").mode("overwrite").save();
    return 0;
  }

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSessions.create(Optional.empty(), Map.of());
    Catalog catalog = new Catalog(LakeFileSystem.open(args[0], spark.sparkContext().hadoopConfiguration()));
    long seed = Long.parseUnsignedLong(catalog.datasets().get(0).id().substring(0, 16), 16);
    String request = ("{'mergePolicy':{'id':'gen-pdg-latest'},'destination':{'datasetId':'"
        + LakeGenerator.destinationId(seed) + "'},'schema':{'name':'_xdm.context.profile'}}").replace('\'', '"');
    ExportPlan plan = ExportPlanner.plan(Json.MAPPER.readTree(request), catalog, LakeSettings.defaults());
    InputFrames inputs = new InputFrames(spark, catalog);
    String request2 = ("{'fields':'person.name,personalEmail.address,segmentMembership.ups,identityMap.ECID',"
        + "'mergePolicy':{'id':'gen-pdg-latest'},'filter':{'segments':[{'segmentId':'segment-3'},"
        + "{'segmentId':'segment-7','status':['exited']},{'segmentId':'segment-11','segmentNs':'aam'}]},"
        + "'destination':{'datasetId':'" + LakeGenerator.destinationId(seed) + "'},"
        + "'schema':{'name':'_xdm.context.profile'}}").replace('\'', '"');
    ExportPlan plan2 = ExportPlanner.plan(Json.MAPPER.readTree(request2), catalog, LakeSettings.defaults());
    var blocked = plan.settings().blockedIdentityValues();
    Dataset<Row> loaded = inputs.read(plan.profileDatasets(), plan.profileUnion());
    Dataset<Row> records0 = Export.takingPart(Export.withIdentities(loaded.select(col("identityMap")), blocked,
        null));
    Dataset<Row> events = Export.takingPart(Export.withIdentities(inputs.read(plan.eventDatasets(),
        plan.eventUnion()).select(col("identityMap")), blocked, null));
    Dataset<Row> members = records0.select(col(SystemColumns.IDENTITIES), col(SystemColumns.IDS))
        .union(events.select(col(SystemColumns.IDENTITIES), col(SystemColumns.IDS)));
    Dataset<Row> identities = members.select(explode(col(SystemColumns.IDENTITIES)).as("i"))
        .select(col("i.nsKey").as("nsKey"), col("i.id").as("id"));
    Column h = IdentityIds.XXHASH.column(col("nsKey"), col("id"));
    for (String mode : args[1].split(",")) {
      long t0 = System.nanoTime();
      Object result;
      switch (mode) {
        case "count" -> result = identities.count();
        case "sorted" -> {
          Dataset<Row> byH = identities.select(h.as("h"), col("nsKey"), col("id"))
              .repartition(8, col("h")).sortWithinPartitions(col("h"));
          result = io.profileexport.engine.InternalRowFrames.mapPartitions(byH,
              new org.apache.spark.sql.types.StructType().add("n", "long").add("c", "long"), rows -> {
                long groups = 0;
                long collisions = 0;
                long prev = -1;
                org.apache.spark.unsafe.types.UTF8String ns = null;
                org.apache.spark.unsafe.types.UTF8String id = null;
                boolean collided = false;
                while (rows.hasNext()) {
                  org.apache.spark.sql.catalyst.InternalRow r = rows.next();
                  long hv = r.getLong(0);
                  if (hv != prev || groups == 0) {
                    groups++;
                    prev = hv;
                    ns = r.getUTF8String(1).clone();
                    id = r.getUTF8String(2).clone();
                    collided = false;
                  } else if (!collided && !(ns.equals(r.getUTF8String(1)) && id.equals(r.getUTF8String(2)))) {
                    collisions++;
                    collided = true;
                  }
                }
                return java.util.List.<org.apache.spark.sql.catalyst.InternalRow>of(
                    new org.apache.spark.sql.catalyst.expressions.GenericInternalRow(new Object[] {groups, collisions}))
                    .iterator();
              }).agg(sum("n"), sum("c")).first().toString();
        }
        case "candrec" -> result = noop(Export.takingPart(Export.withIdentities(loaded.select(col("identityMap"),
            io.profileexport.engine.select.ProfileFilter.fragmentCondition(plan2.request(), plan2.profileUnion()).get()
            .as("c")), blocked, null)));
        case "cond" -> result = noop(loaded.select(io.profileexport.engine.select.ProfileFilter.fragmentCondition(
            plan2.request(), plan2.profileUnion()).get().as("c")));
        case "segread" -> result = noop(loaded.select(col("segmentMembership")));
        case "readrec" -> result = noop(loaded.select(col("identityMap")));
        case "readev" -> result = noop(inputs.read(plan.eventDatasets(), plan.eventUnion()).select(col("identityMap")));
        case "idrec" -> result = noop(records0);
        case "idev" -> result = noop(events);
        case "members" -> result = noop(members.select(col(SystemColumns.IDS)));
        case "current" -> result = IdentityIds.of(identities, IdentityIds.XXHASH).distinctIdentities();
        case "distinct" -> result = identities.distinct().groupBy(h.as("h")).count().filter(col("count").gt(1))
            .count();
        case "distinct2" -> {
          Dataset<Row> d = identities.distinct().groupBy(h.as("h")).count();
          result = d.filter(col("count").gt(1)).count();
        }
        case "twohash" -> result = identities.groupBy(h.as("h"))
            .agg(min(xxhash64(col("id"), col("nsKey"))).as("lo"), max(xxhash64(col("id"), col("nsKey"))).as("hi"))
            .filter(col("lo").notEqual(col("hi"))).count();
        default -> throw new IllegalArgumentException(mode);
      }
      System.out.println(String.format("%-20s %6d ms  %s", mode, (System.nanoTime() - t0) / 1_000_000, result));
    }
    spark.stop();
  }
}
