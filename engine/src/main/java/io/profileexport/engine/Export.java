package io.profileexport.engine;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.FailureCode;
import io.profileexport.engine.error.JobFailedException;
import io.profileexport.engine.error.JobInterruptedException;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.InputFrames;
import io.profileexport.engine.lake.StagedFrames;
import io.profileexport.engine.merge.AttributeMerge;
import io.profileexport.engine.merge.FragmentRanking;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.model.MergePolicy;
import io.profileexport.engine.select.NamespaceCounter;
import io.profileexport.engine.select.ProfileFilter;
import io.profileexport.engine.select.Projection;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.stitch.IdentityColumns;
import io.profileexport.engine.stitch.IdentityGraph;
import io.profileexport.engine.stitch.IdentityIds;
import io.profileexport.engine.stitch.LinkMembers;
import io.profileexport.engine.stitch.PrimaryIdentityStitching;
import io.profileexport.engine.write.BatchPublisher;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The pipeline (ARCHITECTURE.md): load -> identities -> stitch -> rank and merge -> filter -> project -> stage ->
 * publish. Profiles are computed once and written once to staging; counters come from observations on that same
 * computation and from the written files. No profile data is collected to the driver. The caller tags the Spark jobs
 * with the export job id; {@link Guard} lets it stop the export between steps.
 */
public final class Export {
  /** Throws {@link JobInterruptedException} when the export must stop (cancelled, or its lease lost). */
  public interface Guard {
    void check(String nextStep);
  }

  /** One run of a job: its id, lease epoch, batch ids (assigned at creation) and creation time. */
  public record Run(long jobId, long epoch, List<String> batchIds, long jobCreationTime) {}

  private final SparkSession spark;
  private final Catalog catalog;
  private final Clock clock;

  public Export(SparkSession spark, Catalog catalog, Clock clock) {
    this.spark = spark;
    this.catalog = catalog;
    this.clock = clock;
  }

  public ExportResult run(ExportPlan plan, Run run, Guard guard) {
    long exportStart = clock.millis();
    String tag = "job " + run.jobId() + " run " + run.epoch();
    IdentityColumns.Counters input = IdentityColumns.Counters.register(spark.sparkContext(),
        "records-" + run.jobId() + "-" + run.epoch());
    Observation merged = new Observation("merged-" + run.jobId() + "-" + run.epoch());
    Observation exported = new Observation("exported-" + run.jobId() + "-" + run.epoch());

    NamespaceCounter byNamespace = NamespaceCounter.registered(spark.sparkContext(),
        "exportedProfileByNamespace-" + run.jobId() + "-" + run.epoch());
    Stitching stitching = new Stitching();
    StructType outputSchema = Projection.outputSchema(plan.profileUnion(), plan.profileSelection());
    String batchId = run.batchIds().get(0);
    Path staged = new Path(catalog.layout().runStaging(run.jobId(), run.epoch()), batchId);
    guard.check("compute profiles");
    describe(tag + ": compute profiles into staging");
    try {
      // Spark may run parts of this while the frames are built (stitching rounds, adaptive shuffle stages), so
      // every step is inside the block that words failures.
      Dataset<Row> profiles = profiles(plan, run, input, merged, stitching);
      Dataset<Row> kept = profiles.filter(ProfileFilter.condition(plan.request(), plan.profileUnion()))
          .observe(exported, count(lit(1)).as("profiles"))
          .filter(byNamespace.countingEveryRow(col(SystemColumns.PRIMARY_NS)));
      Projection.project(kept, plan.profileUnion(), plan.profileSelection())
          .write().mode(SaveMode.ErrorIfExists).parquet(staged.toString());
    } catch (JobInterruptedException e) {
      throw e;
    } catch (Exception e) {  // Scala code throws checked SparkExceptions undeclared
      guard.check("classify a failure");
      JobFailedException failed = ExportErrors.classify(e, /* publishing */ false);
      if (failed.code() == FailureCode.INPUT_UNREADABLE) {
        Optional<String> culprit = new InputFrames(spark, catalog).firstUnreadable(plan.profileDatasets());
        if (culprit.isPresent()) {
          throw ExportErrors.jobFailed(FailureCode.INPUT_UNREADABLE, "An input of the export could not be read: "
              + culprit.get() + ". Fix or remove the batch, then run the job again.", e);
        }
      }
      throw failed;
    } finally {
      describe(null);
      stitching.release();
    }
    long exportEnd = clock.millis();

    guard.check("publish");
    long writeStart = clock.millis();
    List<BatchRecord> markers;
    try {
      markers = new BatchPublisher(catalog, clock).publish(plan.destination(), run.jobId(),
          List.of(new BatchPublisher.StagedBatch(batchId, staged, null)), outputSchema, run.jobCreationTime(),
          exportStart, () -> guard.check("write batch markers"));
    } catch (JobInterruptedException e) {
      throw e;
    } catch (Exception e) {  // Scala code throws checked SparkExceptions undeclared
      throw ExportErrors.classify(e, /* publishing */ true);
    }
    long writeEnd = clock.millis();

    Map<String, Object> out = observed(exported);
    ObjectNode extensions = Json.object();
    putCounters(extensions, "records", input);
    if (stitching.eventCounters() != null) {
      putCounters(extensions, "events", stitching.eventCounters());
    }
    long mergedProfiles = counter(observed(merged), "profiles");
    extensions.put("profiles", mergedProfiles);
    if (stitching.metrics() != null) {
      extensions.setAll(stitching.metrics());
    } else {
      extensions.put("components", mergedProfiles);
    }
    ArrayNode batches = extensions.putArray("batches");
    for (BatchRecord marker : markers) {
      ObjectNode b = batches.addObject();
      b.put("batchId", marker.id());
      b.put("rows", marker.recordCount());
      b.put("bytes", marker.size());
      b.put("files", marker.files().size());
    }
    return new ExportResult(exportStart, exportEnd, writeStart, writeEnd, counter(out, "profiles"),
        byNamespace.value(), extensions, markers);
  }

  private static void putCounters(ObjectNode extensions, String what, IdentityColumns.Counters counters) {
    extensions.put(what + "Read", counters.read().value());
    ObjectNode skipped = extensions.putObject(what + "Skipped");
    skipped.put(IdentityColumns.NO_PRIMARY, counters.noPrimary().value());
    skipped.put(IdentityColumns.MULTIPLE_PRIMARIES, counters.multiplePrimaries().value());
  }

  /** What stitching reported: the event input counters and the identity graph's counters (pdg only). */
  static final class Stitching {
    private IdentityColumns.Counters eventCounters;
    private ObjectNode metrics;
    private Runnable release = () -> { };

    /** Frees what stitching holds in this JVM for keying the rows; once they are written. */
    void release() {
      release.run();
    }

    IdentityColumns.Counters eventCounters() {
      return eventCounters;
    }

    ObjectNode metrics() {
      return metrics;
    }
  }

  /** Merged profiles of the plan's taking-part records, before filters. */
  private Dataset<Row> profiles(ExportPlan plan, Run run, IdentityColumns.Counters input, Observation merged,
      Stitching stitching) {
    Set<String> blocked = plan.settings().blockedIdentityValues();
    InputFrames inputs = new InputFrames(spark, catalog);
    Dataset<Row> loaded = inputs.read(plan.profileDatasets(), plan.profileUnion());
    Dataset<Row> keyed;
    if (plan.policy().graphType() == MergePolicy.GraphType.PDG) {
      String name = run.jobId() + "-" + run.epoch();
      stitching.eventCounters = IdentityColumns.Counters.register(spark.sparkContext(), "events-" + name);
      // The graph is read from the identities alone, in one narrow read of the records and of the events, which
      // counts them (not again when identity hashes collide and the graph is read a second time, nor in the wide
      // read). Records also carry whether they meet the filters' fragment condition, so that stitching can leave
      // out the profiles the filters would drop before they are merged, and their file and row, by which the wide
      // read finds their smallest identity id again.
      StructType marking = ProfileFilter.markingOnly(plan.request(),
          IdentityColumns.linkingOnly(plan.profileUnion()));
      Optional<Column> fragment = ProfileFilter.fragmentCondition(plan.request(), marking);
      // Without a fragment condition every record is kept, and the wide read needs no ids.
      boolean positions = fragment.isPresent();
      List<Column> recordExtras = new java.util.ArrayList<>();
      fragment.ifPresent(c -> recordExtras.add(c.as(IdentityGraph.CANDIDATE)));
      if (positions) {
        recordExtras.add(col(SystemColumns.FILE));
        recordExtras.add(col(SystemColumns.ROW_INDEX));
      }
      // In parts (a scan each), so that the graph pass reads each scan's rows where its column batches hold them.
      LinkMembers members = LinkMembers.asRead(spark, List.of(
          new LinkMembers.Source(identityMapOnly(inputs.parts(plan.profileDatasets(), marking, null, positions),
              recordExtras), true, input),
          new LinkMembers.Source(identityMapOnly(inputs.parts(plan.eventDatasets(),
              IdentityColumns.linkingOnly(plan.eventUnion()), null, false), List.of()), false,
              stitching.eventCounters)),
          blocked, fragment.isPresent());
      describe("job " + run.jobId() + " run " + run.epoch() + ": stitch identities");
      IdentityGraph.Stitched stitched = IdentityGraph.stitch(members,
          plan.settings().get(LakeSettings.MAX_IDENTITIES_PER_GRAPH),
          plan.settings().get(LakeSettings.MAX_STITCH_ITERATIONS),
          StagedFrames.forRun(spark, catalog, run.jobId(), run.epoch()), IdentityIds.XXHASH, name, clock);
      stitching.metrics = stitched.metrics();
      stitching.release = stitched.release();
      // The wide read of the records (the graph pass counted them). Where the lookup tells them apart, the rows of
      // the profiles the filters would surely drop are left out by a filter on the scan's rows, before any
      // projection copies them.
      IdentityGraph.Keying keying = stitched.keying();
      Optional<ScanKeep> kept = keying.keptRows(blocked, null, plan.profileUnion());
      Dataset<Row> withIdentities = kept.isPresent()
          ? keying.withIdentitiesOfKept(inputs.read(plan.profileDatasets(), plan.profileUnion(), kept.get(), false),
              blocked)
          : keying.withIdentities(loaded, blocked, null);
      keyed = keying.keyed(takingPart(withIdentities));
    } else {
      keyed = PrimaryIdentityStitching.keyed(takingPart(withIdentities(loaded, blocked, input)));
    }
    return mergedByProfile(keyed, plan.policy(), plan.profileUnion(), blocked,
        spark.conf().get("spark.sql.session.timeZone"), merged);
  }

  /** {@link #identityMapOnly(Dataset, List)} of each part. */
  private static List<Dataset<Row>> identityMapOnly(List<Dataset<Row>> parts, List<Column> extras) {
    return parts.stream().map(part -> identityMapOnly(part, extras)).toList();
  }

  /** The identity map (when the schema has one) and {@code extras}, so the scan reads only what they need. */
  private static Dataset<Row> identityMapOnly(Dataset<Row> rows, List<Column> extras) {
    List<Column> columns = new java.util.ArrayList<>();
    if (rows.schema().getFieldIndex(io.profileexport.engine.merge.XdmMaps.IDENTITY_MAP).isDefined()) {
      columns.add(col(io.profileexport.engine.merge.XdmMaps.IDENTITY_MAP));
    }
    columns.addAll(extras);
    return rows.select(columns.toArray(new Column[0]));
  }

  /**
   * Records (or events) that carry the union's fields and the dataset, batch and ingest time columns
   * ({@link InputFrames#schemaOf}) with their identity columns added.
   *
   * @param counters counted as the rows pass, or null
   */
  public static Dataset<Row> withIdentities(Dataset<Row> rows, Set<String> blockedValues,
      IdentityColumns.Counters counters) {
    return IdentityColumns.add(rows, blockedValues, counters);
  }

  /** The rows that take part: one primary identity each (SPEC 3.1). */
  public static Dataset<Row> takingPart(Dataset<Row> withIdentities) {
    return withIdentities.filter(col(SystemColumns.SKIP_REASON).isNull());
  }

  /**
   * Ranking and merge of records keyed by profile ({@link SystemColumns#PROFILE}).
   *
   * @param merged observed with the number of merged profiles, or null
   */
  public static Dataset<Row> mergedByProfile(Dataset<Row> keyed, MergePolicy policy, StructType union,
      Set<String> blockedValues, String sessionTimeZone, Observation merged) {
    Dataset<Row> ranked = FragmentRanking.add(keyed, policy, union);
    Dataset<Row> profiles = AttributeMerge.merge(ranked, union, sessionTimeZone, blockedValues);
    return merged == null ? profiles : profiles.observe(merged, count(lit(1)).as("profiles"));
  }

  /** The whole none-graph path from loaded records to merged profiles, for tests on inline rows. */
  public static Dataset<Row> mergedProfiles(Dataset<Row> records, MergePolicy policy, StructType union,
      Set<String> blockedValues, String sessionTimeZone) {
    return mergedByProfile(PrimaryIdentityStitching.keyed(takingPart(withIdentities(records, blockedValues, null))),
        policy, union, blockedValues, sessionTimeZone, null);
  }

  /**
   * An observed count; 0 when Spark did not run that part of the plan (a filter that can match nothing, such as
   * segments in a lake without segmentMembership, is folded away with everything below it).
   */
  private static long counter(Map<String, Object> observed, String name) {
    Object value = observed.get(name);
    return value == null ? 0L : (Long) value;
  }

  private static Map<String, Object> observed(Observation observation) {
    try {
      return observation.getAsJava();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading export counters", e);
    }
  }

  private void describe(String description) {
    spark.sparkContext().setJobDescription(description);
  }
}
