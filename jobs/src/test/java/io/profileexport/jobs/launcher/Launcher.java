package io.profileexport.jobs.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.model.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code scripts/profile-export} as a separate process, as a user would, for the smoke tests. */
final class Launcher {
  record Result(int exitCode, String stdout, String stderr) {
    JsonNode json() {
      try {
        return Json.MAPPER.readTree(stdout);
      } catch (IOException e) {
        throw new AssertionError("stdout is not one JSON document: " + stdout + "\nstderr: " + stderr, e);
      }
    }

    Result expect(int code) {
      assertEquals(code, exitCode, "exit code; stdout: " + stdout + "\nstderr: " + stderr);
      return this;
    }
  }

  private Launcher() {}

  static Path projectRoot() {
    String root = System.getProperty("project.root");
    return root == null ? Path.of("..").toAbsolutePath().normalize() : Path.of(root).toAbsolutePath().normalize();
  }

  /** A launcher process started in the background; its output goes to files in {@code workDir}. */
  record Started(Process process, Path stdout, Path stderr) {
    Result await() throws Exception {
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError("the launcher did not finish within 5 minutes");
      }
      return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
          Files.readString(stderr, StandardCharsets.UTF_8));
    }
  }

  static Started start(Path workDir, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(projectRoot().resolve("scripts/profile-export").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    // The smoke tests run what `package` built; the launcher must not start a build of its own.
    builder.environment().put("PROFILE_EXPORT_NO_BUILD", "1");
    Path out = Files.createTempFile(workDir, "stdout", ".txt");
    Path err = Files.createTempFile(workDir, "stderr", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    return new Started(builder.start(), out, err);
  }

  static Result run(Path workDir, String... args) throws Exception {
    Started started = start(workDir, args);
    Process process = started.process();
    Path out = started.stdout();
    Path err = started.stderr();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("the launcher did not finish within 5 minutes: " + List.of(args));
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
