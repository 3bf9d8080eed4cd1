package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.model.Json;
import java.time.Clock;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code identityGraph: pdg} (SPEC 3.3): every identity of a taking-part record or event is linked to the others of
 * that record or event; a profile is a connected component of the identities, and records and events belong to the
 * component of their identities. A component with more distinct identities than {@code maxIdentitiesPerGraph} is not
 * merged: its records and events are keyed by their primary identity, as under {@code none}.
 */
public final class IdentityGraph {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IdentityGraph.class);
  private static final String NODE = "__pe_node";
  /**
   * Heap one identity of a union-find task may take: its slot in the parent table (16 bytes at a load of at most a
   * half, twice that while the table grows), the node list and the component sizes make about 150 bytes at the peak,
   * and such tables live in the executor's user memory, about 40% of its heap shared by its running tasks.
   */
  static final long HEAP_BYTES_PER_IDENTITY = 400;
  /** The floor of {@link #identitiesPerTask}: below it, iterating costs more than any heap it saves. */
  static final long MIN_IDENTITIES_PER_TASK = 1_000_000L;

  /**
   * Records and events with their profile key, and the stitching counters for {@code metrics.extensions}.
   *
   * @param release to run once the keyed rows are written: frees what the keying holds in this JVM
   */
  public record Stitched(Dataset<Row> records, Dataset<Row> events, ObjectNode metrics, Runnable release) {}

  private IdentityGraph() {}

  /**
   * @param members the {@link SystemColumns#IDENTITIES} and {@link SystemColumns#IDS} of every taking-part record and
   *     event: the graph. It is read twice (the identities, then the links), so it should be a narrow read; input
   *     counters belong on {@code linkMembers}, the same rows read once
   * @param linkMembers the same rows as {@code members}, read for the links
   * @param records and {@code events}: taking-part rows with {@link SystemColumns#IDENTITIES} and
   *     {@link SystemColumns#PRIMARY}, to be keyed by profile
   */
  public static Stitched stitch(Dataset<Row> members, Dataset<Row> linkMembers, Dataset<Row> records,
      Dataset<Row> events, int maxIdentitiesPerGraph, int maxIterations, ConnectedComponents.Materializer store,
      IdentityIds.Hash hash, String runName, Clock clock) {
    return stitch(members, linkMembers, records, events, maxIdentitiesPerGraph, maxIterations, store, hash, runName,
        clock, identitiesPerTask(members.sparkSession().sparkContext()));
  }

  /**
   * Identities one union-find task can hold, from the heap a task gets: the driver's heap over the local master's
   * threads in local mode, else {@code spark.executor.memory} over the tasks an executor runs at once:
   * {@code spark.executor.cores} (over {@code spark.task.cpus}), or when unset 1 on YARN and Kubernetes and, on a
   * standalone cluster, where an executor takes all its worker's cores, the application's cores over its executors.
   * Graphs up to this size are stitched in one pass by one task; larger ones are split into tasks of this size and
   * iterated.
   */
  public static long identitiesPerTask(org.apache.spark.SparkContext sc) {
    long heapPerTask;
    if (sc.isLocal()) {
      heapPerTask = Runtime.getRuntime().maxMemory() / localThreads(sc.master());
    } else {
      int cores = sc.getConf().getInt("spark.executor.cores", 0);
      if (cores <= 0) {
        boolean oneCore = sc.master().startsWith("yarn") || sc.master().startsWith("k8s");
        int executors = Math.max(1, sc.statusTracker().getExecutorInfos().length - 1);  // the driver is listed too
        cores = oneCore ? 1 : Math.max(1, sc.defaultParallelism() / executors);
      }
      int tasks = Math.max(1, cores / Math.max(1, sc.getConf().getInt("spark.task.cpus", 1)));
      heapPerTask = sc.executorMemory() * 1024L * 1024L / tasks;
    }
    return Math.max(MIN_IDENTITIES_PER_TASK, heapPerTask / HEAP_BYTES_PER_IDENTITY);
  }

  /** Task threads of a local master: {@code local} 1, {@code local[N]} and {@code local[N,F]} N, {@code [*]} all. */
  static int localThreads(String master) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\*|\\d+)").matcher(master);
    if (!m.lookingAt()) {
      return 1;
    }
    return m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors()
        : Math.max(1, Integer.parseInt(m.group(1)));
  }

  /**
   * As {@link #stitch(Dataset, Dataset, Dataset, Dataset, int, int, ConnectedComponents.Materializer,
   * IdentityIds.Hash, String, Clock)}, with the number of identities one stitching task takes (tests use a tiny one to exercise the
   * iterated rounds).
   */
  public static Stitched stitch(Dataset<Row> members, Dataset<Row> linkMembers, Dataset<Row> records,
      Dataset<Row> events, int maxIdentitiesPerGraph, int maxIterations, ConnectedComponents.Materializer store,
      IdentityIds.Hash hash, String runName, Clock clock, long identitiesPerTask) {
    long start = clock.millis();
    Links links = links(members, linkMembers, hash, runName);
    IdentityIds ids = links.ids();
    Column idArray = links.idArray();
    long identified = clock.millis();
    // Written once: the rounds read it, and its row count (from the files) is the links metric.
    Dataset<Row> edges = store.materialize(links.edges(), "edges");
    long linkedAt = clock.millis();
    int partitions = tasksFor(ids.distinctIdentities(), identitiesPerTask);
    ConnectedComponents.Result result = ConnectedComponents.of(edges, partitions, maxIterations, store);
    long componentsAt = clock.millis();

    // One small aggregation over the membership (one row per linked identity) gives the component counters.
    Dataset<Row> membership = result.components().select(col("node").as(NODE), col("root"), col("size"));
    Row counts = membership.agg(count_if(col(NODE).equalTo(col("root"))).as("linkedComponents"),
        max(col("size")).as("largest"),
        count_if(col(NODE).equalTo(col("root")).and(col("size").gt(maxIdentitiesPerGraph))).as("oversized"),
        count(lit(1)).as("linkedIdentities")).first();
    Map<String, Object> componentCounts = Map.of("linkedComponents", counts.get(0) == null ? 0L : counts.get(0),
        "largest", counts.get(1) == null ? 0L : counts.get(1), "oversized", counts.get(2) == null ? 0L : counts.get(2),
        "linkedIdentities", counts.get(3) == null ? 0L : counts.get(3));

    LOG.info("stitching {}: identities and collisions {} ms, links {} ms, components ({} tasks of up to {}"
        + " identities, {} rounds) {} ms, counters {} ms", runName, identified - start, linkedAt - identified,
        partitions, identitiesPerTask, result.iterations(), componentsAt - linkedAt, clock.millis() - componentsAt);
    ObjectNode metrics = Json.object();
    long linkedIdentities = longOf(componentCounts.get("linkedIdentities"));
    long isolated = Math.max(0, ids.distinctIdentities() - linkedIdentities);
    metrics.put("identities", ids.distinctIdentities());
    metrics.put("links", store.rows("edges"));
    metrics.put("components", longOf(componentCounts.get("linkedComponents")) + isolated);
    long largest = longOf(componentCounts.get("largest"));
    metrics.put("largestComponent", Math.max(largest, ids.distinctIdentities() > 0 ? 1 : 0));
    metrics.put("oversizedComponents", longOf(componentCounts.get("oversized")));
    metrics.put("stitchIterations", result.iterations());
    metrics.put("stitchTimeMs", clock.millis() - start);
    if (ids.collisions() > 0) {
      metrics.put("identityHashCollisions", ids.collisions());
    }
    if (partitions == 1) {
      // The graph fitted one task, so its membership fits an executor: each scan looks its rows' profiles up.
      ComponentLookup lookup = ComponentLookup.of(membership, maxIdentitiesPerGraph, store, "lookup");
      metrics.put("stitchTimeMs", clock.millis() - start);
      return new Stitched(looked(records, idArray, lookup), looked(events, idArray, lookup), metrics,
          lookup::release);
    }
    return new Stitched(keyed(records, idArray, membership, maxIdentitiesPerGraph),
        keyed(events, idArray, membership, maxIdentitiesPerGraph), metrics, () -> { });
  }

  /**
   * The identity graph's edges: for each record and event, a link between every two of its identities, deduplicated
   * (a pair of identities seen together in several rows is one link). A star from the smallest id would connect the
   * same components with fewer edges, but its count would depend on the ids' hash order; the pairs are what the
   * {@code links} metric counts.
   *
   * @param idArray a row's distinct identity ids, sorted
   */
  public record Links(IdentityIds ids, Column idArray, Dataset<Row> edges) {}

  public static Links links(Dataset<Row> members, Dataset<Row> linkMembers, IdentityIds.Hash hash,
      String runName) {
    Dataset<Row> identities = members.select(explode(col(SystemColumns.IDENTITIES)).as("i"))
        .select(col("i.nsKey").as("nsKey"), col("i.id").as("id"));
    IdentityIds ids = IdentityIds.of(identities, hash, "identities-" + runName);
    Column idArray = ids.sortedIds();
    // Every pair (a < b) of a row's sorted distinct ids: the links the row makes, whatever the ids' order.
    Column sorted = col("ids");
    Column pairs = flatten(transform(sorted, (a, i) -> transform(slice(sorted, i.plus(2), size(sorted)),
        b -> struct(a.as("a"), b.as("b")))));
    Dataset<Row> edges = linkMembers.select(idArray.as("ids"))
        .filter(size(sorted).gt(1))
        .select(explode(pairs).as("p"))
        .select(col("p.a").as("a"), col("p.b").as("b"))
        .distinct();
    return new Links(ids, idArray, edges);
  }

  /** Stitching tasks for a graph of {@code identities}: one while they fit one task. */
  public static int tasksFor(long identities, long identitiesPerTask) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (identities + identitiesPerTask - 1) / identitiesPerTask));
  }

  /** As {@link #keyed}, the component looked up in the scan instead of joined. */
  private static Dataset<Row> looked(Dataset<Row> rows, Column idArray, ComponentLookup lookup) {
    Column root = lookup.rootOf(element_at(idArray, 1));
    Column key = when(root.equalTo(lit(ComponentLookup.OVERSIZED)),
        concat(lit("p:"), PrimaryIdentityStitching.profileKey(col(SystemColumns.PRIMARY))))
        .otherwise(concat(lit("c:"), root.cast("string")));
    return rows.withColumn(SystemColumns.PROFILE, key);
  }

  /** Rows with their profile key: the component's root, or the primary identity for an oversized component. */
  private static Dataset<Row> keyed(Dataset<Row> rows, Column idArray, Dataset<Row> membership, int maxIdentities) {
    Dataset<Row> withNode = rows.withColumn(NODE, element_at(idArray, 1));
    Dataset<Row> joined = withNode.join(membership, withNode.col(NODE).equalTo(membership.col(NODE)), "left");
    Column root = coalesce(membership.col("root"), withNode.col(NODE));
    Column size = coalesce(membership.col("size"), lit(1L));
    Column key = when(size.gt(maxIdentities),
        concat(lit("p:"), PrimaryIdentityStitching.profileKey(col(SystemColumns.PRIMARY))))
        .otherwise(concat(lit("c:"), root.cast("string")));
    return joined.withColumn(SystemColumns.PROFILE, key).drop(membership.col(NODE)).drop(withNode.col(NODE))
        .drop("root", "size");
  }

  private static long longOf(Object value) {
    return value == null ? 0L : ((Number) value).longValue();
  }
}
