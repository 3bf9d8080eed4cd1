package io.profileexport.engine.error;

/** What kind of failure a user-facing error is; each kind has the CLI exit code of SPEC 5.1. */
public enum ErrorKind {
  /** Anything wrong with what the user sent that is not a not-found. */
  BAD_REQUEST(2),
  /** An unknown id, in an argument or inside a request, and nothing else wrong. */
  NOT_FOUND(3),
  /** The job is running under another live driver. */
  HELD_ELSEWHERE(6),
  /** Anything else: the engine or the lake misbehaved. */
  INTERNAL(1);

  private final int exitCode;

  ErrorKind(int exitCode) {
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
