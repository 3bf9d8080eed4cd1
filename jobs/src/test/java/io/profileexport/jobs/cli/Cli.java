package io.profileexport.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.testing.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Runs the CLI in-process on the shared test session and captures what it prints. */
public final class Cli {
  /** What one command printed; {@code json()} fails unless stdout is exactly one JSON document. */
  public record Result(int exitCode, String stdout, String stderr) {
    public JsonNode json() {
      try {
        return Json.MAPPER.readTree(stdout);
      } catch (Exception e) {
        throw new AssertionError("stdout is not one JSON document: " + stdout + "\nstderr: " + stderr, e);
      }
    }

    public Result expect(int code) {
      assertEquals(code, exitCode, "exit code; stdout: " + stdout + "\nstderr: " + stderr);
      json();
      return this;
    }

    /** A failure: {errors: [...]} on stdout, a readable line per error and no stack trace on stderr. */
    public Result expectError(int code, String fragment) {
      expect(code);
      JsonNode errors = json().get("errors");
      assertFalse(errors == null || errors.isEmpty(), "errors listed: " + stdout);
      assertFalse(!stderr.contains("error: "), "a readable line on stderr: " + stderr);
      assertFalse(stderr.contains("\tat "), "no stack trace on stderr: " + stderr);
      assertFalse(!stdout.contains(fragment) && !stderr.contains(fragment),
          "the message names the problem (" + fragment + "): " + stdout);
      return this;
    }
  }

  private Cli() {}

  public static Result run(Path lake, String... args) {
    return runWith(ctx -> SharedSpark.session(), lake, args);
  }

  /** Runs with a session factory that fails: proves a command answers without starting Spark. */
  public static Result runWithoutSpark(Path lake, String... args) {
    return runWith(ctx -> {
      throw new AssertionError("this command must not start Spark");
    }, lake, args);
  }

  public static Result runWith(CliContext.SessionFactory sessions, Path lake, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of("--lake", lake.toString()));
    all.addAll(List.of(args));
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = ProfileExportMain.run(all.toArray(new String[0]), o, e, sessions, Clock.systemUTC());
    }
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
