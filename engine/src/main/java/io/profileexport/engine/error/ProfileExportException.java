package io.profileexport.engine.error;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The one exception type the engine throws for conditions a user or operator must act on. Its problems are what the
 * CLI prints as {@code {errors: [...]}} and its kind decides the exit code. Build instances through {@link
 * ExportErrors}, which holds the wording, so messages stay consistent.
 */
public class ProfileExportException extends RuntimeException {
  private final ErrorKind kind;
  private final List<Problem> problems;

  public ProfileExportException(ErrorKind kind, List<Problem> problems, Throwable cause) {
    super(problems.stream().map(Problem::describe).collect(Collectors.joining("; ")), cause);
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("an error needs at least one problem");
    }
    this.kind = kind;
    this.problems = List.copyOf(problems);
  }

  public ErrorKind kind() {
    return kind;
  }

  public List<Problem> problems() {
    return problems;
  }
}
