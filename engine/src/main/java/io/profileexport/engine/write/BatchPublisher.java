package io.profileexport.engine.write;

import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.BatchRecord.FileEntry;
import io.profileexport.engine.model.DatasetRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.types.StructType;

/**
 * Publishes a job's staged Parquet batches into the destination (SPEC 3.11): each batch's earlier marker and folder
 * are removed, its staged files moved into {@code batches/<batchId>/}, and only when every batch folder of the job is
 * in place are the {@code _batch.json} markers written. The caller's check runs before the moves and again before the
 * markers, so a driver that lost its lease never publishes over its successor.
 */
public final class BatchPublisher {
  /** A batch written to staging, and the effective segment of a per-segment batch (or null). */
  public record StagedBatch(String batchId, Path stagedDir, BatchRecord.SegmentRef segment) {}

  private final Catalog catalog;
  private final Clock clock;

  public BatchPublisher(Catalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  /**
   * @param beforeMarkers runs after every folder is in place and before the first marker is written
   * @return the markers written, in batch order
   */
  public List<BatchRecord> publish(DatasetRecord destination, long jobId, List<StagedBatch> batches,
      StructType schema, long created, long started, Runnable beforeMarkers) {
    List<List<FileEntry>> files = new ArrayList<>();
    for (StagedBatch batch : batches) {
      // The old marker goes first: from here the batch is invisible until its new marker is written.
      catalog.files().delete(catalog.layout().batchRecord(destination.id(), batch.batchId()));
      files.add(DataFiles.moveInto(catalog.files(), batch.stagedDir(),
          catalog.layout().batch(destination.id(), batch.batchId()), /* parquet */ true));
    }
    beforeMarkers.run();
    List<BatchRecord> markers = new ArrayList<>();
    for (int i = 0; i < batches.size(); i++) {
      List<FileEntry> entries = files.get(i);
      BatchRecord marker = new BatchRecord(batches.get(i).batchId(), BatchRecord.SUCCESS, created, started,
          clock.millis(), entries.stream().mapToLong(FileEntry::records).sum(),
          entries.stream().mapToLong(FileEntry::size).sum(), entries, DatasetRecord.schemaJson(schema),
          List.of(new BatchRecord.RelatedObject("dataSet", destination.id()),
              new BatchRecord.RelatedObject("exportJob", String.valueOf(jobId))),
          batches.get(i).segment());
      catalog.writeBatchRecord(destination.id(), marker);
      markers.add(marker);
    }
    return markers;
  }
}
