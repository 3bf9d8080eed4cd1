package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;

import io.profileexport.engine.InternalRowFrames;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.merge.XdmMaps;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;

/**
 * The records and events whose identities make the identity graph, as its one pass reads them ({@link GraphRows}):
 * either rows as read, whose identity maps the pass reads itself (the export's way: no identity columns are made,
 * copied into Spark's row format and read back), or rows that already carry their identity columns.
 */
public final class LinkMembers {
  /**
   * Rows as read, in parts whose union is the source ({@code InputFrames.parts}): an {@code identityMap} (when the
   * dataset has one) and, for records, optionally the {@link IdentityGraph#CANDIDATE} flag and the rows' file and
   * row index ({@link SystemColumns#FILE}, ROW_INDEX). Rows without exactly one primary identity take no part. The
   * pass reads each part's rows in its scan's generated code ({@link GraphScan}).
   *
   * @param records whether the rows are profile records, which mark their primary identity when marks are kept
   * @param counters counts the rows as the pass reads them (not when it reads them again), or null
   */
  public record Source(List<Dataset<Row>> parts, boolean records, IdentityColumns.Counters counters) {
    public Source {
      parts = List.copyOf(parts);
    }

    /** A source of one frame. */
    public Source(Dataset<Row> rows, boolean records, IdentityColumns.Counters counters) {
      this(List.of(rows), records, counters);
    }
  }

  private final Dataset<Row> members;
  private final Dataset<Row> membersAgain;
  private final List<Source> sources;
  private final Set<String> blocked;
  private final boolean marked;
  private final SparkSession spark;

  private LinkMembers(Dataset<Row> members, Dataset<Row> membersAgain, List<Source> sources, Set<String> blocked,
      boolean marked, SparkSession spark) {
    this.spark = spark;
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
  public static LinkMembers asRead(SparkSession spark, List<Source> sources, Set<String> blocked, boolean marked) {
    return new LinkMembers(null, null, List.copyOf(sources), Set.copyOf(blocked), marked, spark);
  }

  /**
   * Rows with their identity columns ({@link IdentityGraph#stitch(Dataset, Dataset, int, int,
   * ConnectedComponents.Materializer, IdentityIds.Hash, String, java.time.Clock)}).
   *
   * @param membersAgain the same rows, without the input counters {@code members} may carry
   */
  public static LinkMembers withIdentityColumns(Dataset<Row> members, Dataset<Row> membersAgain) {
    return new LinkMembers(members, membersAgain, null, null, false, members.sparkSession());
  }

  SparkSession spark() {
    return members != null ? members.sparkSession() : spark;
  }

  /** Whether records mark their primary identity. */
  boolean records() {
    return members != null ? has(members, IdentityGraph.RECORD) : marked;
  }

  /** Whether some rows as read carry their file and row index ({@link SystemColumns#FILE}, ROW_INDEX). */
  boolean positions() {
    return sources != null && sources.stream().flatMap(source -> source.parts().stream())
        .anyMatch(part -> hasPositions(part.schema()));
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
    Dataset<Row> signals = null;
    for (Source source : sources) {
      for (Dataset<Row> part : source.parts()) {
        Dataset<Row> partSignals = part.filter(taken(part.schema(), source, rows, hash, again, packing, rowIds))
            .select(lit(true).as("ready"));
        signals = signals == null ? partSignals : signals.union(partSignals);
      }
    }
    return signals == null ? spark.createDataFrame(List.of(), PackedGraphRows.PACKED)
        : InternalRowFrames.mapPartitions(signals, PackedGraphRows.PACKED, GraphScan::packedRows);
  }

  /** The call that hands a part's rows to the graph pass ({@link GraphScan#take}), as a filter's condition. */
  private Column taken(StructType schema, Source source, GraphRows rows, IdentityIds.Hash hash, boolean again,
      PackedGraphRows packing, SmallestIdsByRow rowIds) {
    boolean hasMap = schema.getFieldIndex(XdmMaps.IDENTITY_MAP).isDefined()
        && schema.apply(XdmMaps.IDENTITY_MAP).dataType() instanceof MapType;
    MapType mapType = hasMap ? (MapType) schema.apply(XdmMaps.IDENTITY_MAP).dataType()
        : DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType);
    // The reader reads the map as the only field of the row the call makes of it.
    IdentityColumns.Reader reader = IdentityColumns.reader(
        hasMap ? new StructType().add(XdmMaps.IDENTITY_MAP, mapType) : new StructType(), blocked,
        again ? null : source.counters(), hash, null);
    Column map = hasMap ? col(XdmMaps.IDENTITY_MAP) : lit(null).cast(mapType);
    Column candidate = has(schema, IdentityGraph.CANDIDATE) ? coalesce(col(IdentityGraph.CANDIDATE), lit(false))
        : lit(false);
    boolean written = source.records() && rowIds != null && hasPositions(schema);
    Column file = written ? col(SystemColumns.FILE) : lit(null).cast(DataTypes.StringType);
    Column rowIndex = written ? coalesce(col(SystemColumns.ROW_INDEX), lit(-1L)) : lit(-1L);
    GraphScan scan = new GraphScan(rows, reader, source.records(), packing, written ? rowIds : null);
    // Not deterministic: it packs, so Spark must call it once per row, where it is placed.
    return InternalRowFrames.invoke(scan, "take", DataTypes.BooleanType, /* returnNullable */ false,
        /* nullGivesNull */ false, /* deterministic */ false, map, candidate, file, rowIndex);
  }

  /** Every identity (nsKey, id) of the members that take part, uncounted: for the rare pass after a collision. */
  Dataset<Row> identities(IdentityIds.Hash hash) {
    List<Dataset<Row>> withColumns = new ArrayList<>();
    if (members != null) {
      withColumns.add(membersAgain);
    } else {
      for (Source source : sources) {
        for (Dataset<Row> part : source.parts()) {
          Dataset<Row> added = IdentityColumns.add(part, blocked, null, hash, null);
          withColumns.add(added.filter(col(SystemColumns.SKIP_REASON).isNull()));
        }
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
    return has(frame.schema(), column);
  }

  private static boolean has(StructType schema, String column) {
    return schema.getFieldIndex(column).isDefined();
  }
}
