package io.profileexport.engine.error;

/** The documented {@code errors[].code} values of a FAILED job record (SPEC 4.5, docs/formats.md). */
public enum FailureCode {
  /** An input batch or external location could not be read or decoded. */
  INPUT_UNREADABLE,
  /** The lake changed after the job was created so that its request no longer validates. */
  SCHEMA_CHANGED,
  /** Identity stitching did not converge within maxStitchIterations rounds. */
  STITCH_DID_NOT_CONVERGE,
  /** Writing or publishing the destination batches failed. */
  WRITE_FAILED,
  /** The driver running the job stopped renewing its lease. */
  DRIVER_LOST,
  /** Another driver took the job over while this one was running it. */
  LEASE_LOST,
  /** Anything else; the call stack says where. */
  INTERNAL
}
