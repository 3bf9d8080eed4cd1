package io.profileexport.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.error.ErrorKind;
import io.profileexport.engine.error.Problem;
import io.profileexport.engine.error.ProfileExportException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The dataset and merge policy documents: what is accepted, and every problem reported at once. */
class RequestDocumentsTest {
  private static final String DS = "0123456789abcdef01234567";

  private static com.fasterxml.jackson.databind.JsonNode doc(String singleQuoted) throws Exception {
    return Json.MAPPER.readTree(singleQuoted.replace('\'', '"'));
  }

  private static List<String> paths(ProfileExportException e) {
    return e.problems().stream().map(Problem::path).toList();
  }

  @Test
  void theTutorialsDestinationBodyIsAccepted() throws Exception {
    DatasetCreateRequest r = DatasetCreateRequest.parse(doc("{'name':'Profile Data Export','schemaRef':{'id':"
        + "'https://ns.adobe.com/xdm/context/profile__union','contentType':'application/vnd.adobe.xed+json;version=1'},"
        + "'fileDescription':{'persisted':true,'containerFormat':'parquet','format':'parquet'}}"));
    assertEquals(DatasetClass.PROFILE_UNION, r.datasetClass());
    assertEquals(Optional.empty(), r.id());
    assertFalse(r.profileEnabled());
  }

  @Test
  void everyProblemOfADatasetBodyIsReported() throws Exception {
    ProfileExportException e = assertThrows(ProfileExportException.class, () -> DatasetCreateRequest.parse(doc(
        "{'id':'../x','schemaRef':{'id':'https://ns.adobe.com/xdm/context/nope'},'colour':'blue',"
            + "'fileDescription':{'format':'orc'}}")));
    assertEquals(ErrorKind.BAD_REQUEST, e.kind());
    assertEquals(List.of("$.colour", "$.id", "$.name", "$.schemaRef.id"), paths(e).stream().sorted().toList(),
        e.getMessage());
  }

  @Test
  void externalDatasetsNeedAnIngestTimeColumnAndDestinationsTakeNoLocation() throws Exception {
    ProfileExportException e = assertThrows(ProfileExportException.class, () -> DatasetCreateRequest.parse(doc(
        "{'name':'x','schemaRef':{'id':'https://ns.adobe.com/xdm/context/profile'},'location':'/data/x'}")));
    assertEquals(List.of("$.ingestTimeColumn"), paths(e));
    ProfileExportException dest = assertThrows(ProfileExportException.class, () -> DatasetCreateRequest.parse(doc(
        "{'name':'x','schemaRef':{'id':'https://ns.adobe.com/xdm/context/profile__union'},'location':'/data/x',"
            + "'fileDescription':{'format':'csv'}}")));
    assertEquals(List.of("$.fileDescription.format", "$.location"), paths(dest).stream().sorted().toList());
  }

  @Test
  void aMergePolicyInThePublicShapeIsAccepted() throws Exception {
    MergePolicy p = MergePolicyRequest.parse(doc("{'name':'CRM first','schema':{'name':'_xdm.context.profile'},"
            + "'identityGraph':{'type':'pdg'},'attributeMerge':{'type':'dataSetPrecedence','order':['" + DS + "']},"
            + "'default':true,'version':9,'updateEpoch':1,'maxIdentitiesPerGraph':20}"), Optional.empty(), 1, "org",
        77, id -> Optional.of(new DatasetRecord(id, "d", null, new DatasetRecord.SchemaRef(
            DatasetClass.PROFILE.schemaId(), null), null, true, null, 0, 0, null, null, null)));
    assertEquals(1, p.version(), "the version a client sends is ignored");
    assertEquals(77, p.updateEpoch());
    assertEquals(MergePolicy.GraphType.PDG, p.graphType());
    assertEquals(List.of(DS), p.precedence());
    assertTrue(p.isDefault());
    assertEquals(20, p.maxIdentitiesPerGraph());
  }

  @Test
  void everyProblemOfAMergePolicyIsReportedAndUnknownDatasetsAloneAreNotFound() throws Exception {
    ProfileExportException e = assertThrows(ProfileExportException.class, () -> MergePolicyRequest.parse(doc(
            "{'schema':{'name':'other'},'identityGraph':{'type':'graph'},'attributeMerge':{'type':"
                + "'dataSetPrecedence','order':['" + DS + "','" + DS + "','nothex']},'maxIdentitiesPerGraph':0}"),
        Optional.empty(), 1, "org", 0, id -> Optional.empty()));
    assertEquals(List.of("$.attributeMerge.order[0]", "$.attributeMerge.order[1]", "$.attributeMerge.order[2]",
        "$.identityGraph.type", "$.maxIdentitiesPerGraph", "$.name", "$.schema.name"),
        paths(e).stream().sorted().toList(), e.getMessage());
    assertEquals(ErrorKind.BAD_REQUEST, e.kind());

    ProfileExportException onlyUnknown = assertThrows(ProfileExportException.class, () -> MergePolicyRequest.parse(
        doc("{'name':'n','schema':{'name':'_xdm.context.profile'},'identityGraph':{'type':'none'},"
            + "'attributeMerge':{'type':'dataSetPrecedence','order':['" + DS + "']}}"),
        Optional.empty(), 1, "org", 0, id -> Optional.empty()));
    assertEquals(ErrorKind.NOT_FOUND, onlyUnknown.kind(), "an unknown dataset and nothing else wrong is exit 3");
  }

  @Test
  void builtInPoliciesCannotBeWritten() throws Exception {
    ProfileExportException e = assertThrows(ProfileExportException.class, () -> MergePolicyRequest.parse(doc(
            "{'id':'timestampOrdered-none-mp','name':'n','schema':{'name':'_xdm.context.profile'},"
                + "'identityGraph':{'type':'none'},'attributeMerge':{'type':'timestampOrdered'}}"),
        Optional.empty(), 1, "org", 0, id -> Optional.empty()));
    assertTrue(e.getMessage().contains("built-in"), e.getMessage());
  }
}
