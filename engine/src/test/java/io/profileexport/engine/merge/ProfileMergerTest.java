package io.profileexport.engine.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.profileexport.engine.SystemColumns;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/** {@link ProfileMerger#mergeSorted} on rows as the merge's sort by profile hash hands them over. */
class ProfileMergerTest {
  private static final StructType UNION = StructType.fromDDL("_id STRING, name STRING");
  private static final StructType INPUT = UNION.add(SystemColumns.DATASET, DataTypes.StringType)
      .add(SystemColumns.BATCH, DataTypes.StringType)
      .add(SystemColumns.INGEST_TIME, DataTypes.LongType)
      .add(SystemColumns.RANK_TIME, DataTypes.LongType)
      .add(SystemColumns.RANK_DATASET, DataTypes.IntegerType)
      .add(SystemColumns.PRIMARY_NS, DataTypes.StringType)
      .add(SystemColumns.PROFILE, DataTypes.StringType)
      .add(SystemColumns.PROFILE_HASH, DataTypes.LongType);

  private static UTF8String text(String s) {
    return s == null ? null : UTF8String.fromString(s);
  }

  /** A fragment of {@code profile} whose key hashes to {@code hash}, ranked by {@code time} (newest first). */
  private static InternalRow fragment(String profile, long hash, long time, String id, String name) {
    return new GenericInternalRow(new Object[] {text(id), text(name), text("ds"), text("b"), time, time, 0,
        text("ECID"), text(profile), hash});
  }

  private static List<String> merged(InternalRow... sorted) {
    ProfileMerger merger = new ProfileMerger(INPUT, UNION, "UTC", Set.of());
    List<String> out = new ArrayList<>();
    merger.mergeSorted(List.of(sorted).iterator()).forEachRemaining(row ->
        out.add(row.getUTF8String(2) + "=" + row.getUTF8String(1) + "@" + row.getLong(3)));
    return out;
  }

  @Test
  void profilesWhoseKeysShareAHashAreRankedAndMergedApart() {
    // The sort by hash leaves two profiles of one hash interleaved, in no order of rank.
    assertEquals(List.of("c:1=new1@30", "c:2=new2@40", "c:3=only3@5"), merged(
        fragment("c:2", 7, 10, "r1", "old2"),
        fragment("c:1", 7, 30, "r2", "new1"),
        fragment("c:2", 7, 40, "r3", "new2"),
        fragment("c:1", 7, 20, "r4", "old1"),
        fragment("c:3", 8, 5, "r5", "only3")));
  }

  @Test
  void aProfilesFragmentsAreRankedByTheKeysOfTheSpec() {
    // Same time: the smaller _id wins; a null _id ranks after any.
    assertEquals(List.of("c:1=a@1"), merged(
        fragment("c:1", 1, 1, null, "none"), fragment("c:1", 1, 1, "r2", "b"), fragment("c:1", 1, 1, "r1", "a")));
    // A null rank time ranks after any time.
    InternalRow untimed = fragment("c:1", 1, 9, "r0", "untimed");
    untimed.setNullAt(INPUT.fieldIndex(SystemColumns.RANK_TIME));
    assertEquals(List.of("c:1=timed@9"), merged(untimed, fragment("c:1", 1, 2, "r9", "timed")));
    // No rows, no profiles.
    assertEquals(List.of(), merged());
  }
}
