package io.profileexport.engine.select;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.model.ExportRequest;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.testing.Frames;
import io.profileexport.engine.testing.RowsJson;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The filters of SPEC 3.7 on merged profiles. {@link ProfileFilterWithoutAdaptiveTest} repeats them without AQE. */
class ProfileFilterTest {
  static final StructType PROFILES = StructType.fromDDL("_id STRING, segmentMembership MAP<STRING, MAP<STRING,"
      + " STRUCT<lastQualificationTime: TIMESTAMP, status: STRING>>>").add(SystemColumns.UPDATE_TIME,
      DataTypes.LongType);

  boolean adaptive() {
    return true;
  }

  @BeforeEach
  void adaptiveExecution() {
    Frames.adaptive(adaptive());
  }

  static Dataset<Row> profiles() {
    return Frames.of(PROFILES,
        "{'_id':'before-start','__pe_updateTime':10,'segmentMembership':{'ups':{'s':{'status':'realized',"
            + "'lastQualificationTime':'2019-08-31T23:59:59.999Z'}}}}",
        "{'_id':'at-start','__pe_updateTime':20,'segmentMembership':{'UPS':{'s':{'status':'existing',"
            + "'lastQualificationTime':'2019-09-01T00:00:00.000Z'}}}}",
        "{'_id':'before-end','__pe_updateTime':30,'segmentMembership':{'Ups':{'s':{'status':'Realized',"
            + "'lastQualificationTime':'2019-09-01T23:59:59.999Z'}}}}",
        "{'_id':'at-end','__pe_updateTime':40,'segmentMembership':{'ups':{'s':{'status':'realized',"
            + "'lastQualificationTime':'2019-09-02T00:00:00.000Z'}}}}",
        "{'_id':'no-time','__pe_updateTime':50,'segmentMembership':{'ups':{'s':{'status':'realized'}}}}",
        "{'_id':'exited','__pe_updateTime':60,'segmentMembership':{'ups':{'s':{'status':'exited',"
            + "'lastQualificationTime':'2019-09-01T12:00:00.000Z'}}}}",
        "{'_id':'other-ns','__pe_updateTime':70,'segmentMembership':{'aam':{'s':{'status':'realized',"
            + "'lastQualificationTime':'2019-09-01T12:00:00.000Z'}}}}",
        "{'_id':'no-membership','__pe_updateTime':80}");
  }

  static ExportRequest request(List<ExportRequest.SegmentFilter> segments, Optional<Long> start, Optional<Long> end,
      Optional<Long> fromIngest) {
    ObjectNode doc = Json.object();
    return new ExportRequest(Optional.empty(), Optional.empty(), segments, start, end, fromIngest, false,
        Optional.empty(), "d", false, doc);
  }

  static List<String> kept(ExportRequest request) {
    return RowsJson.of(profiles().filter(ProfileFilter.condition(request, PROFILES)).select(col("_id")));
  }

  static void expect(String caseName, List<String> actual, String... ids) {
    RowsJson.assertSameRows(caseName, List.of(ids).stream().map(id -> "{\"_id\":\"" + id + "\"}").toList(), actual);
  }

  static final ExportRequest.SegmentFilter UPS_S = new ExportRequest.SegmentFilter("s", "ups",
      ExportRequest.DEFAULT_STATUS);

  @Test
  void theWindowIncludesItsStartAndExcludesItsEndAndANullTimeFailsIt() {
    expect("[start, end)", kept(request(List.of(UPS_S), Optional.of(1567296000000L), Optional.of(1567382400000L),
        Optional.empty())), "at-start", "before-end");
    expect("start only", kept(request(List.of(UPS_S), Optional.of(1567296000000L), Optional.empty(),
        Optional.empty())), "at-start", "before-end", "at-end");
    expect("end only", kept(request(List.of(UPS_S), Optional.empty(), Optional.of(1567296000000L),
        Optional.empty())), "before-start");
  }

  @Test
  void withoutAWindowANullTimeMatchesAndNamespacesAndStatusesIgnoreCase() {
    expect("default statuses, any namespace spelling", kept(request(List.of(UPS_S), Optional.empty(),
        Optional.empty(), Optional.empty())), "before-start", "at-start", "before-end", "at-end", "no-time");
    expect("exited only", kept(request(List.of(new ExportRequest.SegmentFilter("s", "UPS", List.of("exited"))),
        Optional.empty(), Optional.empty(), Optional.empty())), "exited");
    expect("any listed segment matches", kept(request(List.of(new ExportRequest.SegmentFilter("s", "AAM",
        List.of("realized")), new ExportRequest.SegmentFilter("s", "ups", List.of("exited"))), Optional.empty(),
        Optional.empty(), Optional.empty())), "exited", "other-ns");
    expect("unknown segment", kept(request(List.of(new ExportRequest.SegmentFilter("t", "ups",
        ExportRequest.DEFAULT_STATUS)), Optional.empty(), Optional.empty(), Optional.empty())));
  }

  /**
   * A qualification time that does not parse is null, ANSI mode or not: the fragment condition reads every record's
   * raw times, where a cast would fail the job.
   */
  @Test
  void anUnparsableTimeIsNullEvenInAnsiMode() {
    StructType raw = StructType.fromDDL("_id STRING, segmentMembership MAP<STRING, MAP<STRING,"
        + " STRUCT<lastQualificationTime: STRING, status: STRING>>>");
    Dataset<Row> records = Frames.of(raw,
        "{'_id':'garbage','segmentMembership':{'ups':{'s':{'status':'realized','lastQualificationTime':'garbage'}}}}",
        "{'_id':'in','segmentMembership':{'ups':{'s':{'status':'realized',"
            + "'lastQualificationTime':'2019-09-01T12:00:00Z'}}}}");
    ExportRequest windowed = request(List.of(UPS_S), Optional.of(1567296000000L), Optional.empty(),
        Optional.empty());
    org.apache.spark.sql.RuntimeConfig conf = records.sparkSession().conf();
    String ansi = conf.get("spark.sql.ansi.enabled");
    conf.set("spark.sql.ansi.enabled", "true");
    try {
      expect("the garbage time fails the window, without an error", RowsJson.of(records.filter(
          ProfileFilter.fragmentCondition(windowed, raw).orElseThrow()).select(col("_id"))), "in");
    } finally {
      conf.set("spark.sql.ansi.enabled", ansi);
    }
  }

  /** The marking pass reads the times only for a window; the condition made from its cut union keeps the same. */
  @Test
  void theMarkingUnionKeepsTheTimesOnlyForAWindow() {
    StructType raw = StructType.fromDDL("_id STRING, segmentMembership MAP<STRING, MAP<STRING,"
        + " STRUCT<lastQualificationTime: STRING, status: STRING, extra: STRING>>>");
    ExportRequest plain = request(List.of(UPS_S), Optional.empty(), Optional.empty(), Optional.empty());
    ExportRequest windowed = request(List.of(UPS_S), Optional.of(1567296000000L), Optional.empty(),
        Optional.empty());
    assertEquals("map<string,map<string,struct<status:string>>>",
        ProfileFilter.markingOnly(plain, raw).apply("segmentMembership").dataType().simpleString());
    assertEquals("map<string,map<string,struct<lastQualificationTime:string,status:string>>>",
        ProfileFilter.markingOnly(windowed, raw).apply("segmentMembership").dataType().simpleString());
    String[] rows = {
        "{'_id':'before','segmentMembership':{'ups':{'s':{'status':'realized',"
            + "'lastQualificationTime':'2019-08-01T12:00:00Z'}}}}",
        "{'_id':'exited','segmentMembership':{'ups':{'s':{'status':'exited',"
            + "'lastQualificationTime':'2019-09-01T12:00:00Z'}}}}",
        "{'_id':'in','segmentMembership':{'ups':{'s':{'status':'realized',"
            + "'lastQualificationTime':'2019-09-01T12:00:00Z'}}}}"};
    for (ExportRequest request : List.of(plain, windowed)) {
      StructType marking = ProfileFilter.markingOnly(request, raw);
      List<String> whole = RowsJson.of(Frames.of(raw, rows)
          .filter(ProfileFilter.fragmentCondition(request, raw).orElseThrow()).select(col("_id")));
      assertEquals(whole, RowsJson.of(Frames.of(marking, rows)
          .filter(ProfileFilter.fragmentCondition(request, marking).orElseThrow()).select(col("_id"))),
          "the same records meet the condition read with the cut union");
      assertEquals(request == plain ? 2 : 1, whole.size(), "the window counts: " + whole);
    }
  }

  @Test
  void theUpdateTimeMustBeStrictlyAfterFromIngestTimestamp() {
    expect("strict cut at 40", kept(request(List.of(), Optional.empty(), Optional.empty(), Optional.of(40L))),
        "no-time", "exited", "other-ns", "no-membership");
    expect("no filter keeps all", kept(request(List.of(), Optional.empty(), Optional.empty(), Optional.empty())),
        "before-start", "at-start", "before-end", "at-end", "no-time", "exited", "other-ns", "no-membership");
  }
}
