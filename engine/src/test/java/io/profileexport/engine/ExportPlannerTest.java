package io.profileexport.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.error.ErrorKind;
import io.profileexport.engine.error.Problem;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.DatasetClass;
import io.profileexport.engine.model.Documents;
import io.profileexport.engine.model.ExportRequest;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.model.MergePolicy;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.testing.CatalogFixtures;
import io.profileexport.engine.testing.TestLakes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every validation rule of SPEC 2, each problem with its JSON path; all problems reported at once. */
class ExportPlannerTest {
  static final String CRM = "aaaaaaaaaaaaaaaaaaaaaa01";
  static final String WEB = "aaaaaaaaaaaaaaaaaaaaaa02";
  static final String EVENTS = "eeeeeeeeeeeeeeeeeeeeee01";
  static final String DEST = "5b020a27e7040801dedba61b";
  static final String POLICY = "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2";

  @TempDir
  java.nio.file.Path dir;
  Catalog catalog;

  @BeforeEach
  void lake() {
    catalog = TestLakes.catalog(dir);
    CatalogFixtures.dataset(catalog, CRM, DatasetClass.PROFILE, true,
        "_id STRING, identities ARRAY<STRUCT<id: STRING>>, personalEmail STRUCT<address: STRING>,"
            + " identityMap MAP<STRING, ARRAY<STRUCT<id: STRING, primary: BOOLEAN>>>");
    CatalogFixtures.dataset(catalog, WEB, DatasetClass.PROFILE, true, "_id STRING, person STRUCT<age: BIGINT>");
    CatalogFixtures.dataset(catalog, EVENTS, DatasetClass.EXPERIENCE_EVENT, true,
        "_id STRING, environment STRUCT<browserDetails: STRUCT<name: STRING, version: STRING>>");
    CatalogFixtures.dataset(catalog, DEST, DatasetClass.PROFILE_UNION, false, null);
    CatalogFixtures.policy(catalog, POLICY, "none", "timestampOrdered", null, false);
  }

  private static JsonNode doc(String singleQuoted) {
    return Documents.parse(singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8), "request");
  }

  private ExportPlan plan(String singleQuoted) {
    return ExportPlanner.plan(doc(singleQuoted), catalog, LakeSettings.defaults());
  }

  private ProfileExportException refused(String singleQuoted) {
    return assertThrows(ProfileExportException.class, () -> plan(singleQuoted));
  }

  private static List<String> paths(ProfileExportException e) {
    return e.problems().stream().map(Problem::path).sorted().toList();
  }

  private static final String MINIMAL = "{'destination':{'datasetId':'" + DEST + "'},'schema':{'name':"
      + "'_xdm.context.profile'}";

  @Test
  void aMinimalRequestTakesEveryDefault() {
    ExportPlan plan = plan(MINIMAL + "}");
    assertEquals(MergePolicy.BUILT_IN_NONE, plan.policy().id(), "no lake default: the built-in none policy");
    assertEquals(List.of(CRM, WEB), plan.profileDatasets().stream().map(d -> d.id()).toList());
    assertEquals(List.of(EVENTS), plan.eventDatasets().stream().map(d -> d.id()).toList());
    assertTrue(plan.profileSelection().isWhole());
    assertEquals("_id", plan.profileUnion().fields()[0].name());
    assertEquals(5, plan.profileUnion().fields().length, "union of both profile datasets: " + plan.profileUnion());
    assertTrue(!plan.request().segmentPerBatch() && !plan.request().emptyProfiles());
  }

  @Test
  void theTutorialRequestWithoutLaterFeaturesIsAccepted() {
    ExportPlan plan = plan("{'fields':'identities.id,personalEmail.address','mergePolicy':{'id':'" + POLICY
        + "','version':1},'filter':{'segments':[{'segmentId':'4edc8488-2c35-4f6d-b4c6-9075c68d2df4','segmentNs':"
        + "'AAM','status':['realized']},{'segmentId':'1rfe8422-334d-12f4-3sd4-12cf6g990g51','segmentNs':'UPS',"
        + "'status':['exited']}],'segmentQualificationTime':{'startTime':'2019-09-01T00:00:00Z','endTime':"
        + "'2019-09-02T00:00:00Z'},'fromIngestTimestamp':'2018-10-25T13:22:04-07:00','emptyProfiles':false},"
        + "'destination':{'datasetId':'" + DEST + "','segmentPerBatch':false},'schema':{'name':"
        + "'_xdm.context.profile'}}");
    ExportRequest r = plan.request();
    assertEquals(POLICY, plan.policy().id());
    assertEquals(2, r.segments().size());
    assertEquals(new ExportRequest.SegmentFilter("4edc8488-2c35-4f6d-b4c6-9075c68d2df4", "AAM",
        List.of("realized")), r.segments().get(0));
    assertEquals(Optional.of(1567296000000L), r.qualificationStartMs());
    assertEquals(Optional.of(1540498924000L), r.fromIngestTimestampMs(), "offset -07:00 honoured");
  }

  @Test
  void laterFeaturesAreRefusedByName() {
    ProfileExportException e = refused("{'additionalFields':{'eventList':{'fields':"
        + "'environment.browserDetails.name'}},'filter':{'segments':[{'segmentId':'s'}],'emptyProfiles':true},"
        + "'destination':{'datasetId':'" + DEST + "','segmentPerBatch':true},'schema':{'name':'_xdm.context.profile'}}");
    assertEquals(List.of("$.additionalFields", "$.destination.segmentPerBatch", "$.filter.emptyProfiles"), paths(e));
    assertTrue(e.problems().stream().allMatch(p -> p.message().contains("not supported yet")), e.getMessage());
    assertEquals(ErrorKind.BAD_REQUEST, e.kind());
  }

  @Test
  void structuralProblemsAreAllReported() {
    ProfileExportException e = refused("{'colour':1,'fields':3,'mergePolicy':{'version':'1'},'filter':{"
        + "'segments':[{'segmentNs':'',"
        + "'status':[]},{'segmentId':'s','status':['REALIZED','gone']},'x'],'segmentQualificationTime':{'startTime':"
        + "'2019-09-02T00:00:00Z','endTime':'2019-09-01T00:00:00Z'},'fromIngestTimestamp':'yesterday',"
        + "'emptyProfiles':'no'},'destination':{},'schema':{'name':'profile'}}");
    assertEquals(List.of("$.colour", "$.destination.datasetId", "$.fields", "$.filter.emptyProfiles",
        "$.filter.fromIngestTimestamp", "$.filter.segmentQualificationTime", "$.filter.segments[0].segmentId",
        "$.filter.segments[0].segmentNs", "$.filter.segments[0].status", "$.filter.segments[1].status[0]",
        "$.filter.segments[1].status[1]", "$.filter.segments[2]", "$.mergePolicy.id", "$.mergePolicy.version",
        "$.schema.name"), paths(e));
    assertTrue(e.problems().stream().anyMatch(p -> p.message().contains("(lowercase)")), e.getMessage());
    assertTrue(e.problems().stream().anyMatch(p -> p.message().contains("endTime must be after startTime")));
  }

  @Test
  void requiredMembersAndRulesBetweenMembers() {
    assertEquals(List.of("$.destination", "$.schema"), paths(refused("{}")));
    assertEquals(List.of("$.filter.segmentQualificationTime"), paths(refused(MINIMAL
        + ",'filter':{'segmentQualificationTime':{'startTime':'2019-09-01T00:00:00Z'}}}")));
    assertEquals(List.of("$.destination.segmentPerBatch", "$.destination.segmentPerBatch"),
        paths(refused("{'destination':{'datasetId':'" + DEST + "','segmentPerBatch':true},"
            + "'schema':{'name':'_xdm.context.profile'}}")), "needs segments, and is not supported yet");
    assertEquals(List.of("$.filter.segments"), paths(refused(MINIMAL + ",'filter':{'segments':[]}}")));
    assertEquals(List.of("$"), paths(assertThrows(ProfileExportException.class,
        () -> ExportPlanner.plan(Json.MAPPER.readTree("[1]"), catalog, LakeSettings.defaults()))));
  }

  @Test
  void theDestinationMayBeSpelledDataSetIdButOnlyOnce() {
    assertEquals(DEST, plan("{'destination':{'dataSetId':'" + DEST + "'},'schema':{'name':'_xdm.context.profile'}}")
        .request().destinationDatasetId());
    assertEquals(List.of("$.destination.dataSetId"), paths(refused("{'destination':{'dataSetId':'" + DEST
        + "','datasetId':'" + DEST + "'},'schema':{'name':'_xdm.context.profile'}}")));
  }

  @Test
  void unknownIdsAloneAreNotFoundAndWithOtherProblemsABadRequest() {
    ProfileExportException dest = refused("{'destination':{'datasetId':'bbbbbbbbbbbbbbbbbbbbbb01'},'schema':"
        + "{'name':'_xdm.context.profile'}}");
    assertEquals(ErrorKind.NOT_FOUND, dest.kind());
    ProfileExportException policy = refused(MINIMAL + ",'mergePolicy':{'id':'nope'}}");
    assertEquals(ErrorKind.NOT_FOUND, policy.kind());
    assertEquals(List.of("$.mergePolicy.id"), paths(policy));
    ProfileExportException both = refused("{'destination':{'datasetId':'bbbbbbbbbbbbbbbbbbbbbb01'},'schema':"
        + "{'name':'x'}}");
    assertEquals(ErrorKind.BAD_REQUEST, both.kind());
    assertEquals(List.of("$.destination.datasetId"), paths(refused("{'destination':{'datasetId':'../x'},"
        + "'schema':{'name':'_xdm.context.profile'}}")));
  }

  @Test
  void theDestinationMustBeAProfileUnionDatasetAndThePolicyCurrent() {
    ProfileExportException wrongClass = refused("{'destination':{'datasetId':'" + CRM + "'},'schema':"
        + "{'name':'_xdm.context.profile'}}");
    assertEquals(ErrorKind.BAD_REQUEST, wrongClass.kind());
    assertTrue(wrongClass.getMessage().contains("not an export destination"), wrongClass.getMessage());
    ProfileExportException oldVersion = refused(MINIMAL + ",'mergePolicy':{'id':'" + POLICY + "','version':2}}");
    assertEquals(List.of("$.mergePolicy.version"), paths(oldVersion));
  }

  @Test
  void anOmittedPolicyIsTheLakesDefault() {
    CatalogFixtures.policy(catalog, "crm-first", "none", "dataSetPrecedence", List.of(WEB), true);
    ExportPlan plan = plan(MINIMAL + "}");
    assertEquals("crm-first", plan.policy().id());
    assertEquals(List.of(WEB), plan.profileDatasets().stream().map(d -> d.id()).toList(),
        "only datasets named in order take part");
    assertEquals(5, plan.profileUnion().fields().length, "but the union schema has every enabled dataset");
  }

  @Test
  void unknownFieldsAreReportedWithNearestPaths() {
    ProfileExportException e = refused(MINIMAL + ",'fields':'identities.id, personalEmail.adress, ,a..b'}");
    assertEquals(List.of("$.fields", "$.fields", "$.fields"), paths(e));
    Problem unknown = e.problems().stream().filter(p -> p.message().startsWith("unknown path")).findFirst()
        .orElseThrow();
    assertEquals("personalEmail.adress", ((JsonNode) unknown.value()).asText());
    assertTrue(unknown.message().contains("nearest existing paths: personalEmail.address"), unknown.message());
    assertTrue(plan(MINIMAL + ",'fields':'identityMap.`my.ns`.id, identityMap.ECID, person.age'}")
        .profileSelection().children().containsKey("identityMap"));
  }

  @Test
  void eventListFieldsAreCheckedAgainstTheEventUnion() {
    ProfileExportException e = refused(MINIMAL + ",'additionalFields':{'eventList':{'fields':"
        + "'environment.browserDetails.nme','maxEventsPerProfile':0,'filter':{'fromIngestTimestamp':"
        + "'2019-01-02T00:00:00Z','toIngestTimestamp':'2019-01-01T00:00:00Z'}}}}");
    assertEquals(List.of("$.additionalFields", "$.additionalFields.eventList.fields",
        "$.additionalFields.eventList.filter", "$.additionalFields.eventList.maxEventsPerProfile"), paths(e));
  }

  @Test
  void schemasThatCannotBeUnitedAreReported() {
    CatalogFixtures.dataset(catalog, "aaaaaaaaaaaaaaaaaaaaaa03", DatasetClass.PROFILE, true,
        "person STRUCT<age: STRING>");
    ProfileExportException e = refused(MINIMAL + "}");
    assertTrue(e.getMessage().contains("person.age") && e.getMessage().contains(WEB)
        && e.getMessage().contains("aaaaaaaaaaaaaaaaaaaaaa03"), e.getMessage());
  }

  @Test
  void hostileDocumentsAreBadRequests() {
    String deep = "[".repeat(5000) + "]".repeat(5000);
    ProfileExportException e = assertThrows(ProfileExportException.class,
        () -> Documents.parse(deep.getBytes(StandardCharsets.UTF_8), "request"));
    assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    assertTrue(e.getMessage().contains("nesting depth"), e.getMessage());
    ProfileExportException dup = assertThrows(ProfileExportException.class,
        () -> Documents.parse("{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8), "request"));
    assertTrue(dup.getMessage().contains("Duplicate field"), dup.getMessage());
  }
}
