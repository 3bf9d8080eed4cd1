package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.bit_or;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.model.Json;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.profileexport.engine.InternalRowFrames;
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
   * Optional boolean column of the link members: the row is a profile record. A record marks its primary identity,
   * and when the graph is stitched in one task the marks give the number of profiles without merging them.
   */
  public static final String RECORD = SystemColumns.PREFIX + "record";
  /**
   * Optional boolean column of the link members: the record meets the request's fragment condition
   * ({@code ProfileFilter.fragmentCondition}). A component none of whose records meets it is left out (its records
   * and events are not returned), so the merge does not shuffle the profiles the filters would surely drop; the
   * filters still decide on the others.
   */
  public static final String CANDIDATE = SystemColumns.PREFIX + "candidate";
  /** Mark bits ({@link ConnectedComponents#MARK_BITS}): a record's primary identity; one of a candidate record. */
  static final int RECORD_MARK = 1;
  static final int CANDIDATE_MARK = 2;
  /**
   * Heap one identity of a union-find task may take: its share of the index (32 to 64 bytes: 16 a slot, at a load
   * of a quarter to a half), its id, parent, marks, root, size and component marks by index (28 bytes, twice that
   * while an array grows) make about 100 bytes at the peak, and such tables live in the executor's user memory,
   * about 40% of its heap shared by its running tasks.
   */
  static final long HEAP_BYTES_PER_IDENTITY = 400;
  /** The floor of {@link #identitiesPerTask}: below it, iterating costs more than any heap it saves. */
  static final long MIN_IDENTITIES_PER_TASK = 1_000_000L;

  /**
   * The stitched graph: how rows find their profile, and the stitching counters for {@code metrics.extensions}.
   *
   * @param release to run once the keyed rows are written: frees what the keying holds in this JVM
   */
  public record Stitched(Keying keying, ObjectNode metrics, Runnable release) {}

  /**
   * How records and events find their profile once the graph is stitched: {@link #withIdentities} adds their
   * identity columns with the stitching's hash, and {@link #keyed} their profile key, leaving out the rows of
   * components the filters would surely drop; where the lookup allows, the identity pass already leaves those out,
   * before its wide rows are copied.
   */
  public static final class Keying {
    private final IdentityIds.Hash hash;
    private final Column idArray;
    private final ComponentLookup lookup;
    private final Dataset<Row> membership;
    private final int maxIdentitiesPerGraph;
    private final boolean pruned;
    private final boolean hashIds;
    /** The records' smallest ids by file and row, when the graph pass wrote them; else null. */
    private final SmallestIdsByRow rowIds;

    private Keying(IdentityIds.Hash hash, Column idArray, ComponentLookup lookup, Dataset<Row> membership,
        int maxIdentitiesPerGraph, boolean pruned, boolean hashIds, SmallestIdsByRow rowIds) {
      this.rowIds = rowIds;
      this.hash = hash;
      this.idArray = idArray;
      this.lookup = lookup;
      this.membership = membership;
      this.maxIdentitiesPerGraph = maxIdentitiesPerGraph;
      this.pruned = pruned;
      this.hashIds = hashIds;
    }

    /**
     * {@link IdentityColumns#add} with the stitching's hash: rows with their identity columns, counted in
     * {@code counters} (or null), already without those {@link #keyed} would leave out when {@link #rowFilter} can
     * tell them.
     */
    public Dataset<Row> withIdentities(Dataset<Row> rows, java.util.Set<String> blocked,
        IdentityColumns.Counters counters) {
      return IdentityColumns.add(rows, blocked, counters, hash, rowFilter().orElse(null));
    }

    /**
     * The condition under which the wide read keeps a record, counting every record in {@code counters} (or null):
     * what {@link #withIdentities} would keep, decided before the rows are copied out of the scan. A lake batch's
     * record is decided by its file and row, from the smallest id the graph pass wrote for it, where it did
     * ({@link SmallestIdsByRow}: its identity map is not read for that, and such a record is not counted: the graph
     * pass counted it); any other by its identity map ({@link IdentityColumns#keeps}, of the type {@code union} gives
     * it). Rows read with it get their identity columns from {@link #withIdentitiesOfKept}. Empty where
     * {@link #rowFilter} is, or when the union has no identity map: then {@link #withIdentities} counts, and
     * {@link #keyed} leaves rows out.
     */
    public Optional<io.profileexport.engine.ScanKeep> keptRows(java.util.Set<String> blocked,
        IdentityColumns.Counters counters, org.apache.spark.sql.types.StructType union) {
      String name = io.profileexport.engine.merge.XdmMaps.IDENTITY_MAP;
      if (!union.getFieldIndex(name).isDefined()
          || !(union.apply(name).dataType() instanceof org.apache.spark.sql.types.MapType mapType)) {
        return Optional.empty();
      }
      SmallestIdsByRow written = rowIds;
      return rowFilter().map(filter -> io.profileexport.engine.ScanKeep.of(
          identityMap -> IdentityColumns.keeps(identityMap, mapType, blocked, counters, hash, filter),
          written == null ? null : (file, rowIndex) -> written.keeps(file, rowIndex, filter)));
    }

    /** {@link #withIdentities} of rows {@link #keptRows} already kept and counted. */
    public Dataset<Row> withIdentitiesOfKept(Dataset<Row> rows, java.util.Set<String> blocked) {
      return IdentityColumns.add(rows, blocked, null, hash, null);
    }

    /** Rows with identity columns ({@link IdentityColumns}), taking part, with their profile key. */
    public Dataset<Row> keyed(Dataset<Row> rows) {
      return lookup != null ? looked(rows, idArray, lookup)
          : IdentityGraph.keyed(rows, idArray, membership, maxIdentitiesPerGraph, pruned);
    }

    /**
     * The rows {@link #keyed} keeps, for the identity pass to keep only them: when the lookup lists only candidate
     * components and the rows' ids are their plain hash ids (no identity's hash collided), so that the pass's
     * smallest id is the one looked up. Else empty: {@link #keyed} alone leaves rows out.
     */
    Optional<IdentityColumns.RowFilter> rowFilter() {
      if (lookup == null || !pruned || !hashIds) {
        return Optional.empty();
      }
      return Optional.of(lookup.listedRows());
    }
  }

  private IdentityGraph() {}

  /**
   * @param linkMembers the {@link SystemColumns#IDENTITIES}, {@link SystemColumns#IDS} and
   *     {@link SystemColumns#PRIMARY} of every taking-part record and event, and the optional {@link #RECORD} and
   *     {@link #CANDIDATE}: the graph. Read once, so it should be a narrow read
   * @param linkMembersAgain the same rows, without the input counters {@code linkMembers} may carry: read in the rare
   *     run where two identities' hashes collide, to give them ids of their own and make the links again
   */
  public static Stitched stitch(Dataset<Row> linkMembers, Dataset<Row> linkMembersAgain, int maxIdentitiesPerGraph,
      int maxIterations, ConnectedComponents.Materializer store, IdentityIds.Hash hash, String runName, Clock clock) {
    return stitch(LinkMembers.withIdentityColumns(linkMembers, linkMembersAgain), maxIdentitiesPerGraph,
        maxIterations, store, hash, runName, clock);
  }

  /** As {@link #stitch(Dataset, Dataset, int, int, ConnectedComponents.Materializer, IdentityIds.Hash, String,
   * Clock)}, from members in either form. */
  public static Stitched stitch(LinkMembers members, int maxIdentitiesPerGraph, int maxIterations,
      ConnectedComponents.Materializer store, IdentityIds.Hash hash, String runName, Clock clock) {
    return stitch(members, maxIdentitiesPerGraph, maxIterations, store, hash, runName, clock,
        identitiesPerTask(members.spark().sparkContext()));
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
    // Never more than one forest holds: a larger graph is iterated whatever the heap.
    return Math.min(LongUnionFind.MAX_NODES,
        Math.max(MIN_IDENTITIES_PER_TASK, heapPerTask(sc) / HEAP_BYTES_PER_IDENTITY));
  }

  /** The heap one task may count on: see {@link #identitiesPerTask}. */
  public static long heapPerTask(org.apache.spark.SparkContext sc) {
    if (sc.isLocal()) {
      return Runtime.getRuntime().maxMemory() / localThreads(sc.master());
    }
    int cores = sc.getConf().getInt("spark.executor.cores", 0);
    if (cores <= 0) {
      boolean oneCore = sc.master().startsWith("yarn") || sc.master().startsWith("k8s");
      int executors = Math.max(1, sc.statusTracker().getExecutorInfos().length - 1);  // the driver is listed too
      cores = oneCore ? 1 : Math.max(1, sc.defaultParallelism() / executors);
    }
    int tasks = Math.max(1, cores / Math.max(1, sc.getConf().getInt("spark.task.cpus", 1)));
    return sc.executorMemory() * 1024L * 1024L / tasks;
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
   * As {@link #stitch(Dataset, Dataset, int, int, ConnectedComponents.Materializer, IdentityIds.Hash, String,
   * Clock)}, with the number of identities one stitching task takes (tests use a tiny one to exercise the
   * iterated rounds).
   */
  public static Stitched stitch(Dataset<Row> linkMembers, Dataset<Row> linkMembersAgain, int maxIdentitiesPerGraph,
      int maxIterations, ConnectedComponents.Materializer store, IdentityIds.Hash hash, String runName, Clock clock,
      long identitiesPerTask) {
    return stitch(LinkMembers.withIdentityColumns(linkMembers, linkMembersAgain), maxIdentitiesPerGraph,
        maxIterations, store, hash, runName, clock, identitiesPerTask);
  }

  static Stitched stitch(LinkMembers members, int maxIdentitiesPerGraph, int maxIterations,
      ConnectedComponents.Materializer store, IdentityIds.Hash hash, String runName, Clock clock,
      long identitiesPerTask) {
    long start = clock.millis();
    // Where records are read with their file and row, the graph pass writes each one's smallest id, so that the wide
    // read can tell the records of the components kept without scanning their identities again.
    SmallestIdsByRow rowIds = members.records() && members.candidates() && members.positions()
        ? SmallestIdsByRow.at(store.location("rowids"), members.spark()) : null;
    Links links = links(members, hash, store, runName, rowIds);
    IdentityIds ids = links.ids();
    Column idArray = links.idArray();
    Dataset<Row> edges = links.edges();
    boolean withMarks = members.records();
    long linkedAt = clock.millis();
    int partitions = tasksFor(ids.distinctIdentities(), identitiesPerTask);
    boolean pruned = withMarks && members.candidates();
    Map<String, Long> componentCounts;
    int iterations;
    ComponentLookup lookup = null;
    Dataset<Row> joinedWith = null;
    if (partitions == 1) {
      // The graph fits one task, so its membership fits an executor: the one union-find task counts the components
      // and writes the lookup each scan then finds its rows' profiles in. When only candidate components are kept,
      // the lookup holds only theirs, and rows it does not hold are left out.
      OneTask oneTask = inOneTask(links.staged(), ids.distinctIdentities(), maxIdentitiesPerGraph, pruned, store,
          runName);
      componentCounts = oneTask.counts();
      lookup = oneTask.lookup();
      iterations = 1;
    } else {
      ConnectedComponents.Result result = ConnectedComponents.of(edges, partitions, maxIterations, store);
      Dataset<Row> membership = result.components().select(col("node").as(NODE), col("root"), col("size"),
          col("marks"), col("componentMarks"));
      if (withMarks) {
        // The iterated rounds read links only: the marks are joined to the components here.
        membership = store.materialize(withMarks(membership, edges), "marked");
      }
      componentCounts = counts(membership, maxIdentitiesPerGraph);
      iterations = result.iterations();
      // Rows are joined with the membership, only the candidate components' when pruning (others find no match).
      joinedWith = pruned ? membership.filter(hasMark("componentMarks", CANDIDATE_MARK)) : membership;
    }
    long componentsAt = clock.millis();

    LOG.info("stitching {}: identities, collisions and links {} ms, components ({} tasks of up to {} identities, {}"
        + " rounds) {} ms", runName, linkedAt - start, partitions, identitiesPerTask, iterations,
        componentsAt - linkedAt);
    if (pruned) {
      LOG.info("stitching {}: {} components may pass the filters, of {} with records ({} profiles)", runName,
          componentCounts.get("candidateComponents"), componentCounts.get("recordComponents"),
          componentCounts.get("profiles"));
    }
    ObjectNode metrics = Json.object();
    long linkedIdentities = componentCounts.get("linkedIdentities");
    long isolated = Math.max(0, ids.distinctIdentities() - linkedIdentities);
    metrics.put("identities", ids.distinctIdentities());
    if (withMarks) {
      metrics.put("profiles", componentCounts.get("profiles"));
    }
    metrics.put("links", links.links());
    metrics.put("components", componentCounts.get("linkedComponents") + isolated);
    long largest = componentCounts.get("largest");
    metrics.put("largestComponent", Math.max(largest, ids.distinctIdentities() > 0 ? 1 : 0));
    metrics.put("oversizedComponents", componentCounts.get("oversized"));
    metrics.put("stitchIterations", iterations);
    metrics.put("stitchTimeMs", clock.millis() - start);
    if (ids.collisions() > 0) {
      metrics.put("identityHashCollisions", ids.collisions());
    }
    Keying keying = new Keying(hash, idArray, lookup, joinedWith, maxIdentitiesPerGraph, pruned,
        !ids.hasCollisions(), rowIds);
    ComponentLookup used = lookup;
    Runnable release = () -> {
      if (used != null) {
        used.release();
      }
      if (rowIds != null) {
        rowIds.release();
      }
    };
    return new Stitched(keying, metrics, release);
  }

  /** The counters of a stitched graph ({@link #counts}), by name. */
  private static final List<String> COUNTS = List.of("linkedComponents", "largest", "oversized",
      "linkedIdentities", "profiles", "candidateComponents", "recordComponents");

  /**
   * The component counters from the membership (node, root, size, marks, componentMarks), one row per linked or
   * marked identity, in one small aggregation. A profile is a component with a record, unless oversized, where each
   * record's primary identity is one. {@link #counts(ConnectedComponents.Forest, int)} counts alike in one task.
   */
  private static Map<String, Long> counts(Dataset<Row> membership, int maxIdentitiesPerGraph) {
    Column oversized = col("size").gt(maxIdentitiesPerGraph);
    Column isRoot = col(NODE).equalTo(col("root"));
    Row counts = membership.agg(count_if(isRoot).as("linkedComponents"), max(col("size")).as("largest"),
        count_if(isRoot.and(oversized)).as("oversized"), count(lit(1)).as("linkedIdentities"),
        count_if(not(oversized).and(isRoot).and(hasMark("componentMarks", RECORD_MARK))
            .or(oversized.and(hasMark("marks", RECORD_MARK)))).as("profiles"),
        count_if(isRoot.and(hasMark("componentMarks", CANDIDATE_MARK))).as("candidateComponents"),
        count_if(isRoot.and(hasMark("componentMarks", RECORD_MARK))).as("recordComponents")).first();
    Map<String, Long> out = new java.util.HashMap<>();
    for (String name : COUNTS) {
      Object value = counts.get(counts.fieldIndex(name));
      out.put(name, value == null ? 0L : ((Number) value).longValue());
    }
    return out;
  }

  /** As {@link #counts(Dataset, int)}, over a forest of the whole graph; in the order of {@link #COUNTS}. */
  static long[] counts(ConnectedComponents.Forest forest, int maxIdentitiesPerGraph) {
    long[] out = new long[COUNTS.size()];
    for (int i = 0; i < forest.nodes(); i++) {
      int root = forest.rootIndex(i);
      boolean oversized = forest.size(root) > maxIdentitiesPerGraph;
      int componentMarks = forest.componentMarks(root);
      if (root == i) {
        out[0]++;
        out[1] = Math.max(out[1], forest.size(root));
        out[2] += oversized ? 1 : 0;
        out[4] += !oversized && (componentMarks & RECORD_MARK) != 0 ? 1 : 0;
        out[5] += (componentMarks & CANDIDATE_MARK) != 0 ? 1 : 0;
        out[6] += (componentMarks & RECORD_MARK) != 0 ? 1 : 0;
      }
      out[3]++;
      out[4] += oversized && (forest.marks(i) & RECORD_MARK) != 0 ? 1 : 0;
    }
    return out;
  }

  /** The lookup of a graph stitched in one task, and its counters. */
  private record OneTask(ComponentLookup lookup, Map<String, Long> counts) {}

  /**
   * The whole graph in one union-find task, which writes the lookup (every node's component root, or
   * {@link ComponentLookup#OVERSIZED}; with {@code pruned} only the candidate components' nodes) and counts the
   * components, so the membership of millions of identities is neither written whole nor aggregated again.
   */
  private static OneTask inOneTask(Dataset<Row> staged, long expectedNodes, int maxIdentitiesPerGraph,
      boolean pruned, ConnectedComponents.Materializer store, String runName) {
    int expected = (int) Math.min(expectedNodes, LongUnionFind.MAX_NODES);
    // The counters come back through an accumulator: updated in the write's own (result) tasks, so a retried task
    // is counted once. One task, so at most one value.
    org.apache.spark.util.CollectionAccumulator<long[]> counted = staged.sparkSession().sparkContext()
        .collectionAccumulator("stitch-counts-" + runName);
    // Coalescing reads every staged partition in the one task, without a shuffle.
    Dataset<Row> chunks = InternalRowFrames.mapPartitions(staged.coalesce(1), ComponentLookup.CHUNKS, rows -> {
      ConnectedComponents.Forest forest = ConnectedComponents.Forest.of(new EdgeChunks.Reader(rows)::fill, expected);
      counted.add(counts(forest, maxIdentitiesPerGraph));
      return ComponentLookup.chunks(lookupEntries(forest, maxIdentitiesPerGraph, pruned));
    });
    ComponentLookup lookup = ComponentLookup.write(chunks, store, "lookup", pruned);
    // No value when there were no edges: no task ran.
    long[] taskCounts = counted.value().isEmpty() ? new long[COUNTS.size()] : counted.value().get(0);
    Map<String, Long> counts = new java.util.HashMap<>();
    for (int i = 0; i < COUNTS.size(); i++) {
      counts.put(COUNTS.get(i), taskCounts[i]);
    }
    return new OneTask(lookup, counts);
  }

  /** (node, root or OVERSIZED) for every node of the forest, or with {@code pruned} of its candidate components. */
  private static java.util.PrimitiveIterator.OfLong lookupEntries(ConnectedComponents.Forest forest,
      int maxIdentitiesPerGraph, boolean pruned) {
    return new java.util.PrimitiveIterator.OfLong() {
      private int next = advance(0);
      private long pending = Long.MIN_VALUE;
      private boolean valueNext;

      private int advance(int from) {
        int i = from;
        while (pruned && i < forest.nodes()
            && (forest.componentMarks(forest.rootIndex(i)) & CANDIDATE_MARK) == 0) {
          i++;
        }
        return i;
      }

      @Override
      public boolean hasNext() {
        return valueNext || next < forest.nodes();
      }

      @Override
      public long nextLong() {
        if (valueNext) {
          valueNext = false;
          return pending;
        }
        if (next >= forest.nodes()) {
          throw new java.util.NoSuchElementException();
        }
        int i = next;
        int root = forest.rootIndex(i);
        pending = forest.size(root) > maxIdentitiesPerGraph ? ComponentLookup.OVERSIZED : forest.node(root);
        valueNext = true;
        next = advance(i + 1);
        return forest.node(i);
      }
    };
  }

  /**
   * The membership (node, root, size) of the iterated path with the marks of the edges: each marked node's marks,
   * and its component's, or-ed; a marked node without links is a component of its own.
   */
  private static Dataset<Row> withMarks(Dataset<Row> membership, Dataset<Row> edges) {
    // One row with marks per marked identity (a mark row, or its first link carries them); a join by node and a
    // window by root, two shuffles of narrow rows.
    Dataset<Row> marks = edges.filter(col("kind").notEqual(lit(ConnectedComponents.LINK)))
        .select(col("a").as(NODE), col("kind").as("marks"));
    Dataset<Row> nodes = membership.select(col(NODE), col("root"), col("size"))
        .join(marks, membership.col(NODE).equalTo(marks.col(NODE)), "full_outer")
        .select(coalesce(membership.col(NODE), marks.col(NODE)).as(NODE),
            coalesce(col("root"), membership.col(NODE), marks.col(NODE)).as("root"),
            coalesce(col("size"), lit(1L)).as("size"), coalesce(col("marks"), lit(0)).as("marks"));
    return nodes.withColumn("componentMarks",
        bit_or(col("marks")).over(org.apache.spark.sql.expressions.Window.partitionBy(col("root"))));
  }

  /**
   * The identity graph: for each record and event, a link between every two of its identities, deduplicated (a pair
   * of identities seen together in several rows is one link). A star from the smallest id would connect the same
   * components with fewer edges, but its count would depend on the ids' hash order; the pairs are what the
   * {@code links} metric counts. With {@link #RECORD} members, {@code edges} also holds the marks of each record
   * primary identity p, once: on p's first link (p, q, bits) when p links to a larger id, else in a mark row
   * (p, p, bits) ({@link ConnectedComponents#LINK}).
   *
   * @param idArray a row's distinct identity ids, sorted
   * @param edges (a, b, kind), read from {@code staged}
   * @param staged the edges as they are materialized, packed ({@link EdgeChunks}), which union-find reads directly
   * @param links the distinct links among the edges
   */
  public record Links(IdentityIds ids, Column idArray, Dataset<Row> edges, Dataset<Row> staged, long links) {}

  /**
   * The identity graph of {@code linkMembers} ({@link #stitch}), in one read of them: the rows' hash ids are checked
   * for collisions in the same pass that makes the links ({@link GraphRows}). Where hashes collided (a chance of
   * about one in ten thousand for ten million identities), the colliding identities get ids of their own, and the
   * links are made again with them from {@code linkMembersAgain}, the same rows without input counters.
   */
  public static Links links(Dataset<Row> linkMembers, Dataset<Row> linkMembersAgain, IdentityIds.Hash hash,
      ConnectedComponents.Materializer store, String runName) {
    return links(LinkMembers.withIdentityColumns(linkMembers, linkMembersAgain), hash, store, runName, null);
  }

  /** @param rowIds where the first pass writes the records' smallest ids by file and row, or null */
  static Links links(LinkMembers members, IdentityIds.Hash hash, ConnectedComponents.Materializer store,
      String runName, SmallestIdsByRow rowIds) {
    boolean records = members.records();
    boolean candidates = members.candidates();
    GraphPass checked = graphPass(members, GraphRows.checking(hash, records, candidates), hash, false, store,
        runName, rowIds);
    long distinctHashes = checked.counters().distinctHashes().value();
    List<Long> colliding = new ArrayList<>(new java.util.TreeSet<>(checked.counters().collidingHashes().value()));
    if (colliding.isEmpty()) {
      IdentityIds ids = IdentityIds.hashed(hash, distinctHashes);
      return new Links(ids, ids.sortedIds(), checked.edges(), checked.staged(), checked.counters().links().value());
    }
    IdentityIds ids = IdentityIds.resolved(members.identities(hash), hash, distinctHashes, colliding);
    GraphPass resolved = graphPass(members, GraphRows.resolved(ids, records, candidates), hash, true, store,
        runName, null);
    return new Links(ids, ids.sortedIds(), resolved.edges(), resolved.staged(),
        resolved.counters().links().value());
  }

  private record GraphPass(Dataset<Row> edges, Dataset<Row> staged, GraphRows.Counters counters) {}

  /** One pass: the rows emitted, shuffled and sorted by key, and scanned into edges as they are written. */
  private static GraphPass graphPass(LinkMembers members, GraphRows rows, IdentityIds.Hash hash, boolean again,
      ConnectedComponents.Materializer store, String runName, SmallestIdsByRow rowIds) {
    org.apache.spark.SparkContext sc = members.spark().sparkContext();
    GraphRows.Counters counters = new GraphRows.Counters(sc.longAccumulator("stitch-hashes-" + runName),
        sc.collectionAccumulator("stitch-colliding-" + runName), sc.longAccumulator("stitch-links-" + runName));
    // One shuffle by key, of rows packed by reduce partition; each partition sorted by key in arrays while it fits a
    // share of the task's heap (user memory, about 40% of it, as for union-find), else by Spark's external sorter.
    PackedGraphRows packing = PackedGraphRows.forPartitions(
        members.spark().sessionState().conf().numShufflePartitions());
    Dataset<Row> emitted = members.emitted(rows, hash, again, packing, rowIds);
    long sortedInMemory = Math.max(1, heapPerTask(sc) * 2 / 5 / KeySort.BYTES_PER_ROW);
    Dataset<Row> staged = store.materialize(InternalRowFrames.mapPartitions(
        emitted.repartition(packing.partitions(), col("bucket")), EdgeChunks.SCHEMA,
        partition -> EdgeChunks.packed(GraphRows.edges(KeySort.sorted(PackedGraphRows.unpacked(partition),
            sortedInMemory), counters))), "edges");
    return new GraphPass(InternalRowFrames.mapPartitions(staged, GraphRows.EDGES, EdgeChunks::unpacked), staged,
        counters);
  }

  /** Stitching tasks for a graph of {@code identities}: one while they fit one task. */
  public static int tasksFor(long identities, long identitiesPerTask) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (identities + identitiesPerTask - 1) / identitiesPerTask));
  }

  /** As {@link #keyed}, the component looked up in the scan instead of joined. */
  private static Dataset<Row> looked(Dataset<Row> rows, Column idArray, ComponentLookup lookup) {
    String rootColumn = SystemColumns.PREFIX + "root";
    Column root = col(rootColumn);
    Column key = when(root.equalTo(lit(ComponentLookup.OVERSIZED)),
        concat(lit("p:"), PrimaryIdentityStitching.profileKey(col(SystemColumns.PRIMARY))))
        .otherwise(concat(lit("c:"), root.cast("string")));
    return rows.withColumn(rootColumn, lookup.rootOf(element_at(idArray, 1)))
        .filter(root.notEqual(lit(ComponentLookup.UNLISTED)))
        .withColumn(SystemColumns.PROFILE, key).drop(rootColumn);
  }

  /**
   * Rows with their profile key: the component's root, or the primary identity for an oversized component. With
   * {@code onlyListed}, the membership lists only some components, and rows it does not list are left out.
   */
  private static Dataset<Row> keyed(Dataset<Row> rows, Column idArray, Dataset<Row> membership, int maxIdentities,
      boolean onlyListed) {
    Dataset<Row> withNode = rows.withColumn(NODE, element_at(idArray, 1));
    // Prefixed names: a record may have fields named root or size.
    String rootColumn = SystemColumns.PREFIX + "root";
    String sizeColumn = SystemColumns.PREFIX + "size";
    String memberNode = SystemColumns.PREFIX + "member";
    Dataset<Row> members = membership.select(col(NODE).as(memberNode), col("root").as(rootColumn),
        col("size").as(sizeColumn));
    Dataset<Row> joined = withNode.join(members, col(NODE).equalTo(col(memberNode)), onlyListed ? "inner" : "left");
    Column root = coalesce(col(rootColumn), col(NODE));
    Column size = coalesce(col(sizeColumn), lit(1L));
    Column key = when(size.gt(maxIdentities),
        concat(lit("p:"), PrimaryIdentityStitching.profileKey(col(SystemColumns.PRIMARY))))
        .otherwise(concat(lit("c:"), root.cast("string")));
    return joined.withColumn(SystemColumns.PROFILE, key).drop(NODE, memberNode, rootColumn, sizeColumn);
  }

  private static Column hasMark(String column, int mark) {
    return col(column).bitwiseAND(lit(mark)).notEqual(lit(0));
  }

  private static boolean has(Dataset<Row> frame, String column) {
    return frame.schema().getFieldIndex(column).isDefined();
  }
}
