package io.profileexport.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.lake.Ids;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The body of {@code merge-policies create | update}, in the public Merge Policies shape. Server-managed members a
 * client may send back from a GET ({@code version}, {@code updateEpoch}, {@code imsOrgId}, {@code sandbox}) are
 * accepted and ignored.
 */
public final class MergePolicyRequest {
  private static final Set<String> MEMBERS = Set.of("id", "name", "imsOrgId", "sandbox", "schema", "version",
      "identityGraph", "attributeMerge", "default", "isActiveOnEdge", "updateEpoch", "maxIdentitiesPerGraph");

  private MergePolicyRequest() {}

  /**
   * @param fixedId the id of the policy being updated, or empty on create
   * @param datasets looks up a dataset record by id, for {@code attributeMerge.order}
   * @return the policy at {@code version}, owned by {@code imsOrgId}
   */
  public static MergePolicy parse(JsonNode body, Optional<String> fixedId, int version, String imsOrgId,
      long updateEpochSeconds, Function<String, Optional<DatasetRecord>> datasets) {
    DocumentCheck check = new DocumentCheck();
    String root = "$";
    if (body == null || !body.isObject()) {
      throw ExportErrors.badRequest(root, body, "the merge policy document must be a JSON object");
    }
    check.onlyKeys(body, root, MEMBERS);
    Optional<String> givenId = check.string(body, "id", root, false);
    if (givenId.isPresent() && !Ids.isPolicy(givenId.get())) {
      check.problem(ExportErrors.invalidId("$.id", "merge policy", givenId.get(), Ids.POLICY_FORM));
    }
    Optional<String> id = givenId.filter(Ids::isPolicy);
    if (fixedId.isPresent() && id.isPresent() && !fixedId.get().equals(id.get())) {
      check.problem("$.id", body.get("id"), "differs from the id of the policy being updated (" + fixedId.get()
          + ")");
    }
    String policyId = fixedId.or(() -> id).orElse(null);
    if (policyId != null && MergePolicy.BUILT_INS.containsKey(policyId)) {
      check.problem("$.id", body.get("id"), "built-in policies cannot be created or changed");
    }
    String name = check.nonEmptyString(body, "name", root, true).orElse(null);
    check.string(body, "imsOrgId", root, false);
    check.integer(body, "version", root, false, 1, Integer.MAX_VALUE);
    check.integer(body, "updateEpoch", root, false, 0, Long.MAX_VALUE);

    Optional<ObjectNode> schema = check.object(body, "schema", root, true);
    schema.ifPresent(s -> {
      check.onlyKeys(s, "$.schema", List.of("name"));
      check.string(s, "name", "$.schema", true).ifPresent(n -> {
        if (!MergePolicy.PROFILE_SCHEMA.equals(n)) {
          check.problem("$.schema.name", s.get("name"), "must be " + MergePolicy.PROFILE_SCHEMA);
        }
      });
    });

    String graph = null;
    Optional<ObjectNode> ig = check.object(body, "identityGraph", root, true);
    if (ig.isPresent()) {
      check.onlyKeys(ig.get(), "$.identityGraph", List.of("type"));
      graph = check.string(ig.get(), "type", "$.identityGraph", true).orElse(null);
      if (graph != null && MergePolicy.GraphType.of(graph).isEmpty()) {
        check.problem("$.identityGraph.type", ig.get().get("type"), "must be none or pdg");
        graph = null;
      }
    }

    String mergeType = null;
    List<String> order = null;
    Optional<ObjectNode> am = check.object(body, "attributeMerge", root, true);
    if (am.isPresent()) {
      check.onlyKeys(am.get(), "$.attributeMerge", List.of("type", "order"));
      mergeType = check.string(am.get(), "type", "$.attributeMerge", true).orElse(null);
      Optional<MergePolicy.MergeType> type = mergeType == null ? Optional.empty()
          : MergePolicy.MergeType.of(mergeType);
      if (mergeType != null && type.isEmpty()) {
        check.problem("$.attributeMerge.type", am.get().get("type"), "must be timestampOrdered or dataSetPrecedence");
        mergeType = null;
      }
      Optional<ArrayNode> orderNode = check.array(am.get(), "order", "$.attributeMerge", false);
      if (type.isPresent() && type.get() == MergePolicy.MergeType.DATASET_PRECEDENCE) {
        if (orderNode.isEmpty() && !am.get().has("order")) {
          check.problem("$.attributeMerge.order", null, "dataSetPrecedence needs the ordered list of dataset ids");
        }
        order = orderNode.map(o -> precedence(o, check, datasets)).orElse(null);
      } else if (type.isPresent() && orderNode.isPresent()) {
        check.problem("$.attributeMerge.order", orderNode.get(), "only a dataSetPrecedence policy has an order");
      }
    }
    boolean isDefault = check.bool(body, "default", root, false).orElse(false);
    Boolean activeOnEdge = check.bool(body, "isActiveOnEdge", root, false).orElse(null);
    Integer maxIdentities = check.integer(body, "maxIdentitiesPerGraph", root, false, 1, Integer.MAX_VALUE)
        .map(Long::intValue).orElse(null);
    check.throwIfAny();
    return new MergePolicy(policyId, name, imsOrgId, new MergePolicy.SchemaName(MergePolicy.PROFILE_SCHEMA), version,
        new MergePolicy.IdentityGraph(graph), new MergePolicy.AttributeMerge(mergeType, order), isDefault,
        activeOnEdge, updateEpochSeconds, maxIdentities);
  }

  private static List<String> precedence(ArrayNode order, DocumentCheck check,
      Function<String, Optional<DatasetRecord>> datasets) {
    if (order.isEmpty()) {
      check.problem("$.attributeMerge.order", order, "must name at least one dataset");
    }
    List<String> ids = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < order.size(); i++) {
      String path = DocumentCheck.element("$.attributeMerge.order", i);
      JsonNode item = order.get(i);
      if (!item.isTextual()) {
        check.problem(path, item, "must be a dataset id string");
        continue;
      }
      String id = item.textValue();
      if (!Ids.isDataset(id)) {
        check.problem(ExportErrors.invalidId(path, "dataset", id, Ids.DATASET_FORM));
        continue;
      }
      if (!seen.add(id)) {
        check.problem(path, item, "dataset listed twice");
        continue;
      }
      Optional<DatasetRecord> ds = datasets.apply(id);
      if (ds.isEmpty()) {
        check.problem(ExportErrors.unknown(path, "dataset", id));
      } else if (ds.get().datasetClass() != DatasetClass.PROFILE) {
        check.problem(path, item, "not a profile dataset: only profile records are ranked by dataset");
      }
      ids.add(id);
    }
    return List.copyOf(ids);
  }
}
