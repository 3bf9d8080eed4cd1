package io.profileexport.jobs.golden;

import io.profileexport.jobs.cli.Cli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds a lake from {@code testdata/} through the CLI, as {@code scripts/demo} does: datasets, merge policies, then
 * every batch file of every dataset in name order.
 */
public final class TestdataLake {
  private TestdataLake() {}

  public static Path testdata() {
    String root = System.getProperty("project.root");
    Path base = root == null ? Path.of("..") : Path.of(root);
    return base.resolve("testdata").toAbsolutePath().normalize();
  }

  public static void build(Path lake) {
    Path testdata = testdata();
    for (Path dataset : sorted(testdata.resolve("datasets"))) {
      Cli.run(lake, "datasets", "create", "--file", dataset.toString()).expect(0);
    }
    for (Path policy : sorted(testdata.resolve("mergePolicies"))) {
      Cli.run(lake, "merge-policies", "create", "--file", policy.toString()).expect(0);
    }
    for (Path datasetDir : sorted(testdata.resolve("batches"))) {
      for (Path batch : sorted(datasetDir)) {
        Cli.run(lake, "batches", "ingest", "--dataset", datasetDir.getFileName().toString(), batch.toString())
            .expect(0);
      }
    }
  }

  public static List<Path> sorted(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
