package io.profileexport.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.Problem;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.Ids;
import io.profileexport.engine.merge.UnionSchema;
import io.profileexport.engine.model.DatasetClass;
import io.profileexport.engine.model.DatasetRecord;
import io.profileexport.engine.model.DocumentCheck;
import io.profileexport.engine.model.ExportRequest;
import io.profileexport.engine.model.ExportRequestParser;
import io.profileexport.engine.model.MergePolicy;
import io.profileexport.engine.select.FieldPath;
import io.profileexport.engine.select.FieldSelection;
import io.profileexport.engine.settings.LakeSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.types.StructType;

/**
 * Validates a whole export request from catalog records alone, before any Spark work (SPEC 2): every problem is
 * reported at once with its JSON path, the bad value and a message. A request that passes becomes an
 * {@link ExportPlan}.
 */
public final class ExportPlanner {
  private ExportPlanner() {}

  public static ExportPlan plan(JsonNode document, Catalog catalog, LakeSettings lakeSettings) {
    DocumentCheck check = new DocumentCheck();
    Optional<ExportRequest> parsed = ExportRequestParser.parse(document, check);
    if (parsed.isEmpty()) {
      check.throwIfAny();
    }
    ExportRequest request = parsed.orElseThrow();

    DatasetRecord destination = destination(request, catalog, check);
    MergePolicy policy = policy(request, catalog, check);
    List<DatasetRecord> all = catalog.datasets();
    List<DatasetRecord> profileEnabled = enabled(all, DatasetClass.PROFILE);
    List<DatasetRecord> events = enabled(all, DatasetClass.EXPERIENCE_EVENT);
    StructType profileUnion = union(profileEnabled, "profile", check);
    StructType eventUnion = union(events, "experience event", check);

    FieldSelection profileSelection = selection(request.fields(), profileUnion, "$.fields", check);
    FieldSelection eventSelection = request.eventList().map(el -> selection(el.fields(), eventUnion,
        "$.additionalFields.eventList.fields", check)).orElse(FieldSelection.all());
    refuseNotYetSupported(request, destination, check);
    refuseSystemColumnNames(profileUnion, check);
    check.throwIfAny();

    List<DatasetRecord> takingPart = policy.mergeType() == MergePolicy.MergeType.DATASET_PRECEDENCE
        ? profileEnabled.stream().filter(d -> policy.precedence().contains(d.id())).toList()
        : profileEnabled;
    return new ExportPlan(request, policy, destination, takingPart, events, profileUnion, eventUnion,
        profileSelection, eventSelection, lakeSettings.withPolicyMaxIdentitiesPerGraph(policy.maxIdentitiesPerGraph()));
  }

  private static DatasetRecord destination(ExportRequest request, Catalog catalog, DocumentCheck check) {
    String id = request.destinationDatasetId();
    if (id == null) {
      return null;
    }
    String path = request.document().path("destination").has("datasetId") ? "$.destination.datasetId"
        : "$.destination.dataSetId";
    if (!Ids.isDataset(id)) {
      check.problem(ExportErrors.invalidId(path, "dataset", id, Ids.DATASET_FORM));
      return null;
    }
    Optional<DatasetRecord> found = catalog.dataset(id);
    if (found.isEmpty()) {
      check.problem(ExportErrors.unknown(path, "dataset", id));
      return null;
    }
    if (found.get().datasetClass() != DatasetClass.PROFILE_UNION) {
      check.problem(path, TextNode.valueOf(id), "not an export destination: its class is "
          + found.get().schemaRef().id() + ", a destination's is " + DatasetClass.PROFILE_UNION.schemaId());
      return null;
    }
    return found.get();
  }

  private static MergePolicy policy(ExportRequest request, Catalog catalog, DocumentCheck check) {
    if (request.mergePolicy().isEmpty()) {
      if (request.document().has("mergePolicy")) {
        return MergePolicy.BUILT_INS.get(MergePolicy.BUILT_IN_NONE);
      }
      return catalog.defaultPolicy().orElse(MergePolicy.BUILT_INS.get(MergePolicy.BUILT_IN_NONE));
    }
    ExportRequest.PolicyRef ref = request.mergePolicy().get();
    if (!Ids.isPolicy(ref.id())) {
      check.problem(ExportErrors.invalidId("$.mergePolicy.id", "merge policy", ref.id(), Ids.POLICY_FORM));
      return MergePolicy.BUILT_INS.get(MergePolicy.BUILT_IN_NONE);
    }
    Optional<MergePolicy> found = catalog.policy(ref.id());
    if (found.isEmpty()) {
      check.problem(ExportErrors.unknown("$.mergePolicy.id", "merge policy", ref.id()));
      return MergePolicy.BUILT_INS.get(MergePolicy.BUILT_IN_NONE);
    }
    if (ref.version().isPresent() && ref.version().get() != found.get().version()) {
      check.problem("$.mergePolicy.version", request.document().path("mergePolicy").path("version"),
          "only the current version " + found.get().version() + " of merge policy " + ref.id() + " can be used");
    }
    return found.get();
  }

  private static List<DatasetRecord> enabled(List<DatasetRecord> all, DatasetClass cls) {
    return all.stream().filter(d -> d.profileEnabled() && d.datasetClass() == cls).toList();
  }

  private static StructType union(List<DatasetRecord> datasets, String what, DocumentCheck check) {
    List<UnionSchema.Source> sources = new ArrayList<>();
    for (DatasetRecord d : datasets) {
      d.dataSchema().ifPresent(s -> sources.add(new UnionSchema.Source("dataset " + d.id(), s)));
    }
    try {
      return UnionSchema.union(sources);
    } catch (ProfileExportException e) {
      for (Problem p : e.problems()) {
        check.problem("$", null, "the " + what + " datasets' schemas cannot be united at " + p.path() + ": "
            + p.message());
      }
      return new StructType();
    }
  }

  private static FieldSelection selection(Optional<String> fields, StructType union, String path,
      DocumentCheck check) {
    if (fields.isEmpty() || fields.get().isBlank()) {
      return FieldSelection.all();
    }
    FieldPath.Parsed parsed = FieldPath.parseList(fields.get());
    for (String problem : parsed.problems()) {
      check.problem(path, TextNode.valueOf(fields.get()), "malformed path list: " + problem);
    }
    FieldSelection.Resolution resolution = FieldSelection.resolve(parsed.paths(), union);
    for (FieldSelection.Unresolved u : resolution.unresolved()) {
      check.problem(path, TextNode.valueOf(u.path()), "unknown path: " + u.message()
          + (u.suggestions().isEmpty() ? "" : "; nearest existing paths: " + String.join(", ", u.suggestions())));
    }
    return resolution.selection();
  }

  /** The pipeline's own columns carry a prefix that data must not use. */
  private static void refuseSystemColumnNames(StructType union, DocumentCheck check) {
    for (String name : union.fieldNames()) {
      if (SystemColumns.isSystem(name)) {
        check.problem("$", TextNode.valueOf(name), "a profile dataset has a top-level field named " + name
            + "; names starting with " + SystemColumns.PREFIX + " are reserved by profile-export");
      }
    }
    if (union.fields().length == 0) {
      check.problem("$", null, "no profile-enabled profile dataset has data yet: there is no schema to export");
    }
  }

  /** Members whose semantics are not built yet are refused by name rather than exported wrongly. */
  private static void refuseNotYetSupported(ExportRequest request, DatasetRecord destination, DocumentCheck check) {
    String notYet = "not supported yet by this version of profile-export";
    if (request.document().has("additionalFields")) {
      check.problem("$.additionalFields", request.document().get("additionalFields"), notYet);
    }
    if (request.emptyProfiles()) {
      check.problem("$.filter.emptyProfiles", request.document().path("filter").get("emptyProfiles"), notYet);
    }
    if (request.segmentPerBatch()) {
      check.problem("$.destination.segmentPerBatch", request.document().path("destination").get("segmentPerBatch"),
          notYet);
    }
    if (destination != null && !"parquet".equals(destination.format())) {
      check.problem("$.destination.datasetId", TextNode.valueOf(destination.id()), "destinations of format "
          + destination.format() + " are " + notYet);
    }
  }
}
