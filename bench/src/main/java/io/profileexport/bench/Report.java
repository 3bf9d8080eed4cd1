package io.profileexport.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.model.Json;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** The benchmark's results as the Markdown committed under bench/results/. */
final class Report {
  private Report() {}

  static String markdown(JsonNode r, SparkSession spark) {
    JsonNode st = r.get("stitching");
    JsonNode ex = r.get("export");
    JsonNode sm = r.get("exportSmall");
    StringBuilder md = new StringBuilder();
    md.append("# profile-export benchmark, ").append(LocalDate.now()).append("\n\n");
    md.append("Produced by `scripts/bench` in one run (one JVM, one SparkSession whose start is excluded).\n\n");
    md.append("## Machine\n\n");
    md.append("| | |\n|---|---|\n");
    md.append("| CPU | ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
        .append(" cores |\n");
    List<String> jvmOptions = ManagementFactory.getRuntimeMXBean().getInputArguments();
    md.append("| memory | ").append(totalMemoryGib()).append(" GiB; driver heap ")
        .append(Runtime.getRuntime().maxMemory() >> 30).append(" GiB")
        .append(jvmOptions.contains("-XX:+AlwaysPreTouch") ? ", fixed and touched before the session starts" : "")
        .append(jvmOptions.contains("-XX:+UseTransparentHugePages") ? ", on transparent huge pages" : "")
        .append(" |\n");
    md.append("| JDK | ").append(System.getProperty("java.vendor")).append(' ')
        .append(System.getProperty("java.runtime.version")).append(" |\n");
    md.append("| Spark | ").append(spark.version()).append(", master ").append(r.get("sparkMaster").asText())
        .append(", ").append(r.get("shufflePartitions").asText()).append(" shuffle partitions |\n\n");

    md.append("## 1. Identity stitching against GraphX ConnectedComponents\n\n");
    md.append("The same identity graph (the generated lake's records and events, as the export links them), best of two"
        + " runs each, both writing their components out.\n\n");
    md.append("| profiles | linked identities | links | components | ours | GraphX | speed-up | same partition |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    md.append("| ").append(st.get("profiles").asLong()).append(" | ").append(st.get("identitiesWithLinks").asLong())
        .append(" | ").append(st.get("links").asLong()).append(" | ").append(st.get("components").asLong())
        .append(" | ").append(st.get("oursMs").asLong()).append(" ms | ").append(st.get("graphxMs").asLong())
        .append(" ms | **").append(st.get("speedup").asDouble()).append("x** | ")
        .append(st.get("identicalComponents").asBoolean() ? "yes" : "NO (" + st.get("differingNodes") + " nodes)")
        .append(" |\n\n");

    md.append("## 2. The whole export against the ceiling case\n\n");
    md.append("Export: `pdg` (policy `gen-pdg-latest`), three segments, `fields` set, best of " + Bench.RUNS
        + " after one warm-up run. Ceiling: read the same columns of the same input files the export reads (every"
        + " column of the profile records, which the merge reads whole, and the events' identity maps) and write about"
        + " as many rows of the output schema, with no join and no aggregation (best of " + Bench.RUNS + "). The"
        + " narrow ceiling reads only the columns the projection and the filter name.\n\n");
    md.append("| profiles | records read | events read | rows written | export | ceiling | ratio | narrow ceiling"
        + " | ratio |\n|---|---|---|---|---|---|---|---|---|\n");
    md.append("| ").append(ex.get("profiles").asLong()).append(" | ").append(ex.get("recordsRead").asLong())
        .append(" | ").append(ex.get("stitch").get("eventsRead").asLong())
        .append(" | ").append(ex.get("exportedRows").asLong()).append(" (ceiling ").append(ex.get("ceilingRows"))
        .append(") | ").append(ex.get("exportMs").asLong()).append(" ms | ").append(ex.get("ceilingMs").asLong())
        .append(" ms | **").append(ex.get("exportToCeilingRatio").asDouble()).append("x** | ")
        .append(ex.get("narrowCeilingMs").asLong()).append(" ms | ")
        .append(ex.get("exportToNarrowCeilingRatio").asDouble()).append("x |\n\n");
    md.append("Stitching took ").append(ex.get("stitch").get("stitchTimeMs").asLong()).append(" ms of the export ("
        ).append(ex.get("stitch").get("stitchIterations").asLong()).append(" round(s)).\n\n");

    md.append("## 3. Scaling\n\n");
    md.append("| profiles | export | per profile |\n|---|---|---|\n");
    for (JsonNode e : new JsonNode[] {sm, ex}) {
      md.append("| ").append(e.get("profiles").asLong()).append(" | ").append(e.get("exportMs").asLong())
          .append(" ms | ").append(String.format("%.1f", e.get("exportMs").asDouble() * 1000
              / e.get("profiles").asDouble())).append(" µs |\n");
    }
    md.append("\nPer-profile cost at 1x over 0.3x: **").append(r.get("perProfileCostRatio").asDouble())
        .append("**\n\n");
    md.append("## Raw results\n\n```json\n").append(Json.pretty(r)).append("\n```\n");
    return md.toString();
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException ignored) {
      // Not Linux: the core count still says something.
    }
    return System.getProperty("os.arch");
  }

  private static long totalMemoryGib() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return Math.round(sun.getTotalMemorySize() / (double) (1L << 30));
    }
    return -1;
  }
}
