package io.profileexport.engine.error;

/**
 * A running export stopped on purpose between two steps: its job was cancelled, or its driver lost the lease to
 * another driver (which then owns the job record and must not be written over).
 */
public class JobInterruptedException extends RuntimeException {
  public enum Reason {
    CANCELLED, LEASE_LOST
  }

  private final Reason reason;

  public JobInterruptedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
