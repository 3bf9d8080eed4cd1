package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;

import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.FailureCode;
import java.util.Iterator;
import io.profileexport.engine.InternalRowFrames;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Connected components of an undirected graph on long node ids, in the large-star / small-star family (Kiveris,
 * Lattanzi, Mirrokni, Rastogi, Vassilvitskii, "Connected Components in MapReduce and Beyond", 2014), with union-find
 * inside partitions. The edge set stays connectivity-equivalent to the input; it has converged when it is a set of
 * stars, every edge joining a node to its component's smallest node. A component's id is its smallest node, so the
 * result does not depend on partitioning.
 *
 * <p>A graph whose identities fit one task is solved by one union-find pass over all its edges. A larger one is
 * split into partitions and iterated; a round is one Spark job with one shuffle: both directions of every edge are
 * partitioned by their first node, so a partition holds the whole neighbourhood of each node it owns (what
 * large-star reads), and a union-find over the partition's edges links every node it sees to the smallest node
 * reachable inside the partition, which does
 * what large-star and small-star do and more: with customer data, where most components are a few identities, one
 * round links almost every component. The same pass checks whether its input was already a set of stars (a node with
 * several smaller neighbours, or with smaller and larger ones, says it was not), so convergence costs no job of its
 * own; the round after the last useful one only confirms it. Rounds are written out and read back by the caller's
 * {@link Materializer}, which keeps the plan and the lineage one round long.
 */
public final class ConnectedComponents {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConnectedComponents.class);
  /**
   * Writes a frame out and reads it back, cutting its plan and lineage: stitching's loop state and inputs go through
   * it (the lake layer writes them under the run's staging).
   */
  public interface Materializer {
    Dataset<Row> materialize(Dataset<Row> frame, String name);

    /** The folder (a Hadoop path) of the files of the frame materialized under {@code name}. */
    String location(String name);
  }

  /**
   * @param components (node, root, size, marks, componentMarks) for every node that has an edge, roots included as
   *     (root, root, ...), size being the component's number of nodes; materialized. The one-task pass also gives
   *     every marked node, its marks and the union of its component's marks; the iterated rounds read links only,
   *     and then both marks columns are 0
   * @param iterations rounds run, the confirming round included
   */
  public record Result(Dataset<Row> components, int iterations) {}

  /**
   * The {@code kind} of an input row without marks. A row links {@code a} and {@code b} when they differ; whatever it
   * links, a row's other {@code kind} values are mark bits ({@link #MARK_BITS}) of {@code a}: a mark row (p, p, bits),
   * or a link that carries its first node's marks, one row where a link and a mark would take two.
   */
  public static final int LINK = 0;
  /**
   * The bits of the input's {@code kind} that mark {@code a}: they end up on the node ({@code marks}) and, or-ed, on
   * its component ({@code componentMarks}).
   */
  public static final int MARK_BITS = 0xff;

  static final StructType EDGES = new StructType().add("hi", DataTypes.LongType, false)
      .add("lo", DataTypes.LongType, false);
  static final StructType COMPONENTS = new StructType().add("node", DataTypes.LongType, false)
      .add("root", DataTypes.LongType, false).add("size", DataTypes.LongType, false)
      .add("marks", DataTypes.IntegerType, false).add("componentMarks", DataTypes.IntegerType, false);

  private ConnectedComponents() {}

  /**
   * @param edges columns {@code a}, {@code b} (longs, undirected; self-loops and duplicates allowed; no node may be
   *     {@code Long.MIN_VALUE}) and, optionally, {@code kind}: {@link #LINK} or the marks of {@code a}
   * @param partitions shuffle partitions of every round
   * @param maxIterations rounds allowed before failing with {@code STITCH_DID_NOT_CONVERGE}
   */
  public static Result of(Dataset<Row> edges, int partitions, int maxIterations, Materializer store) {
    return of(edges, partitions, maxIterations, store, 1 << 16);
  }

  /**
   * As {@link #of(Dataset, int, int, Materializer)}.
   *
   * @param expectedNodes a likely number of nodes (the distinct identities): the one-task pass sizes its tables for
   *     them once instead of growing them step by step
   */
  public static Result of(Dataset<Row> edges, int partitions, int maxIterations, Materializer store,
      long expectedNodes) {
    if (partitions == 1) {
      // The whole graph fits one task: one union-find pass gives the exact components, nothing to iterate.
      int expected = (int) Math.min(expectedNodes, LongUnionFind.MAX_NODES);
      return new Result(store.materialize(InternalRowFrames.mapPartitions(inOneTask(edges), COMPONENTS,
          rows -> componentsOfPartition(rows, expected)), "components"), 1);
    }
    Dataset<Row> current = edges.filter(col("a").notEqual(col("b")))
        .select(greatest(col("a"), col("b")).as("hi"), least(col("a"), col("b")).as("lo"));
    int round = 0;
    while (true) {
      if (round == maxIterations) {
        throw ExportErrors.jobFailed(FailureCode.STITCH_DID_NOT_CONVERGE, "Identity stitching did not converge in"
            + " maxStitchIterations = " + maxIterations + " rounds; raise the setting (the identity graph has very"
            + " long chains of linked identities), then run the job again.", null);
      }
      round++;
      LongAccumulator violations = edges.sparkSession().sparkContext().longAccumulator("stitch-round-" + round);
      Dataset<Row> next = store.materialize(round(current, partitions, violations), "round-" + round);
      if (violations.value() == 0) {
        // This round's input was already a set of stars: the components.
        current = next;
        break;
      }
      current = next;
    }
    // Converged edges are stars (node, root): partitioned by root, each partition holds whole components, and the
    // one-task pass gives every node its root and size in one shuffle (no distinct, aggregation or join).
    Dataset<Row> stars = current.select(col("hi").as("a"), col("lo").as("b"), lit(LINK).as("kind"))
        .repartition(partitions, col("b"));
    return new Result(store.materialize(InternalRowFrames.mapPartitions(stars, COMPONENTS,
        rows -> componentsOfPartition(rows, 1 << 12)), "components"), round);
  }

  /**
   * Every edge (a, b, kind) in one partition: coalescing reads every input partition in the one task, without a
   * shuffle, and the task then knows whole components, sizes and marks included, with no aggregation or join.
   */
  static Dataset<Row> inOneTask(Dataset<Row> edges) {
    return edges.select(col("a"), col("b"), kind(edges)).coalesce(1);
  }

  private static Column kind(Dataset<Row> edges) {
    return edges.schema().getFieldIndex("kind").isDefined() ? col("kind").cast("int").as("kind")
        : lit(LINK).as("kind");
  }

  /** One round: edges (hi, lo) in, star edges (node, smallest reachable node in its partition) out. */
  static Dataset<Row> round(Dataset<Row> edges, int partitions, LongAccumulator violations) {
    Dataset<Row> both = edges.select(col("hi").as("u"), col("lo").as("v"))
        .union(edges.select(col("lo").as("u"), col("hi").as("v")))
        .repartition(partitions, col("u"));
    return InternalRowFrames.mapPartitions(both, EDGES, rows -> linkPartition(rows, violations));
  }

  /**
   * Union-find over every edge (a, b, kind) of the partition: (node, root, size, marks, componentMarks) for every
   * node, roots included. Exact when the partition holds whole components: the whole graph, or converged stars
   * partitioned by root.
   */
  static Iterator<InternalRow> componentsOfPartition(Iterator<InternalRow> rows, int expectedNodes) {
    Forest forest = Forest.of(rows, expectedNodes);
    GenericInternalRow row = new GenericInternalRow(5);
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < forest.nodes();
      }

      @Override
      public InternalRow next() {
        int i = next++;
        int root = forest.rootIndex(i);
        row.update(0, forest.node(i));
        row.update(1, forest.node(root));
        row.update(2, (long) forest.size(root));
        row.update(3, forest.marks(i));
        row.update(4, forest.componentMarks(root));
        return row;
      }
    };
  }

  /**
   * The components of a partition's edges (a, b, kind), resolved: every node's root index, and per root its size and
   * the or of its nodes' marks. Arrays by node index, so a graph of millions of nodes takes tens of bytes per node.
   */
  static final class Forest {
    /** Edges read and indexed before they are applied. */
    private static final int BATCH = 1024;
    private final LongUnionFind sets;
    private final int[] roots;
    private final int[] sizes;
    private final int[] componentMarks;

    private Forest(LongUnionFind sets) {
      this.sets = sets;
      int n = sets.size();
      roots = new int[n];
      sizes = new int[n];
      componentMarks = new int[n];
      for (int i = 0; i < n; i++) {
        int root = sets.rootIndex(i);
        roots[i] = root;
        sizes[root]++;
        componentMarks[root] |= sets.marks(i);
      }
    }

    /** Where a forest reads its edges: fills the arrays from index 0, as many as they hold; 0 at the end. */
    interface Edges {
      int fill(long[] as, long[] bs, int[] kinds);
    }

    /**
     * @param rows edges (a, b, kind)
     * @param expectedNodes a likely number of nodes, to size the tables once
     */
    static Forest of(Iterator<InternalRow> rows, int expectedNodes) {
      return of((as, bs, kinds) -> {
        int n = 0;
        while (n < as.length && rows.hasNext()) {
          InternalRow r = rows.next();
          as[n] = r.getLong(0);
          bs[n] = r.getLong(1);
          kinds[n] = r.getInt(2);
          n++;
        }
        return n;
      }, expectedNodes);
    }

    /** As {@link #of(Iterator, int)}, from edges read in batches. */
    static Forest of(Edges source, int expectedNodes) {
      long started = System.nanoTime();
      long edges = 0;
      LongUnionFind sets = new LongUnionFind(expectedNodes);
      // In batches: first every node's index (independent probes of a table far larger than the caches, whose misses
      // the CPU overlaps), then the unions and marks by index. One edge at a time, each probe waited for the find
      // before it; the probes were 60% of the task.
      long[] as = new long[BATCH];
      long[] bs = new long[BATCH];
      int[] kinds = new int[BATCH];
      int[] ias = new int[BATCH];
      int[] ibs = new int[BATCH];
      for (int n = source.fill(as, bs, kinds); n > 0; n = source.fill(as, bs, kinds)) {
        edges += n;
        // The index's lines of the batch's nodes are loaded first, without a branch; with them, 7.5M generated edges
        // over 8.6M nodes took 0.80-0.96 s against 0.95-1.22 s (alternating in one JVM, batches of 512 and 1,024).
        sets.touch(as, n);
        sets.touch(bs, n);
        for (int i = 0; i < n; i++) {
          ias[i] = sets.indexOf(as[i]);  // a marked node is a node even without links
          if (as[i] != bs[i]) {
            ibs[i] = sets.indexOf(bs[i]);
          }
        }
        for (int i = 0; i < n; i++) {
          if (as[i] != bs[i]) {
            sets.unionAt(ias[i], ibs[i]);
          }
          int marks = kinds[i] & MARK_BITS;
          if (marks != 0) {
            sets.markAt(ias[i], marks);
          }
        }
      }
      Forest forest = new Forest(sets);
      LOG.info("union-find: {} edges and marks, {} nodes in {} ms", edges, sets.size(),
          (System.nanoTime() - started) / 1_000_000);
      return forest;
    }

    int nodes() {
      return roots.length;
    }

    long node(int i) {
      return sets.node(i);
    }

    int rootIndex(int i) {
      return roots[i];
    }

    /** Nodes of the component whose root has index {@code root}. */
    int size(int root) {
      return sizes[root];
    }

    int marks(int i) {
      return sets.marks(i);
    }

    /** The or of the marks of the component whose root has index {@code root}. */
    int componentMarks(int root) {
      return componentMarks[root];
    }
  }

  /**
   * (node, root) for every node of {@code sets} but the roots, made as they are consumed; the row is reused, as
   * Spark copies each row it takes from a partition function.
   */
  private static Iterator<InternalRow> starEdges(LongUnionFind sets) {
    long[] nodes = sets.nodes();
    GenericInternalRow row = new GenericInternalRow(2);
    return new Iterator<>() {
      private int next = advance(0);

      private int advance(int from) {
        int i = from;
        while (i < nodes.length && sets.find(nodes[i]) == nodes[i]) {
          i++;
        }
        return i;
      }

      @Override
      public boolean hasNext() {
        return next < nodes.length;
      }

      @Override
      public InternalRow next() {
        if (next >= nodes.length) {
          throw new java.util.NoSuchElementException();
        }
        long node = nodes[next];
        row.update(0, node);
        row.update(1, sets.find(node));
        next = advance(next + 1);
        return row;
      }
    };
  }

  /**
   * Union-find over one partition's edges (u, v), u owned by the partition. Counts in {@code violations} the owned
   * nodes that show the input is not a set of stars, and returns (node, root) for every node seen but the roots.
   */
  static Iterator<InternalRow> linkPartition(Iterator<InternalRow> rows, LongAccumulator violations) {
    LongUnionFind sets = new LongUnionFind(1 << 12);
    // Per owned node: its one smaller neighbour, or MANY; and whether it has a larger one.
    LongLongMap smaller = new LongLongMap(1 << 12);
    LongLongMap larger = new LongLongMap(1 << 12);
    final long many = Long.MAX_VALUE;
    while (rows.hasNext()) {
      InternalRow r = rows.next();
      long u = r.getLong(0);
      long v = r.getLong(1);
      sets.union(u, v);
      if (v < u) {
        long seen = smaller.get(u);
        if (seen == LongLongMap.ABSENT) {
          smaller.put(u, v);
        } else if (seen != v) {
          smaller.put(u, many);
        }
      } else if (v > u) {
        larger.put(u, 1);
      }
    }
    long bad = 0;
    for (long u : smaller.keys()) {
      if (smaller.get(u) == many || larger.get(u) != LongLongMap.ABSENT) {
        bad++;
      }
    }
    if (bad > 0) {
      violations.add(bad);
    }
    return starEdges(sets);
  }
}
