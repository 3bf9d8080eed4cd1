package io.profileexport.engine.select;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.profileexport.engine.testing.Frames;
import io.profileexport.engine.testing.RowsJson;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Each projection form of SPEC 3.8, on one inline profile: the output rows and the pruned schema. */
class ProjectionTest {
  static final StructType UNION = StructType.fromDDL("_id STRING,"
      + " person STRUCT<name: STRUCT<first: STRING, last: STRING>, age: BIGINT>,"
      + " identities ARRAY<STRUCT<id: STRING, namespace: STRUCT<code: STRING>>>,"
      + " attributes MAP<STRING, STRING>,"
      + " identityMap MAP<STRING, ARRAY<STRUCT<authenticatedState: STRING, id: STRING, primary: BOOLEAN>>>,"
      + " segmentMembership MAP<STRING, MAP<STRING, STRUCT<lastQualificationTime: STRING, status: STRING>>>");

  static final String PROFILE = "{'_id':'p1','person':{'name':{'first':'Ann','last':null},'age':40},"
      + "'identities':[{'id':'i1','namespace':{'code':'CRM'}},{'id':null,'namespace':{'code':'X'}},{'id':'i3'}],"
      + "'attributes':{'tier.level':'gold','color':'red'},"
      + "'identityMap':{'Ecid':[{'id':'e1','primary':true,'authenticatedState':'ambiguous'}],'Email':[{'id':'a@x'}]},"
      + "'segmentMembership':{'UPS':{'s1':{'status':'realized','lastQualificationTime':'t1'},"
      + "'s2':{'status':'exited'}},'aam':{'a':{'status':'realized'}}}}";

  static void expect(String fields, String schema, String... rows) {
    FieldSelection selection = FieldSelection.resolve(FieldPath.parseList(fields).paths(), UNION).selection();
    Dataset<Row> out = Projection.project(Frames.of(UNION, PROFILE), UNION, selection);
    assertEquals(schema, out.schema().simpleString(), "schema of " + fields);
    assertEquals(schema, Projection.outputSchema(UNION, selection).simpleString(), "declared schema of " + fields);
    RowsJson.assertSameRows(fields, List.of(rows).stream().map(r -> r.replace('\'', '"')).toList(), out);
  }

  @Test
  void everythingWhenNoFieldsAreGiven() {
    FieldSelection all = FieldSelection.resolve(List.of(), UNION).selection();
    assertEquals(UNION, Projection.outputSchema(UNION, all));
  }

  @Test
  void anObjectPathKeepsItsSubtreeAndLeavesKeepUnionOrder() {
    expect("person.name.first, _id", "struct<_id:string,person:struct<name:struct<first:string>>>",
        "{'_id':'p1','person':{'name':{'first':'Ann'}}}");
    expect("person", "struct<person:struct<name:struct<first:string,last:string>,age:bigint>>",
        "{'person':{'name':{'first':'Ann'},'age':40}}");
  }

  @Test
  void aParentIsNullWhenEverySelectedLeafIsNull() {
    expect("person.name.last", "struct<person:struct<name:struct<last:string>>>", "{}");
  }

  @Test
  void aPathThroughAnArrayOfObjectsProjectsEachElement() {
    expect("identities.id", "struct<identities:array<struct<id:string>>>",
        "{'identities':[{'id':'i1'},null,{'id':'i3'}]}");
    expect("identities.namespace.code", "struct<identities:array<struct<namespace:struct<code:string>>>>",
        "{'identities':[{'namespace':{'code':'CRM'}},{'namespace':{'code':'X'}},null]}");
  }

  @Test
  void aSegmentAfterAMapSelectsAKeyCaseInsensitivelyForNamespaceMaps() {
    expect("identityMap.ECID", "struct<identityMap:map<string,array<struct<authenticatedState:string,id:string,"
        + "primary:boolean>>>>", "{'identityMap':{'Ecid':[{'id':'e1','primary':true,'authenticatedState':"
        + "'ambiguous'}]}}");
    expect("segmentMembership.ups.s1.status", "struct<segmentMembership:map<string,map<string,struct<status:string>>>>",
        "{'segmentMembership':{'UPS':{'s1':{'status':'realized'}}}}");
    expect("attributes.Color", "struct<attributes:map<string,string>>", "{}");
    expect("attributes.color", "struct<attributes:map<string,string>>", "{'attributes':{'color':'red'}}");
  }

  /**
   * Whole keys are selected in Java ({@link MapKeySelection}); the rows are those of the general form written with
   * Spark's functions: case variants of one namespace all kept, null values and unselected keys dropped, a map left
   * empty null.
   */
  @Test
  void wholeKeysAreSelectedAsTheGeneralFormSelectsThem() {
    StructType schema = StructType.fromDDL("_id STRING, identityMap MAP<STRING, ARRAY<STRUCT<id: STRING>>>,"
        + " attributes MAP<STRING, STRING>");
    Dataset<Row> frame = Frames.of(schema,
        "{'_id':'none'}",
        "{'_id':'empty','identityMap':{},'attributes':{}}",
        "{'_id':'cases','identityMap':{'ECID':[{'id':'a'}],'ecid':[{'id':'b'}],'Email':[{'id':'c'}]},"
            + "'attributes':{'color':'red','Color':'blue'}}",
        "{'_id':'null-value','identityMap':{'Ecid':null,'crmid':[{'id':'d'}]},'attributes':{'color':null}}",
        "{'_id':'unselected','identityMap':{'Phone':[{'id':'e'}]},'attributes':{'size':'m'}}",
        "{'_id':'non-ascii','identityMap':{'\u00c9CID':[{'id':'f'}],'CRM\u0130D':[{'id':'g'}]}}");
    FieldSelection selection = FieldSelection.resolve(FieldPath.parseList(
        "_id, identityMap.ECID, identityMap.crmid, identityMap.\u00e9cid, attributes.color").paths(), schema)
        .selection();
    org.apache.spark.sql.Column identityMap = org.apache.spark.sql.functions.map_filter(
        org.apache.spark.sql.functions.transform_values(org.apache.spark.sql.functions.col("identityMap"),
            (k, v) -> org.apache.spark.sql.functions.when(org.apache.spark.sql.functions.lower(k)
                .isin("ecid", "crmid", "\u00e9cid"), v)), (k, v) -> v.isNotNull());
    org.apache.spark.sql.Column attributes = org.apache.spark.sql.functions.map_filter(
        org.apache.spark.sql.functions.transform_values(org.apache.spark.sql.functions.col("attributes"),
            (k, v) -> org.apache.spark.sql.functions.when(k.equalTo("color"), v)), (k, v) -> v.isNotNull());
    Dataset<Row> reference = frame.select(org.apache.spark.sql.functions.col("_id"),
        org.apache.spark.sql.functions.when(org.apache.spark.sql.functions.size(identityMap).gt(0), identityMap)
            .as("identityMap"),
        org.apache.spark.sql.functions.when(org.apache.spark.sql.functions.size(attributes).gt(0), attributes)
            .as("attributes"));
    List<String> expected = RowsJson.of(reference);
    assertEquals(expected, RowsJson.of(Projection.project(frame, schema, selection)));
    assertEquals(true, expected.stream().anyMatch(r -> r.contains("\"b\"") && r.contains("\"a\"")),
        "both spellings of ECID are kept: " + expected);
  }

  @Test
  void aKeyWithDotsIsWrittenInBackticksAndAnAbsentKeyIsLeftOut() {
    expect("attributes.`tier.level`, attributes.missing", "struct<attributes:map<string,string>>",
        "{'attributes':{'tier.level':'gold'}}");
    expect("segmentMembership.ups.s3", "struct<segmentMembership:map<string,map<string,struct<"
        + "lastQualificationTime:string,status:string>>>>", "{}");
  }

  @Test
  void keysSelectingDifferentPartsShareTheUnionOfWhatTheySelect() {
    expect("identityMap.Email.id, identityMap.ecid.primary", "struct<identityMap:map<string,array<struct<id:string,"
        + "primary:boolean>>>>", "{'identityMap':{'Ecid':[{'primary':true}],'Email':[{'id':'a@x'}]}}");
  }
}
