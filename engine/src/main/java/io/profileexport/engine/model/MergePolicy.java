package io.profileexport.engine.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A merge policy in the public Merge Policies shape plus the {@code maxIdentitiesPerGraph} extension
 * ({@code mergePolicies/<id>.json}, SPEC 5.1). Only the current version of a policy is kept: a request naming another
 * version is refused.
 */
@JsonPropertyOrder({"id", "name", "imsOrgId", "schema", "version", "identityGraph", "attributeMerge", "default",
    "isActiveOnEdge", "updateEpoch", "maxIdentitiesPerGraph"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MergePolicy(
    String id,
    String name,
    String imsOrgId,
    SchemaName schema,
    int version,
    IdentityGraph identityGraph,
    AttributeMerge attributeMerge,
    @JsonProperty("default") boolean isDefault,
    Boolean isActiveOnEdge,
    long updateEpoch,
    Integer maxIdentitiesPerGraph) {

  public static final String PROFILE_SCHEMA = "_xdm.context.profile";
  public static final String BUILT_IN_NONE = "timestampOrdered-none-mp";
  public static final String BUILT_IN_PDG = "timestampOrdered-pdg-mp";

  public record SchemaName(String name) {}

  public record IdentityGraph(String type) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record AttributeMerge(String type, List<String> order) {}

  public enum GraphType {
    NONE("none"), PDG("pdg");

    public final String wireName;

    GraphType(String wireName) {
      this.wireName = wireName;
    }

    public static Optional<GraphType> of(String name) {
      for (GraphType t : values()) {
        if (t.wireName.equals(name)) {
          return Optional.of(t);
        }
      }
      return Optional.empty();
    }
  }

  public enum MergeType {
    TIMESTAMP_ORDERED("timestampOrdered"), DATASET_PRECEDENCE("dataSetPrecedence");

    public final String wireName;

    MergeType(String wireName) {
      this.wireName = wireName;
    }

    public static Optional<MergeType> of(String name) {
      for (MergeType t : values()) {
        if (t.wireName.equals(name)) {
          return Optional.of(t);
        }
      }
      return Optional.empty();
    }
  }

  /** The two policies every lake has at version 1 (SPEC 2); they cannot be changed. */
  public static final Map<String, MergePolicy> BUILT_INS = Map.of(
      BUILT_IN_NONE, builtIn(BUILT_IN_NONE, "Timestamp ordered, no identity graph", GraphType.NONE),
      BUILT_IN_PDG, builtIn(BUILT_IN_PDG, "Timestamp ordered, private identity graph", GraphType.PDG));

  private static MergePolicy builtIn(String id, String name, GraphType graph) {
    return new MergePolicy(id, name, null, new SchemaName(PROFILE_SCHEMA), 1, new IdentityGraph(graph.wireName),
        new AttributeMerge(MergeType.TIMESTAMP_ORDERED.wireName, null), false, false, 0L, null);
  }

  @JsonIgnore
  public GraphType graphType() {
    return GraphType.of(identityGraph.type()).orElseThrow();
  }

  @JsonIgnore
  public MergeType mergeType() {
    return MergeType.of(attributeMerge.type()).orElseThrow();
  }

  /** The datasets of a {@code dataSetPrecedence} policy, best first; empty for {@code timestampOrdered}. */
  @JsonIgnore
  public List<String> precedence() {
    return attributeMerge.order() == null ? List.of() : attributeMerge.order();
  }

  @JsonIgnore
  public boolean isBuiltIn() {
    return BUILT_INS.containsKey(id);
  }

  public MergePolicy withDefault(boolean value, long epochSeconds) {
    return new MergePolicy(id, name, imsOrgId, schema, version, identityGraph, attributeMerge, value, isActiveOnEdge,
        epochSeconds, maxIdentitiesPerGraph);
  }
}
