package io.profileexport.engine.select;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.map_entries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.merge.DataTimestamps;
import io.profileexport.engine.model.ExportRequest.SegmentFilter;
import io.profileexport.engine.testing.Frames;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * {@link SegmentMatcher} against the segment match of SPEC 3.7 written as Spark SQL (nested {@code exists} over
 * {@code map_entries}, what the filters evaluated before the matcher): on the same rows and requests both must keep
 * exactly the same rows, whatever the type of {@code lastQualificationTime}.
 */
class SegmentMatcherTest {
  /** Rows covering what the match looks at; times 2019-09-01T00:00:00Z = 1567296000000 and around it. */
  private static final String[] ROWS = {
      "{'_id':'none'}",
      "{'_id':'empty','segmentMembership':{}}",
      "{'_id':'plain','segmentMembership':{'ups':{'s1':{'status':'realized','lastQualificationTime':'%s'}}}}",
      "{'_id':'upper-ns','segmentMembership':{'UPS':{'s1':{'status':'existing','lastQualificationTime':'%s'}}}}",
      "{'_id':'upper-status','segmentMembership':{'ups':{'s1':{'status':'EXITED','lastQualificationTime':'%s'}}}}",
      "{'_id':'upper-id','segmentMembership':{'ups':{'S1':{'status':'realized','lastQualificationTime':'%s'}}}}",
      "{'_id':'null-entry','segmentMembership':{'ups':{'s1':null}}}",
      "{'_id':'null-ns','segmentMembership':{'ups':null,'aam':{'s2':{'status':'realized',"
          + "'lastQualificationTime':'%s'}}}}",
      "{'_id':'null-status','segmentMembership':{'ups':{'s1':{'lastQualificationTime':'%s'}}}}",
      "{'_id':'null-time','segmentMembership':{'ups':{'s1':{'status':'realized'}}}}",
      "{'_id':'other-ns','segmentMembership':{'aam':{'s1':{'status':'realized','lastQualificationTime':'%s'}}}}",
      "{'_id':'two-ns','segmentMembership':{'aam':{'s1':{'status':'exited','lastQualificationTime':'%s'}},"
          + "'ups':{'s9':{'status':'realized','lastQualificationTime':'%s'},"
          + "'s1':{'status':'realized','lastQualificationTime':'%s'}}}}",
      "{'_id':'s2-aam','segmentMembership':{'AaM':{'s2':{'status':'realized','lastQualificationTime':'%s'}}}}",
  };
  private static final long START = 1567296000000L;
  private static final long END = START + 86_400_000L;

  /** The match as Spark SQL: per requested segment, exists over the namespaces, then over their entries. */
  private static Column reference(List<SegmentFilter> segments, Optional<Long> start, Optional<Long> end,
      DataType timeType) {
    Column any = lit(false);
    for (SegmentFilter segment : segments) {
      String namespace = segment.segmentNs().toLowerCase(java.util.Locale.ROOT);
      any = any.or(exists(map_entries(col("segmentMembership")), ns -> lower(ns.getField("key")).equalTo(namespace)
          .and(exists(map_entries(ns.getField("value")), entry -> {
            Column value = entry.getField("value");
            Column match = entry.getField("key").equalTo(segment.segmentId()).and(value.isNotNull())
                .and(lower(value.getField("status")).isin(segment.status().toArray()));
            if (start.isPresent() || end.isPresent()) {
              Column time = DataTimestamps.epochMillis(value.getField("lastQualificationTime"), timeType);
              match = match.and(time.isNotNull());
              if (start.isPresent()) {
                match = match.and(time.geq(lit(start.get())));
              }
              if (end.isPresent()) {
                match = match.and(time.lt(lit(end.get())));
              }
            }
            return match;
          }))));
    }
    return any;
  }

  private static Dataset<Row> rows(String timeType, String... times) {
    StructType schema = StructType.fromDDL("_id STRING, segmentMembership MAP<STRING, MAP<STRING, STRUCT<status:"
        + " STRING, lastQualificationTime: " + timeType + ">>>");
    String[] rows = new String[ROWS.length];
    for (int i = 0; i < ROWS.length; i++) {
      int holes = ROWS[i].split("%s", -1).length - 1;
      Object[] args = new Object[holes];
      for (int h = 0; h < holes; h++) {
        args[h] = times[(i + h) % times.length];
      }
      String row = timeType.equals("BIGINT") ? ROWS[i].replace("'%s'", "%s") : ROWS[i];
      rows[i] = String.format(row, args);
    }
    return Frames.of(schema, rows);
  }

  /** Rows kept, so that the cases are known to keep some: the rows parsed and the times fell in windows. */
  private static int sameRowsKept(Dataset<Row> rows, List<SegmentFilter> segments, Optional<Long> start,
      Optional<Long> end) {
    StructType entry = (StructType) ((MapType) ((MapType) rows.schema().apply("segmentMembership").dataType())
        .valueType()).valueType();
    DataType timeType = entry.apply("lastQualificationTime").dataType();
    Column matcher = SegmentMatcher.column(col("segmentMembership"), segments, start, end, entry,
        SQLConf.get().sessionLocalTimeZone());
    List<Row> compared = rows.select(col("_id"), coalesce(matcher, lit(false)).as("matcher"),
        coalesce(reference(segments, start, end, timeType), lit(false)).as("reference")).collectAsList();
    int kept = 0;
    for (Row r : compared) {
      assertEquals(r.getBoolean(2), r.getBoolean(1), r.getString(0) + " with " + segments + " " + start + " " + end);
      kept += r.getBoolean(1) ? 1 : 0;
    }
    return kept;
  }

  private static void everyRequest(Dataset<Row> rows) {
    List<List<SegmentFilter>> requests = List.of(
        List.of(new SegmentFilter("s1", "ups", List.of("realized", "existing"))),
        List.of(new SegmentFilter("s1", "UPS", List.of("exited"))),
        List.of(new SegmentFilter("s1", "aam", List.of("realized", "existing", "exited")),
            new SegmentFilter("s2", "aam", List.of("realized"))),
        // One segment id requested in two namespaces, with other statuses in each.
        List.of(new SegmentFilter("s1", "aam", List.of("exited")), new SegmentFilter("s1", "UPS", List.of("realized"))),
        List.of(new SegmentFilter("nobody", "ups", List.of("realized"))));
    int keptInWindows = 0;
    for (List<SegmentFilter> segments : requests) {
      int kept = sameRowsKept(rows, segments, Optional.empty(), Optional.empty());
      assertTrue(kept > 0 || segments.get(0).segmentId().equals("nobody"), "the case keeps something: " + segments);
      keptInWindows += sameRowsKept(rows, segments, Optional.of(START), Optional.of(END));
      keptInWindows += sameRowsKept(rows, segments, Optional.of(START), Optional.empty());
      keptInWindows += sameRowsKept(rows, segments, Optional.empty(), Optional.of(END));
    }
    assertTrue(keptInWindows > 0, "some times fall in the windows");
  }

  @Test
  void timestampTimes() {
    everyRequest(rows("TIMESTAMP", "2019-09-01T00:00:00.000Z", "2019-08-31T23:59:59.999Z",
        "2019-09-02T00:00:00.000Z", "2019-09-01T12:00:00.000Z"));
  }

  @Test
  void textTimesWithAndWithoutOffsetsAndUnparsable() {
    everyRequest(rows("STRING", "2019-09-01T00:00:00.000Z", "2019-09-01T01:00:00+02:00", "2019-09-01 12:00:00",
        "not a time", "2019-09-01T23:59:59.999Z", "2019-09-02"));
  }

  /** Texts without an offset and wall times (timestamp_ntz) are read in the session's time zone, by both. */
  @Test
  void inAnotherSessionTimeZone() {
    org.apache.spark.sql.SparkSession spark = io.profileexport.engine.testing.SharedSpark.session();
    String zone = spark.conf().get("spark.sql.session.timeZone");
    spark.conf().set("spark.sql.session.timeZone", "America/Sao_Paulo");
    try {
      // 2019-08-31T21:00 in Sao Paulo (UTC-3) is the window's start.
      everyRequest(rows("STRING", "2019-08-31 21:00:00", "2019-08-31T20:59:59.999", "2019-09-01T00:00:00.000Z",
          "2019-09-01 20:59:59.999", "2019-09-01 21:00:00"));
      everyRequest(rows("TIMESTAMP_NTZ", "2019-08-31T21:00:00", "2019-08-31T20:59:59.999", "2019-09-01T20:59:59.999",
          "2019-09-01T21:00:00", "2019-08-31T23:00:00"));
    } finally {
      spark.conf().set("spark.sql.session.timeZone", zone);
    }
  }

  /**
   * Read back from Parquet, the matcher gets the scan's column batches, whose namespaces, segment ids and statuses
   * are dictionary-encoded (the rows repeated, so that Parquet makes dictionaries) and read as such
   * ({@link io.profileexport.engine.ColumnarTexts}).
   */
  @Test
  void readFromParquetWithDictionaries(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    Dataset<Row> once = rows("TIMESTAMP", "2019-09-01T00:00:00.000Z", "2019-08-31T23:59:59.999Z",
        "2019-09-02T00:00:00.000Z", "2019-09-01T12:00:00.000Z");
    Dataset<Row> repeated = once;
    for (int n = 0; n < 20; n++) {
      repeated = repeated.union(once);
    }
    String path = dir.resolve("rows").toString();
    repeated.coalesce(1).write().parquet(path);
    everyRequest(once.sparkSession().read().parquet(path));
  }

  @Test
  void epochMillisTimes() {
    everyRequest(rows("BIGINT", String.valueOf(START), String.valueOf(START - 1), String.valueOf(END),
        String.valueOf(END - 1)));
  }
}
