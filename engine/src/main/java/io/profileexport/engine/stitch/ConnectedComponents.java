package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.FailureCode;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Connected components of an undirected graph on long node ids, by alternating large-star and small-star rounds
 * (Kiveris, Lattanzi, Mirrokni, Rastogi, Vassilvitskii, "Connected Components in MapReduce and Beyond", 2014). The
 * edge set stays connectivity-equivalent to the input; it has converged when it is a set of stars: every edge joins
 * a node to its component's smallest node. Each round is a few shuffles of the edge set, with no collect to the
 * driver. The components are deterministic: a component's id is its smallest node.
 */
public final class ConnectedComponents {
  /** Where round results are materialized so that the plan and the lineage stay short. */
  public interface RoundStore {
    Dataset<Row> materialize(Dataset<Row> edges, int round);
  }

  /**
   * @param components (node, root) for every node that has an edge, roots included as (root, root)
   * @param iterations rounds run, each a large-star and a small-star
   */
  public record Result(Dataset<Row> components, int iterations) {}

  private ConnectedComponents() {}

  /**
   * @param edges columns {@code a}, {@code b} (longs, undirected; self-loops and duplicates allowed)
   * @param maxIterations rounds allowed before failing with {@code STITCH_DID_NOT_CONVERGE}
   */
  public static Result of(Dataset<Row> edges, int maxIterations, RoundStore store) {
    Dataset<Row> current = edges.filter(col("a").notEqual(col("b")))
        .select(greatest(col("a"), col("b")).as("hi"), least(col("a"), col("b")).as("lo"))
        .distinct();
    int round = 0;
    while (true) {
      if (round == maxIterations) {
        throw ExportErrors.jobFailed(FailureCode.STITCH_DID_NOT_CONVERGE, "Identity stitching did not converge in"
            + " maxStitchIterations = " + maxIterations + " rounds; raise the setting (the identity graph has very"
            + " long chains of linked identities), then run the job again.", null);
      }
      round++;
      // Each round is written out and read back: the plan and the lineage stay one round long, instead of
      // growing with every round (Spark's analysis of a growing plan soon dominates the round itself).
      Dataset<Row> next = store.materialize(smallStar(largeStar(current)), round);
      current = next;
      if (isStarForest(next)) {
        break;
      }
    }
    Dataset<Row> components = current.select(col("hi").as("node"), col("lo").as("root"))
        .union(current.select(col("lo").as("node"), col("lo").as("root")).distinct());
    return new Result(components, round);
  }

  /** For each node u, every larger neighbour is linked to the smallest node of u's closed neighbourhood. */
  static Dataset<Row> largeStar(Dataset<Row> edges) {
    Dataset<Row> both = edges.select(col("hi").as("u"), col("lo").as("v"))
        .union(edges.select(col("lo").as("u"), col("hi").as("v")));
    WindowSpec byNode = Window.partitionBy(col("u"));
    // No distinct here: small-star's window takes duplicates, and its own distinct removes them.
    return both.withColumn("m", least(col("u"), min(col("v")).over(byNode)))
        .filter(col("v").gt(col("u")))
        .select(col("v").as("hi"), col("m").as("lo"));
  }

  /** For each node u, u and its smaller neighbours are linked to the smallest of them. */
  static Dataset<Row> smallStar(Dataset<Row> edges) {
    Dataset<Row> withMin = edges.withColumn("m", min(col("lo")).over(Window.partitionBy(col("hi"))));
    return withMin.select(col("lo").as("hi"), col("m").as("lo")).filter(col("hi").notEqual(col("lo")))
        .union(withMin.select(col("hi").as("hi"), col("m").as("lo")))
        .distinct();
  }

  /** Whether every node is either a root (no smaller neighbour) or has exactly one neighbour, a root. */
  static boolean isStarForest(Dataset<Row> edges) {
    Dataset<Row> roles = edges.select(col("hi").as("n"), lit(1).as("child"), lit(0).as("parent"))
        .union(edges.select(col("lo").as("n"), lit(0).as("child"), lit(1).as("parent")));
    Row violations = roles.groupBy(col("n"))
        .agg(sum(col("child")).as("parents"), max(col("parent")).as("isParent"))
        .agg(count(when(col("parents").gt(1).or(col("parents").geq(1).and(col("isParent").equalTo(1))), 1)))
        .first();
    return violations.getLong(0) == 0;
  }
}
