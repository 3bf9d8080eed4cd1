package io.profileexport.engine.lake;

import org.apache.hadoop.fs.Path;

/** Where everything lives in a lake (SPEC 1). Ids reaching here have been checked by {@link Ids}. */
public final class LakeLayout {
  public static final String DATASET_RECORD = "_dataset.json";
  public static final String BATCH_RECORD = "_batch.json";

  private final Path root;

  public LakeLayout(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public Path settings() {
    return new Path(root, "_lake.json");
  }

  public Path datasets() {
    return new Path(root, "datasets");
  }

  public Path dataset(String datasetId) {
    return new Path(datasets(), Ids.requireDataset(datasetId));
  }

  public Path datasetRecord(String datasetId) {
    return new Path(dataset(datasetId), DATASET_RECORD);
  }

  public Path batches(String datasetId) {
    return new Path(dataset(datasetId), "batches");
  }

  public Path batch(String datasetId, String batchId) {
    return new Path(batches(datasetId), Ids.requireBatch(batchId));
  }

  public Path batchRecord(String datasetId, String batchId) {
    return new Path(batch(datasetId, batchId), BATCH_RECORD);
  }

  public Path deltaTable(String datasetId) {
    return new Path(dataset(datasetId), "table");
  }

  public Path mergePolicies() {
    return new Path(root, "mergePolicies");
  }

  public Path mergePolicy(String policyId) {
    return new Path(mergePolicies(), Ids.requirePolicy(policyId) + ".json");
  }

  public Path jobs() {
    return new Path(root, "jobs");
  }

  public Path jobRecord(long jobId) {
    return new Path(jobs(), jobId + ".json");
  }

  public Path jobLease(long jobId) {
    return new Path(jobs(), jobId + ".lease");
  }

  /** One exclusively created marker per lease epoch: who won a takeover is decided here (docs/architecture.md). */
  public Path jobLeaseClaims(long jobId) {
    return new Path(new Path(jobs(), "_claims"), String.valueOf(jobId));
  }

  public Path jobCancelRequest(long jobId) {
    return new Path(jobs(), jobId + ".cancel");
  }

  public Path staging() {
    return new Path(root, "_staging");
  }

  public Path jobStaging(long jobId) {
    return new Path(staging(), String.valueOf(jobId));
  }

  /** One run's staging, apart from another driver's run of the same job. */
  public Path runStaging(long jobId, long epoch) {
    return new Path(jobStaging(jobId), "run-" + epoch);
  }

  public Path ingestStaging(String batchId) {
    return new Path(staging(), "ingest-" + Ids.requireBatch(batchId));
  }
}
