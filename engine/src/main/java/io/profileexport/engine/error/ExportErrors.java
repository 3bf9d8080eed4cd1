package io.profileexport.engine.error;

import java.util.List;

/**
 * The one place that words user-facing errors (as Delta Kernel's {@code DeltaErrors}). Callers say what went wrong
 * with values; the sentences live here so the CLI, the job records and the HTTP service read alike.
 */
public final class ExportErrors {
  private ExportErrors() {}

  /** Problems found while checking a document or arguments; exit 3 when every one is an unknown id, else exit 2. */
  public static ProfileExportException badRequest(List<Problem> problems) {
    boolean allNotFound = problems.stream().allMatch(Problem::notFound);
    return new ProfileExportException(allNotFound ? ErrorKind.NOT_FOUND : ErrorKind.BAD_REQUEST, problems, null);
  }

  public static ProfileExportException badRequest(String path, Object value, String message) {
    return badRequest(List.of(Problem.of(path, value, message)));
  }

  public static ProfileExportException badRequest(String path, Object value, String message, Throwable cause) {
    return new ProfileExportException(ErrorKind.BAD_REQUEST, List.of(Problem.of(path, value, message)), cause);
  }

  public static Problem invalidId(String path, String kind, Object value, String pattern) {
    return Problem.of(path, value, "not a valid " + kind + " id: expected " + pattern);
  }

  public static Problem unknown(String path, String kind, String id) {
    return Problem.notFound(path, id, "no " + kind + " with this id exists in the lake");
  }

  public static ProfileExportException notFound(String path, String kind, String id) {
    return badRequest(List.of(unknown(path, kind, id)));
  }

  public static ProfileExportException missingFile(String path) {
    return badRequest("file", path, "no such file");
  }

  public static ProfileExportException unreadableInput(String file, String why, Throwable cause) {
    return badRequest("file", file, "cannot read the input: " + why, cause);
  }

  public static ProfileExportException malformedDocument(String what, String why, Throwable cause) {
    return badRequest("$", null, what + " is not a valid JSON document: " + why, cause);
  }

  public static ProfileExportException heldElsewhere(String jobId, String owner, long heartbeatAgeMs) {
    return new ProfileExportException(ErrorKind.HELD_ELSEWHERE, List.of(Problem.of("id", jobId,
        "the job is running under another live driver (" + owner + ", last heartbeat " + heartbeatAgeMs
            + " ms ago)")), null);
  }

  public static ProfileExportException lakeCorrupt(String path, String why, Throwable cause) {
    return new ProfileExportException(ErrorKind.INTERNAL, List.of(Problem.of(path, null,
        "the lake holds an unreadable record: " + why)), cause);
  }

  public static ProfileExportException lakeIo(String path, String what, Throwable cause) {
    String detail = cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage();
    return new ProfileExportException(ErrorKind.INTERNAL, List.of(Problem.of(path, null,
        "lake I/O failed while " + what + detail)), cause);
  }

  public static JobFailedException jobFailed(FailureCode code, String message, Throwable cause) {
    return new JobFailedException(code, message, cause);
  }

  /** The innermost message of a chain: Spark wraps the useful sentence in several layers. */
  public static String rootMessage(Throwable t) {
    String message = t.getMessage();
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        message = c.getMessage();
      }
      if (c.getCause() == c) {
        break;
      }
    }
    if (message == null) {
      return t.getClass().getSimpleName();
    }
    String firstLine = message.strip().lines().findFirst().orElse(message);
    return firstLine.length() > 300 ? firstLine.substring(0, 300) + "..." : firstLine;
  }

  /** The full stack trace of a chain, for --verbose and for a failed job's {@code callStack}. */
  public static String stackTrace(Throwable t) {
    java.io.StringWriter text = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(text));
    return text.toString();
  }

  /**
   * What a failure of a running export means for its job record: an input that could not be read or decoded is
   * {@code INPUT_UNREADABLE}, a failure while writing or publishing {@code WRITE_FAILED}, anything else
   * {@code INTERNAL}. Failures that already carry a code keep it.
   *
   * @param publishing whether the failure happened while moving staged files into the destination
   */
  public static JobFailedException classify(Throwable failure, boolean publishing) {
    if (failure instanceof JobFailedException known) {
      return known;
    }
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof JobFailedException known) {
        return known;
      }
      String message = t.getMessage() == null ? "" : t.getMessage();
      String type = t.getClass().getName();
      if (message.contains("Encountered error while reading file") || message.contains("is not a Parquet file")
          || message.contains("Malformed records are detected") || type.contains("ParquetDecodingException")
          || type.contains("SchemaColumnConvertNotSupportedException")
          || t instanceof java.io.FileNotFoundException && !publishing || thrownWhileScanningFiles(t)) {
        return jobFailed(FailureCode.INPUT_UNREADABLE, "An input of the export could not be read: "
            + rootMessage(failure) + ". Fix or remove the batch, then run the job again.", failure);
      }
    }
    if (publishing || chainContains(failure, "Task failed while writing rows")
        || chainHas(failure, java.io.IOException.class)) {
      return jobFailed(FailureCode.WRITE_FAILED, "Writing the export failed: " + rootMessage(failure)
          + ". Check the destination's storage, then run the job again.", failure);
    }
    return jobFailed(FailureCode.INTERNAL, "The export failed: " + rootMessage(failure), failure);
  }

  /** A failure raised inside Spark's file scan is a failure to read an input, whatever its message says. */
  private static boolean thrownWhileScanningFiles(Throwable t) {
    for (StackTraceElement frame : t.getStackTrace()) {
      String cls = frame.getClassName();
      if (cls.startsWith("org.apache.spark.sql.execution.datasources.FileScanRDD")
          || cls.startsWith("org.apache.spark.sql.execution.datasources.parquet.ParquetFooterReader")) {
        return true;
      }
    }
    return false;
  }

  private static boolean chainContains(Throwable failure, String text) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(text)) {
        return true;
      }
    }
    return false;
  }

  private static boolean chainHas(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A failed job's {@code callStack}: the exception chain, each cause with its first frames, short enough to keep a
   * job record readable.
   */
  public static String callStack(Throwable failure) {
    StringBuilder out = new StringBuilder();
    int causes = 0;
    for (Throwable t = failure; t != null && causes < 10; t = t.getCause() == t ? null : t.getCause(), causes++) {
      out.append(causes == 0 ? "" : "Caused by: ").append(t.getClass().getName());
      if (t.getMessage() != null) {
        out.append(": ").append(t.getMessage().strip().lines().findFirst().orElse(""));
      }
      out.append('\n');
      StackTraceElement[] frames = t.getStackTrace();
      for (int i = 0; i < Math.min(8, frames.length); i++) {
        out.append("\tat ").append(frames[i]).append('\n');
      }
    }
    return out.toString();
  }
}
