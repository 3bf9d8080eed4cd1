package io.profileexport.engine.lake;

import io.profileexport.engine.error.ExportErrors;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Id patterns of SPEC 1 and id generation. Every id from a user passes through here before it touches a path. */
public final class Ids {
  public static final Pattern DATASET = Pattern.compile("[0-9a-f]{24}");
  public static final Pattern BATCH = Pattern.compile("[0-9a-f]{32}");
  public static final Pattern JOB = Pattern.compile("[1-9][0-9]{0,17}");
  public static final Pattern POLICY = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public static final String DATASET_FORM = "24 lowercase hex characters";
  public static final String BATCH_FORM = "32 lowercase hex characters";
  public static final String JOB_FORM = "a positive integer";
  public static final String POLICY_FORM = "1 to 64 of A-Z a-z 0-9 . _ -";

  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static boolean isDataset(String id) {
    return id != null && DATASET.matcher(id).matches();
  }

  public static boolean isBatch(String id) {
    return id != null && BATCH.matcher(id).matches();
  }

  public static boolean isJob(String id) {
    return id != null && JOB.matcher(id).matches();
  }

  public static boolean isPolicy(String id) {
    return id != null && POLICY.matcher(id).matches() && !id.equals(".") && !id.equals("..");
  }

  public static String requireDataset(String id) {
    if (!isDataset(id)) {
      throw ExportErrors.badRequest(java.util.List.of(ExportErrors.invalidId("datasetId", "dataset", id,
          DATASET_FORM)));
    }
    return id;
  }

  public static String requireBatch(String id) {
    if (!isBatch(id)) {
      throw ExportErrors.badRequest(java.util.List.of(ExportErrors.invalidId("batchId", "batch", id, BATCH_FORM)));
    }
    return id;
  }

  public static String requirePolicy(String id) {
    if (!isPolicy(id)) {
      throw ExportErrors.badRequest(java.util.List.of(ExportErrors.invalidId("mergePolicyId", "merge policy", id,
          POLICY_FORM)));
    }
    return id;
  }

  public static long requireJob(String id) {
    if (!isJob(id)) {
      throw ExportErrors.badRequest(java.util.List.of(ExportErrors.invalidId("jobId", "job", id, JOB_FORM)));
    }
    return Long.parseLong(id);
  }

  public static String newDatasetId() {
    return randomHex(12);
  }

  public static String newBatchId() {
    return randomHex(16);
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
