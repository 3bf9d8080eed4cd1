package io.profileexport.engine.write;

import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.BatchRecord;
import java.util.List;

/** The commit markers of a job's batches. */
public final class BatchMarkers {
  private BatchMarkers() {}

  /**
   * After a job fails, its markers already written are rewritten with status {@code failed}, so no batch of a
   * failed run stays visible (SPEC 3.11). Returns how many were rewritten.
   */
  public static int markFailed(Catalog catalog, String datasetId, List<String> batchIds) {
    int rewritten = 0;
    for (String batchId : batchIds) {
      var marker = catalog.batch(datasetId, batchId);
      if (marker.isPresent() && marker.get().isVisible()) {
        catalog.writeBatchRecord(datasetId, marker.get().withStatus(BatchRecord.FAILED));
        rewritten++;
      }
    }
    return rewritten;
  }
}
