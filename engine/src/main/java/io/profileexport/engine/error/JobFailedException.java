package io.profileexport.engine.error;

import java.util.List;

/** A running export failed for a reason that has a documented failure code; its message is for the job record. */
public class JobFailedException extends ProfileExportException {
  private final FailureCode code;

  public JobFailedException(FailureCode code, String message, Throwable cause) {
    super(ErrorKind.INTERNAL, List.of(Problem.of("", null, message)), cause);
    this.code = code;
  }

  public FailureCode code() {
    return code;
  }

  /** The sentence for {@code errors[].msg}. */
  public String userMessage() {
    return problems().get(0).message();
  }
}
