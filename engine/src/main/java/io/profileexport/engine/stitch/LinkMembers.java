package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;

import io.profileexport.engine.InternalRowFrames;
import io.profileexport.engine.SystemColumns;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The records and events whose identities make the identity graph, as its one pass reads them ({@link GraphRows}):
 * either rows as read, whose identity maps the pass reads itself (the export's way: no identity columns are made,
 * copied into Spark's row format and read back), or rows that already carry their identity columns.
 */
public final class LinkMembers {
  /**
   * Rows as read: an {@code identityMap} (when the dataset has one) and, for records, optionally the
   * {@link IdentityGraph#CANDIDATE} flag. Rows without exactly one primary identity take no part.
   *
   * @param records whether the rows are profile records, which mark their primary identity when marks are kept
   * @param counters counts the rows as the pass reads them (not when it reads them again), or null
   */
  public record Source(Dataset<Row> rows, boolean records, IdentityColumns.Counters counters) {}

  private final Dataset<Row> members;
  private final Dataset<Row> membersAgain;
  private final List<Source> sources;
  private final Set<String> blocked;
  private final boolean marked;

  private LinkMembers(Dataset<Row> members, Dataset<Row> membersAgain, List<Source> sources, Set<String> blocked,
      boolean marked) {
    this.members = members;
    this.membersAgain = membersAgain;
    this.sources = sources;
    this.blocked = blocked;
    this.marked = marked;
  }

  /**
   * Rows as read, whose identities the graph pass reads with {@code blocked} values left out.
   *
   * @param marked whether records mark their primary identity, with whether they meet the request's fragment
   *     condition ({@link IdentityGraph#CANDIDATE}), so that stitching can count profiles and leave some out
   */
  public static LinkMembers asRead(List<Source> sources, Set<String> blocked, boolean marked) {
    return new LinkMembers(null, null, List.copyOf(sources), Set.copyOf(blocked), marked);
  }

  /**
   * Rows with their identity columns ({@link IdentityGraph#stitch(Dataset, Dataset, int, int,
   * ConnectedComponents.Materializer, IdentityIds.Hash, String, java.time.Clock)}).
   *
   * @param membersAgain the same rows, without the input counters {@code members} may carry
   */
  public static LinkMembers withIdentityColumns(Dataset<Row> members, Dataset<Row> membersAgain) {
    return new LinkMembers(members, membersAgain, null, null, false);
  }

  SparkSession spark() {
    return members != null ? members.sparkSession() : sources.get(0).rows().sparkSession();
  }

  /** Whether records mark their primary identity. */
  boolean records() {
    return members != null ? has(members, IdentityGraph.RECORD) : marked;
  }

  /** Whether some rows as read carry their file and row index ({@link SystemColumns#FILE}, ROW_INDEX). */
  boolean positions() {
    return sources != null && sources.stream().anyMatch(source -> hasPositions(source.rows().schema()));
  }

  private static boolean hasPositions(StructType schema) {
    return schema.getFieldIndex(SystemColumns.FILE).isDefined()
        && schema.getFieldIndex(SystemColumns.ROW_INDEX).isDefined();
  }

  /** Whether the marks say which records meet the fragment condition. */
  boolean candidates() {
    return records() && (members == null || has(members, IdentityGraph.CANDIDATE));
  }

  /**
   * The rows a pass of {@code rows} emits, from every member, packed for the shuffle by key ({@code packing}); with
   * {@code again}, read without the counters (the pass that follows a hash collision).
   *
   * @param rowIds where the records read with their file and row write their smallest ids, or null
   */
  Dataset<Row> emitted(GraphRows rows, IdentityIds.Hash hash, boolean again, PackedGraphRows packing,
      SmallestIdsByRow rowIds) {
    if (members != null) {
      Dataset<Row> read = again ? membersAgain : members;
      return InternalRowFrames.mapPartitions(read.select(rows.columns().toArray(new Column[0])),
          PackedGraphRows.PACKED, partition -> packing.packed(rows.emitted(partition)));
    }
    Dataset<Row> out = null;
    for (Source source : sources) {
      StructType schema = source.rows().schema();
      IdentityColumns.Reader reader = IdentityColumns.reader(schema, blocked, again ? null : source.counters(), hash,
          null);
      int candidateIdx = schema.getFieldIndex(IdentityGraph.CANDIDATE).isDefined()
          ? schema.fieldIndex(IdentityGraph.CANDIDATE) : -1;
      boolean record = source.records();
      SmallestIdsByRow written = record && rowIds != null && hasPositions(schema) ? rowIds : null;
      int fileIdx = written != null ? schema.fieldIndex(SystemColumns.FILE) : -1;
      int rowIndexIdx = written != null ? schema.fieldIndex(SystemColumns.ROW_INDEX) : -1;
      Dataset<Row> emitted = InternalRowFrames.mapPartitions(source.rows(), PackedGraphRows.PACKED,
          partition -> packing.packed(rows.emitted(partition, reader, record, candidateIdx,
              written != null ? written.writer() : null, fileIdx, rowIndexIdx)));
      out = out == null ? emitted : out.union(emitted);
    }
    return out;
  }

  /** Every identity (nsKey, id) of the members that take part, uncounted: for the rare pass after a collision. */
  Dataset<Row> identities(IdentityIds.Hash hash) {
    List<Dataset<Row>> withColumns = new ArrayList<>();
    if (members != null) {
      withColumns.add(membersAgain);
    } else {
      for (Source source : sources) {
        Dataset<Row> added = IdentityColumns.add(source.rows(), blocked, null, hash, null);
        withColumns.add(added.filter(col(SystemColumns.SKIP_REASON).isNull()));
      }
    }
    Dataset<Row> out = null;
    for (Dataset<Row> rows : withColumns) {
      Dataset<Row> identities = rows.select(explode(col(SystemColumns.IDENTITIES)).as("i"))
          .select(col("i.nsKey").as("nsKey"), col("i.id").as("id"));
      out = out == null ? identities : out.union(identities);
    }
    return out;
  }

  private static boolean has(Dataset<Row> frame, String column) {
    return frame.schema().getFieldIndex(column).isDefined();
  }
}
