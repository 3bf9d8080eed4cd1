package io.profileexport.engine.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The house row comparison (ARCHITECTURE.md rule 7): rows become canonical JSON (object keys sorted, null members
 * dropped, since the schema is compared separately and says which fields exist) and are compared as multisets.
 * spark-testing-base's unordered comparison groups by every column and so cannot handle map columns.
 */
public final class RowsJson {
  private RowsJson() {}

  /** One canonical JSON text per row of {@code frame}. */
  public static List<String> of(Dataset<Row> frame) {
    List<String> out = new ArrayList<>();
    for (String json : frame.toJSON().collectAsList()) {
      out.add(canonical(json));
    }
    return out;
  }

  public static String canonical(String json) {
    try {
      return Json.compact(withoutNulls(Json.canonical(Json.MAPPER.readTree(json))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String canonical(JsonNode node) {
    return Json.compact(withoutNulls(Json.canonical(node)));
  }

  private static JsonNode withoutNulls(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = Json.object();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isNull()) {
          out.set(e.getKey(), withoutNulls(e.getValue()));
        }
      }
      return out;
    }
    if (node.isArray()) {
      var out = Json.MAPPER.createArrayNode();
      node.forEach(child -> out.add(withoutNulls(child)));
      return out;
    }
    return node;
  }

  /** Fails with both sides' extra rows listed unless {@code actual} holds exactly {@code expected}, in any order. */
  public static void assertSameRows(String caseName, List<String> expected, List<String> actual) {
    Map<String, Integer> want = counts(expected.stream().map(RowsJson::canonical).toList());
    Map<String, Integer> got = counts(actual.stream().map(RowsJson::canonical).toList());
    if (want.equals(got)) {
      return;
    }
    StringBuilder message = new StringBuilder(caseName).append(": rows differ\n");
    want.forEach((row, n) -> {
      int m = got.getOrDefault(row, 0);
      if (m < n) {
        message.append("  missing ").append(n - m).append("x ").append(row).append('\n');
      }
    });
    got.forEach((row, n) -> {
      int m = want.getOrDefault(row, 0);
      if (m < n) {
        message.append("  unexpected ").append(n - m).append("x ").append(row).append('\n');
      }
    });
    fail(message.toString());
  }

  public static void assertSameRows(String caseName, List<String> expected, Dataset<Row> actual) {
    assertSameRows(caseName, expected, of(actual));
  }

  private static Map<String, Integer> counts(List<String> rows) {
    Map<String, Integer> out = new TreeMap<>();
    rows.forEach(r -> out.merge(r, 1, Integer::sum));
    return out;
  }
}
