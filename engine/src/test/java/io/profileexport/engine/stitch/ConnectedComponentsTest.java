package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.profileexport.engine.lake.StagedFrames;
import io.profileexport.engine.testing.Frames;
import io.profileexport.engine.testing.SharedSpark;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edges whose links carry their first node's marks, as the graph pass writes them: the one-task union-find and the
 * iterated rounds give every node the same component, marks and component marks.
 */
class ConnectedComponentsTest {
  private static final StructType EDGES = StructType.fromDDL("a BIGINT, b BIGINT, kind INT");
  private static final int RECORD = IdentityGraph.RECORD_MARK;
  private static final int CANDIDATE = IdentityGraph.CANDIDATE_MARK;

  @TempDir
  Path dir;

  /** node/root/size/marks/componentMarks of every node, in node order. */
  private Set<String> components(int partitions) {
    var edges = Frames.of(EDGES,
        "{'a':1,'b':2,'kind':" + RECORD + "}",       // 1's marks on its first link
        "{'a':1,'b':3,'kind':0}",
        "{'a':3,'b':4,'kind':0}",
        "{'a':4,'b':4,'kind':" + CANDIDATE + "}",    // a mark row of a node that has links of its own elsewhere
        "{'a':5,'b':6,'kind':" + CANDIDATE + "}",
        "{'a':7,'b':7,'kind':" + RECORD + "}",       // marked, linked to nothing
        "{'a':8,'b':9,'kind':0}",
        "{'a':9,'b':9,'kind':0}");                    // a self-loop without marks
    var store = new StagedFrames(SharedSpark.session(),
        new org.apache.hadoop.fs.Path(dir.toUri().toString(), "cc-" + partitions));
    Set<String> out = new TreeSet<>();
    for (Row r : ConnectedComponents.of(edges, partitions, 20, store).components()
        .select(col("node"), col("root"), col("size"), col("marks"), col("componentMarks")).collectAsList()) {
      out.add(r.getLong(0) + "/" + r.getLong(1) + "/" + r.getLong(2) + "/" + r.getInt(3) + "/" + r.getInt(4));
    }
    return out;
  }

  @Test
  void marksRidingOnLinksMarkTheirFirstNodeInOneTask() {
    Set<String> expected = Set.of("1/1/4/" + RECORD + "/" + (RECORD | CANDIDATE), "2/1/4/0/" + (RECORD | CANDIDATE),
        "3/1/4/0/" + (RECORD | CANDIDATE), "4/1/4/" + CANDIDATE + "/" + (RECORD | CANDIDATE),
        "5/5/2/" + CANDIDATE + "/" + CANDIDATE, "6/5/2/0/" + CANDIDATE, "7/7/1/" + RECORD + "/" + RECORD,
        "8/8/2/0/0", "9/8/2/0/0");
    assertEquals(new TreeSet<>(expected), components(1));
  }

  @Test
  void theIteratedRoundsLinkTheSameComponents() {
    // The rounds read links only (marks are joined afterwards by IdentityGraph): a link that carries marks is still
    // a link, and a mark row is none.
    Set<String> nodesAndRoots = new TreeSet<>();
    for (String c : components(3)) {
      String[] f = c.split("/");
      nodesAndRoots.add(f[0] + "/" + f[1] + "/" + f[2]);
    }
    assertEquals(new TreeSet<>(Set.of("1/1/4", "2/1/4", "3/1/4", "4/1/4", "5/5/2", "6/5/2", "8/8/2", "9/8/2")),
        nodesAndRoots);
  }
}
