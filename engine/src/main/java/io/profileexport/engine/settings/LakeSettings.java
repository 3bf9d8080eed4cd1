package io.profileexport.engine.settings;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.Problem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The settings of SPEC 1 resolved once, immutable afterwards. Precedence: request > merge policy > Spark conf >
 * {@code _lake.json} > default. No setting is a request member today and only {@code maxIdentitiesPerGraph} is also a
 * merge-policy member, applied by {@link #withPolicyMaxIdentitiesPerGraph}.
 */
public final class LakeSettings {
  public static final Setting<Set<String>> BLOCKED_IDENTITIES = new Setting<>("blockedIdentities", Set.of(),
      "identity values blocked in addition to the built-in ones, comma-separated",
      text -> Optional.of(normalizedBlockList(text)));
  public static final Setting<Integer> MAX_IDENTITIES_PER_GRAPH = Setting.positiveInt("maxIdentitiesPerGraph", 50,
      "larger components are not merged (also settable on a merge policy)");
  public static final Setting<Integer> MAX_STITCH_ITERATIONS = Setting.positiveInt("maxStitchIterations", 50,
      "rounds before stitching fails");
  public static final Setting<Long> LEASE_HEARTBEAT_MS = Setting.positiveLong("leaseHeartbeatMs", 10_000L,
      "driver lease renewal interval");
  public static final Setting<Long> LEASE_STALE_MS = Setting.positiveLong("leaseStaleMs", 60_000L,
      "a lease not renewed for this long is stale");
  public static final Setting<Long> CANCEL_POLL_MS = Setting.positiveLong("cancelPollMs", 2_000L,
      "how often a running driver reads its job record");
  public static final Setting<Long> MAX_REQUEST_BYTES = Setting.positiveLong("maxRequestBytes", 1_048_576L,
      "larger request documents are refused");

  public static final List<Setting<?>> ALL = List.of(BLOCKED_IDENTITIES, MAX_IDENTITIES_PER_GRAPH,
      MAX_STITCH_ITERATIONS, LEASE_HEARTBEAT_MS, LEASE_STALE_MS, CANCEL_POLL_MS, MAX_REQUEST_BYTES);

  /** Blocked in every lake (SPEC 3.1), compared trimmed and case-insensitively. */
  public static final Set<String> BUILT_IN_BLOCKED = Set.of("", "null", "undefined", "anonymous", "0");

  private final Map<String, Object> values;

  private LakeSettings(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  public static LakeSettings defaults() {
    return resolve(Map.of(), null);
  }

  /**
   * @param sparkConf every Spark conf entry in effect (only {@code spark.profileExport.*} keys are read)
   * @param lakeJson the parsed {@code _lake.json}, or null when the lake has none
   */
  public static LakeSettings resolve(Map<String, String> sparkConf, JsonNode lakeJson) {
    List<Problem> problems = new ArrayList<>();
    Map<String, Object> values = new LinkedHashMap<>();
    if (lakeJson != null) {
      if (!lakeJson.isObject()) {
        throw ExportErrors.badRequest(List.of(Problem.of("_lake.json", lakeJson.getNodeType().toString(),
            "lake settings must be a JSON object of setting names")));
      }
      for (Iterator<String> it = lakeJson.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (ALL.stream().noneMatch(s -> s.name().equals(key))) {
          problems.add(Problem.of("_lake.json." + key, null, "unknown setting; known settings are "
              + ALL.stream().map(Setting::name).collect(Collectors.joining(", "))));
        }
      }
    }
    for (String key : sparkConf.keySet()) {
      if (key.startsWith(Setting.SPARK_CONF_PREFIX)
          && ALL.stream().noneMatch(s -> s.sparkConfKey().equals(key))) {
        problems.add(Problem.of(key, sparkConf.get(key), "unknown setting; known settings are "
            + ALL.stream().map(Setting::sparkConfKey).collect(Collectors.joining(", "))));
      }
    }
    for (Setting<?> setting : ALL) {
      Object value = setting.defaultValue();
      if (lakeJson != null && lakeJson.has(setting.name())) {
        JsonNode node = lakeJson.get(setting.name());
        Optional<?> parsed = node.isValueNode() && !node.isNull() ? setting.parse().apply(node.asText())
            : Optional.empty();
        if (parsed.isPresent()) {
          value = parsed.get();
        } else {
          problems.add(Problem.of("_lake.json." + setting.name(), node.toString(), "not a valid value: "
              + setting.meaning()));
        }
      }
      String confValue = sparkConf.get(setting.sparkConfKey());
      if (confValue != null) {
        Optional<?> parsed = setting.parse().apply(confValue);
        if (parsed.isPresent()) {
          value = parsed.get();
        } else {
          problems.add(Problem.of(setting.sparkConfKey(), confValue, "not a valid value: " + setting.meaning()));
        }
      }
      values.put(setting.name(), value);
    }
    if (!problems.isEmpty()) {
      throw ExportErrors.badRequest(problems);
    }
    return new LakeSettings(values);
  }

  @SuppressWarnings("unchecked")
  public <T> T get(Setting<T> setting) {
    return (T) values.get(setting.name());
  }

  public LakeSettings withPolicyMaxIdentitiesPerGraph(Integer policyValue) {
    if (policyValue == null) {
      return this;
    }
    Map<String, Object> copy = new LinkedHashMap<>(values);
    copy.put(MAX_IDENTITIES_PER_GRAPH.name(), policyValue);
    return new LakeSettings(copy);
  }

  /** The built-in blocked values plus {@code blockedIdentities}, trimmed and lower-cased. */
  public Set<String> blockedIdentityValues() {
    Set<String> all = new LinkedHashSet<>(BUILT_IN_BLOCKED);
    all.addAll(get(BLOCKED_IDENTITIES));
    return Collections.unmodifiableSet(all);
  }

  public Map<String, Object> asMap() {
    return values;
  }

  private static Set<String> normalizedBlockList(String text) {
    return Arrays.stream(text.split(","))
        .map(v -> v.trim().toLowerCase(Locale.ROOT))
        .filter(v -> !v.isEmpty())
        .collect(Collectors.toCollection(LinkedHashSet::new));
  }
}
