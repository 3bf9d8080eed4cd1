package io.profileexport.engine.lake;

import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.merge.Conformance;
import io.profileexport.engine.merge.UnionSchema;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.BatchRecord.FileEntry;
import io.profileexport.engine.model.DatasetClass;
import io.profileexport.engine.model.DatasetRecord;
import io.profileexport.engine.write.DataFiles;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code batches ingest}: files of one format or several become one new Parquet batch of an input dataset
 * (SPEC 1). The batch must be union-compatible with the dataset's recorded schema, which it then widens. Order of
 * effects: data files staged, moved into the batch folder, dataset schema widened, and the {@code _batch.json} marker
 * written last; a failure before the marker removes the folder, so no batch is ever half visible.
 */
public final class BatchIngest {
  private final SparkSession spark;
  private final Catalog catalog;
  private final Clock clock;

  public BatchIngest(SparkSession spark, Catalog catalog, Clock clock) {
    this.spark = spark;
    this.catalog = catalog;
    this.clock = clock;
  }

  /**
   * @param files paths or URIs of the input files
   * @param format forced format, or empty to take each file's from its extension
   */
  public BatchRecord ingest(String datasetId, List<String> files, Optional<InputFiles.Format> format) {
    DatasetRecord dataset = requireIngestible(datasetId);
    if (files.isEmpty()) {
      throw ExportErrors.badRequest("FILE", null, "name at least one file to ingest");
    }
    List<String> qualified = new ArrayList<>();
    List<InputFiles.Format> formats = new ArrayList<>();
    for (String file : files) {
      qualified.add(requireFile(file));
      InputFiles.Format f = format.or(() -> InputFiles.Format.ofFileName(file)).orElseThrow(() ->
          ExportErrors.badRequest("file", file, "unknown file format: name it .json, .jsonl, .parquet or .csv, or"
              + " pass --format"));
      formats.add(f);
    }
    return withTag(datasetId, () -> {
      List<Dataset<Row>> frames = new ArrayList<>();
      List<UnionSchema.Source> sources = new ArrayList<>();
      for (int i = 0; i < files.size(); i++) {
        Dataset<Row> frame = InputFiles.read(spark, qualified.get(i), formats.get(i), files.get(i));
        frames.add(frame);
        sources.add(new UnionSchema.Source("file " + files.get(i), frame.schema()));
      }
      return commit(dataset, frames, sources, files.size() == 1 ? "file " + files.get(0) : "the ingested files",
          String.join(", ", files));
    });
  }

  /**
   * A frame made by a program (the lake generator) stored as one new batch, through the same checks and commit as
   * files: namespace maps typed, union-compatibility, staging, marker last.
   */
  public BatchRecord ingestFrame(String datasetId, Dataset<Row> frame, String sourceName) {
    DatasetRecord dataset = requireIngestible(datasetId);
    return withTag(datasetId, () -> {
      Dataset<Row> normalized = InputFiles.normalized(frame, sourceName);
      return commit(dataset, List.of(normalized), List.of(new UnionSchema.Source(sourceName, normalized.schema())),
          sourceName, sourceName);
    });
  }

  private DatasetRecord requireIngestible(String datasetId) {
    DatasetRecord dataset = catalog.requireDataset(datasetId, "--dataset");
    if (dataset.datasetClass() == DatasetClass.PROFILE_UNION) {
      throw ExportErrors.badRequest("--dataset", datasetId, "an export destination receives batches from export"
          + " jobs only; ingest into a profile or experience event dataset");
    }
    if (dataset.isExternal()) {
      throw ExportErrors.badRequest("--dataset", datasetId, "the dataset reads external data at "
          + dataset.location() + "; it has no batches to ingest into");
    }
    return dataset;
  }

  private BatchRecord withTag(String datasetId, java.util.function.Supplier<BatchRecord> work) {
    String tag = "profile-export-ingest-" + datasetId;
    spark.sparkContext().addJobTag(tag);
    spark.sparkContext().setJobDescription("ingest into dataset " + datasetId);
    try {
      return work.get();
    } finally {
      spark.sparkContext().removeJobTag(tag);
      spark.sparkContext().setJobDescription(null);
    }
  }

  /** Staged write, files moved in, recorded schema widened, and the marker written last. */
  private BatchRecord commit(DatasetRecord dataset, List<Dataset<Row>> frames, List<UnionSchema.Source> sources,
      String sourceName, String shownInputs) {
    String datasetId = dataset.id();
    long started = clock.millis();
    String batchId = Ids.newBatchId();
    Path staging = catalog.layout().ingestStaging(batchId);
    Path batchDir = catalog.layout().batch(datasetId, batchId);
    boolean committed = false;
    try {
      StructType batchSchema = UnionSchema.union(sources);
      StructType recorded = dataset.sparkSchema().orElse(new StructType());
      StructType widened = UnionSchema.union(List.of(
          new UnionSchema.Source("dataset " + datasetId + " (its recorded schema)", recorded),
          new UnionSchema.Source(sourceName, withoutSystemColumns(batchSchema))));
      Dataset<Row> all = null;
      for (Dataset<Row> frame : frames) {
        Dataset<Row> conformed = Conformance.conform(frame, batchSchema);
        all = all == null ? conformed : all.unionByName(conformed);
      }
      try {
        all.write().mode(SaveMode.ErrorIfExists).parquet(staging.toString());
      } catch (Exception e) {  // Scala code throws checked SparkExceptions undeclared
        throw ExportErrors.unreadableInput(shownInputs, ExportErrors.rootMessage(e), e);
      }
      List<FileEntry> entries = DataFiles.moveInto(catalog.files(), staging, batchDir, /* parquet */ true);
      long now = clock.millis();
      catalog.saveDataset(dataset.withSchema(widened, now));
      BatchRecord record = new BatchRecord(batchId, BatchRecord.SUCCESS, started, started, now,
          entries.stream().mapToLong(FileEntry::records).sum(), entries.stream().mapToLong(FileEntry::size).sum(),
          entries, DatasetRecord.schemaJson(batchSchema),
          List.of(new BatchRecord.RelatedObject("dataSet", datasetId)), null);
      catalog.writeBatchRecord(datasetId, record);
      committed = true;
      return record;
    } finally {
      if (!committed) {
        catalog.files().delete(batchDir);
      }
      catalog.files().delete(staging);
    }
  }

  private String requireFile(String file) {
    try {
      Path path = new Path(file);
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      Path qualified = fs.makeQualified(path);
      if (!fs.exists(qualified)) {
        throw ExportErrors.missingFile(file);
      }
      if (fs.getFileStatus(qualified).isDirectory()) {
        throw ExportErrors.badRequest("file", file, "is a folder; name the files to ingest");
      }
      return qualified.toString();
    } catch (IOException e) {
      throw ExportErrors.unreadableInput(file, ExportErrors.rootMessage(e), e);
    } catch (IllegalArgumentException e) {
      throw ExportErrors.badRequest("file", file, "not a valid path: " + e.getMessage());
    }
  }

  /** A dataset's recorded schema leaves out the system column: it is never part of the union schema. */
  static StructType withoutSystemColumns(StructType schema) {
    return new StructType(java.util.Arrays.stream(schema.fields())
        .filter(f -> !f.name().equals(InputFiles.SYSTEM_METADATA))
        .toArray(StructField[]::new));
  }
}
