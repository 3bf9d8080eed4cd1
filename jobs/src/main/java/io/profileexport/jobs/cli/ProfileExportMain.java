package io.profileexport.jobs.cli;

import io.profileexport.engine.error.ErrorKind;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.Problem;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.model.Json;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;

/**
 * The one entry point: {@code scripts/profile-export}, {@code java -jar} and {@code spark-submit --class} all run
 * {@link #main}. stdout carries exactly one JSON document; readable errors, logs and Spark's output go to stderr,
 * with stack traces only under {@code --verbose} (SPEC 5.1).
 */
public final class ProfileExportMain {
  private ProfileExportMain() {}

  public static void main(String[] args) {
    CliContext[] created = new CliContext[1];
    int code = run(args, System.out, System.err, ctx -> {
      created[0] = ctx;
      return CliContext.defaultSessions().apply(ctx);
    }, Clock.systemUTC());
    if (created[0] != null && created[0].hasSpark()) {
      created[0].spark().stop();
    }
    if (Boolean.getBoolean("profileExport.reportPeakHeap")) {
      System.err.println("driver peak heap used: " + peakHeapMib() + " MiB");
    }
    System.exit(code);
  }

  /** The sum of the heap pools' peak usage since the JVM started (for scripts/cluster-test). */
  static long peakHeapMib() {
    long bytes = 0;
    for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getPeakUsage() != null) {
        bytes += pool.getPeakUsage().getUsed();
      }
    }
    return bytes >> 20;
  }

  /** Runs one command line in this process; tests call it with their shared session. */
  public static int run(String[] args, PrintStream out, PrintStream err, CliContext.SessionFactory sessions,
      Clock clock) {
    ProfileExportCommand root = new ProfileExportCommand();
    CommandLine commandLine = new CommandLine(root);
    CliContext context = new CliContext(root, out, err, sessions, clock);
    root.attach(context);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    commandLine.setParameterExceptionHandler((ex, arguments) -> {
      String option = ex.getArgSpec() == null ? "" : ex.getArgSpec().isOption()
          ? ((CommandLine.Model.OptionSpec) ex.getArgSpec()).longestName() : ex.getArgSpec().paramLabel();
      return fail(context, ExportErrors.badRequest(option, null, ex.getMessage()), ex.getCommandLine());
    });
    commandLine.setExecutionExceptionHandler((ex, cl, parseResult) -> fail(context, ex, cl));
    commandLine.setExecutionStrategy(parseResult -> {
      if (root.verbose()) {
        showTaskFailures();
      }
      return new CommandLine.RunLast().execute(parseResult);
    });
    return commandLine.execute(args);
  }

  /** log4j2.properties silences the loggers that print a failed task's stack trace; --verbose wants them. */
  private static void showTaskFailures() {
    for (String logger : List.of("org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager",
        "org.apache.spark.sql.execution.datasources.FileFormatWriter")) {
      Configurator.setLevel(logger, Level.WARN);
    }
  }

  private static int fail(CliContext context, Exception ex, CommandLine commandLine) {
    ProfileExportException error = ex instanceof ProfileExportException pe ? pe
        : new ProfileExportException(ErrorKind.INTERNAL, List.of(Problem.of("", null,
            "internal error: " + ExportErrors.rootMessage(ex))), ex);
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("errors", error.problems());
    context.out().println(Json.pretty(document));
    context.out().flush();
    for (Problem p : error.problems()) {
      context.err().println("error: " + p.describe());
    }
    if (context.global().verbose()) {
      context.err().println(ExportErrors.stackTrace(ex));
    } else if (error.kind() == ErrorKind.INTERNAL) {
      context.err().println("(run with --verbose for the stack trace)");
    }
    context.err().flush();
    return error.kind().exitCode();
  }
}
