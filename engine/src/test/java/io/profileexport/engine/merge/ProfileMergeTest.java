package io.profileexport.engine.merge;

import static org.apache.spark.sql.functions.col;

import io.profileexport.engine.Export;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.model.MergePolicy;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.testing.Frames;
import io.profileexport.engine.testing.RowsJson;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Stitching by primary identity and attribute merge (SPEC 3.1-3.4, 3.6), each rule with its own case, on inline
 * records. {@link ProfileMergeWithoutAdaptiveTest} runs the same cases with adaptive execution off.
 */
class ProfileMergeTest {
  static final StructType UNION = StructType.fromDDL("_id STRING,"
      + " person STRUCT<name: STRUCT<first: STRING, last: STRING>, age: BIGINT>, interests ARRAY<STRING>,"
      + " attributes MAP<STRING, STRING>, extSourceSystemAudit STRUCT<lastUpdatedDate: STRING>,"
      + " identityMap MAP<STRING, ARRAY<STRUCT<authenticatedState: STRING, id: STRING, primary: BOOLEAN>>>,"
      + " segmentMembership MAP<STRING, MAP<STRING, STRUCT<lastQualificationTime: STRING, status: STRING>>>");
  static final String A = "aaaaaaaaaaaaaaaaaaaaaa01";
  static final String B = "aaaaaaaaaaaaaaaaaaaaaa02";
  static final MergePolicy TIMESTAMP = MergePolicy.BUILT_INS.get(MergePolicy.BUILT_IN_NONE);

  boolean adaptive() {
    return true;
  }

  @BeforeEach
  void adaptiveExecution() {
    Frames.adaptive(adaptive());
  }

  /** A record of profile ECID:{ecid}, with the given extra members. */
  static String rec(String ds, long ingest, String id, String ecid, String members) {
    return "{'__pe_dataset':'" + ds + "','__pe_batch':'b-" + ds.substring(22) + "','__pe_ingest':" + ingest
        + (id == null ? "" : ",'_id':'" + id + "'")
        + ",'identityMap':{'ECID':[{'id':'" + ecid + "','primary':true}]}" + (members.isEmpty() ? "" : "," + members)
        + "}";
  }

  static List<String> merged(MergePolicy policy, String... records) {
    Dataset<Row> profiles = Export.mergedProfiles(Frames.records(UNION, records), policy, UNION,
        LakeSettings.defaults().blockedIdentityValues(), "UTC");
    List<Column> columns = new ArrayList<>();
    for (String name : UNION.fieldNames()) {
      columns.add(col(name));
    }
    columns.add(col(SystemColumns.UPDATE_TIME));
    columns.add(col(SystemColumns.PRIMARY_NS));
    return RowsJson.of(profiles.select(columns.toArray(new Column[0])));
  }

  static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  static void expect(String caseName, List<String> actual, String... singleQuotedRows) {
    RowsJson.assertSameRows(caseName, List.of(singleQuotedRows).stream().map(ProfileMergeTest::json).toList(),
        actual);
  }

  @Test
  void nullNeverOverridesAndTheNewestRecordRanksFirst() {
    expect("null never overrides", merged(TIMESTAMP,
        rec(A, 100, "old", "e1", "'person':{'name':{'first':'Ann','last':'Lee'},'age':40}"),
        rec(A, 200, "new", "e1", "'person':{'name':{'first':'Annie','last':null}}")),
        "{'_id':'new','person':{'name':{'first':'Annie','last':'Lee'},'age':40},"
            + "'identityMap':{'ECID':[{'id':'e1','primary':true}]},'__pe_updateTime':200,'__pe_primaryNs':'ECID'}");
  }

  @Test
  void lastUpdatedDateRanksBeforeIngestTimeWhenPresent() {
    expect("a custom timestamp older than the other record's ingest time loses", merged(TIMESTAMP,
        rec(A, 900, "custom", "e1", "'person':{'age':1},'extSourceSystemAudit':{'lastUpdatedDate':"
            + "'1970-01-01T00:00:00.500Z'}"),
        rec(B, 600, "plain", "e1", "'person':{'age':2}")),
        "{'_id':'plain','person':{'age':2},'extSourceSystemAudit':{'lastUpdatedDate':'1970-01-01T00:00:00.500Z'},"
            + "'identityMap':{'ECID':[{'id':'e1','primary':true}]},'__pe_updateTime':900,'__pe_primaryNs':'ECID'}");
  }

  @Test
  void tiesGoToDatasetIdThenRecordIdNullsLastThenBatchThenContent() {
    expect("same time: the smaller dataset id wins", merged(TIMESTAMP,
        rec(B, 100, "x", "e1", "'person':{'age':2}"), rec(A, 100, "y", "e1", "'person':{'age':1}")),
        "{'_id':'y','person':{'age':1},'identityMap':{'ECID':[{'id':'e1','primary':true}]},"
            + "'__pe_updateTime':100,'__pe_primaryNs':'ECID'}");
    expect("same dataset: the smaller _id wins, a null _id last", merged(TIMESTAMP,
        rec(A, 100, null, "e1", "'person':{'age':3}"), rec(A, 100, "r-2", "e1", "'person':{'age':2}"),
        rec(A, 100, "r-10", "e1", "'person':{'age':1}")),
        "{'_id':'r-10','person':{'age':1},'identityMap':{'ECID':[{'id':'e1','primary':true}]},"
            + "'__pe_updateTime':100,'__pe_primaryNs':'ECID'}");
    expect("duplicates: the smaller canonical content wins", merged(TIMESTAMP,
        rec(A, 100, "dup", "e1", "'person':{'name':{'first':'b'}}"),
        rec(A, 100, "dup", "e1", "'person':{'name':{'first':'a'}}")),
        "{'_id':'dup','person':{'name':{'first':'a'}},'identityMap':{'ECID':[{'id':'e1','primary':true}]},"
            + "'__pe_updateTime':100,'__pe_primaryNs':'ECID'}");
  }

  @Test
  void aRecordIdThatIsNotATextRanksByItsTextAsSparkCastsIt() {
    StructType union = StructType.fromDDL("_id BIGINT, person STRUCT<age: BIGINT>,"
        + " identityMap MAP<STRING, ARRAY<STRUCT<id: STRING, primary: BOOLEAN>>>");
    String nine = "{'__pe_dataset':'" + A + "','__pe_batch':'b','__pe_ingest':1,'_id':9,"
        + "'identityMap':{'ECID':[{'id':'e1','primary':true}]},'person':{'age':9}}";
    String ten = nine.replace("'_id':9", "'_id':10").replace("'age':9", "'age':10");
    String none = nine.replace("'_id':9,", "").replace("'age':9", "'age':0");
    Dataset<Row> profiles = Export.mergedProfiles(Frames.records(union, nine, none, ten), TIMESTAMP, union,
        LakeSettings.defaults().blockedIdentityValues(), "UTC");
    // "10" before "9" as texts (numerically 9 would win), and a null _id last.
    expect("_id 10 wins as text", RowsJson.of(profiles.select(col("_id"), col("person"))),
        "{'_id':10,'person':{'age':10}}");
    // Duplicates on every ranking key, the _id's text included: the smaller canonical content wins.
    String older = ten.replace("'age':10", "'age':12");
    String smaller = ten.replace("'age':10", "'age':11");
    Dataset<Row> duplicates = Export.mergedProfiles(Frames.records(union, older, smaller), TIMESTAMP, union,
        LakeSettings.defaults().blockedIdentityValues(), "UTC");
    expect("duplicates by content", RowsJson.of(duplicates.select(col("_id"), col("person"))),
        "{'_id':10,'person':{'age':11}}");
  }

  @Test
  void aBatchIdBreaksTiesBeforeContentWithNullsLast() {
    String withBatch = "{'__pe_dataset':'" + A + "','__pe_batch':'b2','__pe_ingest':1,'_id':'r',"
        + "'identityMap':{'ECID':[{'id':'e1','primary':true}]},'person':{'age':2}}";
    String smallerBatch = withBatch.replace("'b2'", "'b1'").replace("'age':2", "'age':3");
    String noBatch = withBatch.replace("'__pe_batch':'b2',", "").replace("'age':2", "'age':1");
    expect("batch b1 before b2 before none", merged(TIMESTAMP, withBatch, noBatch, smallerBatch),
        "{'_id':'r','person':{'age':3},'identityMap':{'ECID':[{'id':'e1','primary':true}]},"
            + "'__pe_updateTime':1,'__pe_primaryNs':'ECID'}");
  }

  @Test
  void arraysAreWholeAndAnEmptyArrayIsAValue() {
    expect("the newest array wins whole, empty included", merged(TIMESTAMP,
        rec(A, 100, "a", "e1", "'interests':['golf','chess']"), rec(A, 200, "b", "e1", "'interests':[]")),
        "{'_id':'b','interests':[],'identityMap':{'ECID':[{'id':'e1','primary':true}]},"
            + "'__pe_updateTime':200,'__pe_primaryNs':'ECID'}");
  }

  @Test
  void aStructWhoseMergedLeavesAreAllNullIsNull() {
    List<String> rows = merged(TIMESTAMP, rec(A, 100, "a", "e1",
        "'person':{'name':{'first':null,'last':null},'age':null},'extSourceSystemAudit':{}"));
    expect("all-null struct", rows, "{'_id':'a','identityMap':{'ECID':[{'id':'e1','primary':true}]},"
        + "'__pe_updateTime':100,'__pe_primaryNs':'ECID'}");
    org.junit.jupiter.api.Assertions.assertTrue(rows.get(0).contains("\"person\"") == false);
  }

  @Test
  void mapsMergeKeyByKeyAndAnEmptyMapIsNull() {
    expect("map keys from the best fragment having each", merged(TIMESTAMP,
        rec(A, 100, "a", "e1", "'attributes':{'color':'red','size':'L','Color':'x'}"),
        rec(A, 200, "b", "e1", "'attributes':{'color':'blue','shape':null}"),
        rec(A, 300, "c", "e1", "'attributes':{}")),
        "{'_id':'c','attributes':{'color':'blue','size':'L','Color':'x'},"
            + "'identityMap':{'ECID':[{'id':'e1','primary':true}]},'__pe_updateTime':300,'__pe_primaryNs':'ECID'}");
  }

  @Test
  void identityMapIsTheUnionOfItemsOrderedByIdWithTheBestSpellingAndItems() {
    String older = "{'__pe_dataset':'" + A + "','__pe_batch':'b','__pe_ingest':100,'_id':'older','identityMap':"
        + "{'ECID':[{'id':'e1','primary':true,'authenticatedState':'ambiguous'}],"
        + "'Email':[{'id':'z@x'},{'id':'a@x','authenticatedState':'ambiguous'}]}}";
    String newer = "{'__pe_dataset':'" + B + "','__pe_batch':'b','__pe_ingest':200,'_id':'newer','identityMap':"
        + "{'ecid':[{'id':'e1','primary':true}],'email':[{'id':'a@x','authenticatedState':'authenticated'},"
        + "{'id':'m@x'}],'Phone':[{'id':'anonymous'}]}}";
    expect("identityMap union", merged(TIMESTAMP, older, newer),
        "{'_id':'newer','identityMap':{'ecid':[{'id':'e1','primary':true}],"
            + "'email':[{'id':'a@x','authenticatedState':'authenticated'},{'id':'m@x'},{'id':'z@x'}]},"
            + "'__pe_updateTime':200,'__pe_primaryNs':'ecid'}");
  }

  /**
   * Past a handful of ids or segments the merge finds them through an index instead of scanning: the same rules
   * hold, ids still ordered by code point (a non-ASCII id after every ASCII one, a supplementary character last).
   */
  @Test
  void manyIdsAndSegmentsMergeByTheSameRules() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ids.add("u" + (char) ('a' + i % 26) + i + "@x");
    }
    ids.add("\u00e9@x");
    ids.add("\ud83d\ude00@x");
    StringBuilder olderEmails = new StringBuilder();
    StringBuilder newerEmails = new StringBuilder();
    StringBuilder olderSegments = new StringBuilder();
    StringBuilder newerSegments = new StringBuilder();
    for (int i = 0; i < ids.size(); i++) {
      // The older record has the first two thirds, the newer the last two thirds: a third is in both.
      if (i < ids.size() * 2 / 3) {
        olderEmails.append(olderEmails.length() == 0 ? "" : ",").append("{'id':'").append(ids.get(i))
            .append("','authenticatedState':'older'}");
        olderSegments.append(olderSegments.length() == 0 ? "" : ",").append("'s").append(i)
            .append("':{'status':'realized','lastQualificationTime':'2019-09-0").append(i % 2 == 0 ? 5 : 1)
            .append("T00:00:00Z'}");
      }
      if (i >= ids.size() / 3) {
        newerEmails.append(newerEmails.length() == 0 ? "" : ",").append("{'id':'").append(ids.get(i))
            .append("','authenticatedState':'newer'}");
        newerSegments.append(newerSegments.length() == 0 ? "" : ",").append("'s").append(i)
            .append("':{'status':'exited','lastQualificationTime':'2019-09-03T00:00:00Z'}");
      }
    }
    List<String> byId = new ArrayList<>(ids);
    byId.sort(ProfileMerger::compareCodePoints);
    StringBuilder emails = new StringBuilder();
    for (String id : byId) {
      boolean newer = ids.indexOf(id) >= ids.size() / 3;
      emails.append(emails.length() == 0 ? "" : ",").append("{'id':'").append(id).append("','authenticatedState':'")
          .append(newer ? "newer" : "older").append("'}");
    }
    // Segments in first-seen order, from the best-ranked record first; the later qualification wins.
    StringBuilder segments = new StringBuilder();
    List<Integer> order = new ArrayList<>();
    for (int i = ids.size() / 3; i < ids.size(); i++) {
      order.add(i);
    }
    for (int i = 0; i < ids.size() / 3; i++) {
      order.add(i);
    }
    for (int i : order) {
      boolean olderWins = i < ids.size() * 2 / 3 && (i < ids.size() / 3 || i % 2 == 0);
      segments.append(segments.length() == 0 ? "" : ",").append("'s").append(i).append("':")
          .append(olderWins ? "{'status':'realized','lastQualificationTime':'2019-09-0" + (i % 2 == 0 ? 5 : 1)
              + "T00:00:00Z'}" : "{'status':'exited','lastQualificationTime':'2019-09-03T00:00:00Z'}");
    }
    expect("many ids and segments", merged(TIMESTAMP,
            "{'__pe_dataset':'" + A + "','__pe_batch':'b','__pe_ingest':100,'_id':'older','identityMap':"
                + "{'ECID':[{'id':'e1','primary':true}],'Email':[" + olderEmails + "]},"
                + "'segmentMembership':{'ups':{" + olderSegments + "}}}",
            "{'__pe_dataset':'" + A + "','__pe_batch':'b','__pe_ingest':200,'_id':'newer','identityMap':"
                + "{'ECID':[{'id':'e1','primary':true}],'email':[" + newerEmails + "]},"
                + "'segmentMembership':{'UPS':{" + newerSegments + "}}}"),
        "{'_id':'newer','identityMap':{'ECID':[{'id':'e1','primary':true}],'email':[" + emails + "]},"
            + "'segmentMembership':{'UPS':{" + segments + "}},'__pe_updateTime':200,'__pe_primaryNs':'ECID'}");
  }

  @Test
  void segmentMembershipKeepsTheLatestQualificationPerSegmentCaseInsensitively() {
    expect("latest wins, a null time loses, a tie goes to rank, namespaces spelled by the best fragment",
        merged(TIMESTAMP,
            rec(A, 100, "old", "e1", "'segmentMembership':{'ups':{'s1':{'status':'realized','lastQualificationTime':"
                + "'2019-09-02T00:00:00Z'},'s2':{'status':'realized','lastQualificationTime':'2019-09-01T00:00:00Z'},"
                + "'s3':{'status':'existing','lastQualificationTime':'2019-09-05T00:00:00Z'}},"
                + "'aam':{'a1':{'status':'realized'}}}"),
            rec(A, 200, "new", "e1", "'segmentMembership':{'UPS':{'s1':{'status':'exited','lastQualificationTime':"
                + "'2019-09-01T00:00:00Z'},'s2':{'status':'exited','lastQualificationTime':'2019-09-01T00:00:00Z'},"
                + "'s3':{'status':'exited'}}}")),
        "{'_id':'new','identityMap':{'ECID':[{'id':'e1','primary':true}]},'segmentMembership':{'UPS':{"
            + "'s1':{'status':'realized','lastQualificationTime':'2019-09-02T00:00:00Z'},"
            + "'s2':{'status':'exited','lastQualificationTime':'2019-09-01T00:00:00Z'},"
            + "'s3':{'status':'existing','lastQualificationTime':'2019-09-05T00:00:00Z'}},"
            + "'aam':{'a1':{'status':'realized'}}},'__pe_updateTime':200,'__pe_primaryNs':'ECID'}");
  }

  @Test
  void dataSetPrecedenceRanksByOrderThenIngestTime() {
    MergePolicy precedence = new MergePolicy("p", "p", null, new MergePolicy.SchemaName(MergePolicy.PROFILE_SCHEMA),
        1, new MergePolicy.IdentityGraph("none"), new MergePolicy.AttributeMerge("dataSetPrecedence", List.of(B, A)),
        false, null, 0, null);
    expect("dataset B first although older", merged(precedence,
        rec(A, 900, "a", "e1", "'person':{'age':1},'extSourceSystemAudit':{'lastUpdatedDate':'2030-01-01T00:00:00Z'}"),
        rec(B, 100, "b-old", "e1", "'person':{'age':3}"),
        rec(B, 200, "b-new", "e1", "'person':{'age':2}")),
        "{'_id':'b-new','person':{'age':2},'extSourceSystemAudit':{'lastUpdatedDate':'2030-01-01T00:00:00Z'},"
            + "'identityMap':{'ECID':[{'id':'e1','primary':true}]},'__pe_updateTime':900,'__pe_primaryNs':'ECID'}");
  }

  @Test
  void recordsAreProfilesByPrimaryIdentityWithBlockedAndAmbiguousRecordsSkipped() {
    String d = "'__pe_dataset':'" + A + "','__pe_batch':'b','__pe_ingest':1";
    expect("stitching by primary identity", merged(TIMESTAMP,
        "{" + d + ",'_id':'r1','identityMap':{'ECID':[{'id':'E1','primary':true}],'Email':[{'id':'a@x'}]}}",
        "{" + d + ",'_id':'r2','identityMap':{'ecid':[{'id':'E1'}]}}",
        "{" + d + ",'_id':'r3','identityMap':{'ECID':[{'id':'e1','primary':true}]}}",
        "{" + d + ",'_id':'r4','identityMap':{'ECID':[{'id':'x1','primary':true}],'CRMID':[{'id':'c1','primary':true}]}}",
        "{" + d + ",'_id':'r5','identityMap':{'ECID':[{'id':'x2'}],'CRMID':[{'id':'c2'}]}}",
        "{" + d + ",'_id':'r6','identityMap':{'ECID':[{'id':' Null ','primary':true}],'CRMID':[{'id':'c3'}]}}",
        "{" + d + ",'_id':'r7'}",
        "{" + d + ",'_id':'r8','identityMap':{'ECID':[{'id':'0','primary':true}],'Email':[{'id':'undefined'}]}}"),
        "{'_id':'r1','identityMap':{'ECID':[{'id':'E1','primary':true}],'Email':[{'id':'a@x'}]},"
            + "'__pe_updateTime':1,'__pe_primaryNs':'ECID'}",
        "{'_id':'r3','identityMap':{'ECID':[{'id':'e1','primary':true}]},'__pe_updateTime':1,'__pe_primaryNs':'ECID'}",
        "{'_id':'r6','identityMap':{'CRMID':[{'id':'c3'}]},'__pe_updateTime':1,'__pe_primaryNs':'CRMID'}");
  }
}
