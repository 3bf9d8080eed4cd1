package io.profileexport.jobs.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.testing.RowsJson;
import io.profileexport.engine.testing.SharedSpark;
import io.profileexport.engine.testing.TestLakes;
import io.profileexport.jobs.cli.Cli;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden end-to-end runs: every request of {@code testdata/requests/} runs as a job on the lake built from
 * {@code testdata/}, and its batch must hold exactly the rows and schema of {@code testdata/expected/}, which were
 * worked out by hand from SPEC section 3.
 */
class GoldenExportsTest {
  static final String DESTINATION = "5b020a27e7040801dedba61b";

  @TempDir
  static Path dir;
  static Path lake;

  @BeforeAll
  static void buildLake() {
    lake = dir.resolve("lake");
    TestdataLake.build(lake);
  }

  static Stream<String> requests() {
    return TestdataLake.sorted(TestdataLake.testdata().resolve("requests")).stream()
        .map(p -> p.getFileName().toString().replace(".json", ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void theExportMatchesTheHandWorkedExpectation(String name) throws IOException {
    Path request = TestdataLake.testdata().resolve("requests").resolve(name + ".json");
    JsonNode record = Cli.run(lake, "jobs", "create", "--file", request.toString(), "--run").expect(0).json();
    assertEquals("SUCCEEDED", record.get("status").asText(), name + ": " + record);
    Dataset<Row> written = readBatch(record.get("destination").get("batchId").asText());

    JsonNode expected = Json.MAPPER.readTree(TestdataLake.testdata().resolve("expected").resolve(name + ".json")
        .toFile());
    assertEquals(expected.get("schema").asText(), written.schema().simpleString(), name + ": output schema");
    List<String> rows = new ArrayList<>();
    expected.get("rows").forEach(r -> rows.add(r.toString()));
    RowsJson.assertSameRows(name, rows, written);
    assertEquals(rows.size(), record.get("metrics").get("totalExportedProfileCounter").asLong(),
        name + ": totalExportedProfileCounter");
    if (expected.has("metrics")) {
      assertContains(name + ": metrics", expected.get("metrics"), record.get("metrics"));
    }
  }

  /** Every member of {@code expected} is in {@code actual} with the same value; other members may be there too. */
  static void assertContains(String what, JsonNode expected, JsonNode actual) {
    if (expected.isObject()) {
      expected.fields().forEachRemaining(e -> {
        assertEquals(true, actual != null && actual.has(e.getKey()), what + "." + e.getKey() + " is missing");
        assertContains(what + "." + e.getKey(), e.getValue(), actual.get(e.getKey()));
      });
    } else {
      assertEquals(expected.asText(), actual.asText(), what);
    }
  }

  /** The rows of a batch, read through the files its manifest lists. */
  static Dataset<Row> readBatch(String batchId) {
    Catalog catalog = TestLakes.catalog(lake);
    BatchRecord batch = catalog.batch(DESTINATION, batchId).orElseThrow();
    assertEquals(BatchRecord.SUCCESS, batch.status());
    List<String> files = batch.files().stream()
        .map(f -> new org.apache.hadoop.fs.Path(catalog.layout().batch(DESTINATION, batchId), f.name()).toString())
        .toList();
    Dataset<Row> rows = SharedSpark.session().read().parquet(files.toArray(new String[0]));
    assertEquals(batch.sparkSchema(), rows.schema(), "the manifest records the written schema");
    return rows;
  }
}
