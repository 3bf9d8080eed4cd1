package io.profileexport.jobs.cli;

import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.lake.BatchIngest;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.InputFiles;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code batches ingest | list | files}: Catalog batches and Data Access batch files (SPEC 1, 5.1). */
@Command(name = "batches", description = "Ingest and read batches.",
    subcommands = {BatchesCommand.Ingest.class, BatchesCommand.ListAll.class, BatchesCommand.Files.class,
        BatchesCommand.Head.class})
final class BatchesCommand extends GroupCommand {

  @Command(name = "ingest", description = "Store JSON lines, Parquet or CSV files as one new Parquet batch.")
  static final class Ingest extends LakeCommand {
    @Option(names = "--dataset", required = true, paramLabel = "ID", description = "The dataset to ingest into")
    String datasetId;

    @Option(names = "--format", paramLabel = "FORMAT",
        description = "json, parquet or csv; default: from each file's extension")
    String format;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Files to ingest (paths or URIs)")
    List<String> files = new ArrayList<>();

    @Override
    Outcome run(CliContext ctx) {
      Optional<InputFiles.Format> forced = Optional.ofNullable(format).map(f -> InputFiles.Format.ofName(f)
          .orElseThrow(() -> ExportErrors.badRequest("--format", f, "unknown format; expected json, parquet or csv")));
      // Checked before Spark starts, so a typo costs no session start.
      ctx.catalog().requireDataset(datasetId, "--dataset");
      BatchIngest ingest = new BatchIngest(ctx.spark(), ctx.catalog(), ctx.clock());
      BatchRecord batch = ingest.ingest(datasetId, files, forced);
      return Outcome.ok(Map.of(batch.id(), batch));
    }
  }

  @Command(name = "list", description = "The batches of a dataset, as an object keyed by batch id.")
  static final class ListAll extends LakeCommand {
    @Option(names = "--dataset", required = true, paramLabel = "ID", description = "The dataset")
    String datasetId;

    @Override
    Outcome run(CliContext ctx) {
      Catalog catalog = ctx.catalog();
      catalog.requireDataset(datasetId, "--dataset");
      Map<String, BatchRecord> byId = new LinkedHashMap<>();
      for (BatchRecord b : catalog.batches(datasetId)) {
        byId.put(b.id(), b);
      }
      return Outcome.ok(byId);
    }
  }

  @Command(name = "files", description = "The files of a visible batch, as Data Access lists them.")
  static final class Files extends LakeCommand {
    @Parameters(paramLabel = "BATCH_ID", description = "The batch id")
    String batchId;

    @Override
    Outcome run(CliContext ctx) {
      Map.Entry<String, BatchRecord> found = ctx.catalog().findBatch(batchId)
          .filter(e -> e.getValue().isVisible())
          .orElseThrow(() -> ExportErrors.notFound("BATCH_ID", "visible batch", batchId));
      return Outcome.ok(BatchFilesDocument.of(found.getKey(), found.getValue()));
    }
  }

  @Command(name = "head", description = "The first rows of a visible batch, read through its manifest:"
      + " {batchId, dataSetId, schema, rows}.")
  static final class Head extends LakeCommand {
    @Parameters(paramLabel = "BATCH_ID", description = "The batch id")
    String batchId;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "10", description = "Rows to show (default 10)")
    int limit;

    @Override
    Outcome run(CliContext ctx) throws Exception {
      if (limit < 0) {
        throw ExportErrors.badRequest("--limit", limit, "must not be negative");
      }
      Map.Entry<String, BatchRecord> found = ctx.catalog().findBatch(batchId)
          .filter(e -> e.getValue().isVisible())
          .orElseThrow(() -> ExportErrors.notFound("BATCH_ID", "visible batch", batchId));
      String datasetId = found.getKey();
      BatchRecord batch = found.getValue();
      List<String> files = new ArrayList<>();
      batch.files().forEach(f -> files.add(new org.apache.hadoop.fs.Path(ctx.catalog().layout().batch(datasetId,
          batchId), f.name()).toString()));
      List<Object> rows = new ArrayList<>();
      if (!files.isEmpty() && limit > 0) {
        for (String json : ctx.spark().read().schema(batch.sparkSchema()).parquet(files.toArray(new String[0]))
            .limit(limit).toJSON().collectAsList()) {
          rows.add(Json.MAPPER.readTree(json));
        }
      }
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("batchId", batchId);
      document.put("dataSetId", datasetId);
      document.put("recordCount", batch.recordCount());
      document.put("schema", batch.sparkSchema().simpleString());
      document.put("rows", rows);
      return Outcome.ok(document);
    }
  }
}
