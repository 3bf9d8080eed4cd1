package io.profileexport.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.ExternalDatasets;
import io.profileexport.engine.lake.Ids;
import io.profileexport.engine.model.DatasetCreateRequest;
import io.profileexport.engine.model.DatasetRecord;
import io.profileexport.engine.model.Documents;
import io.profileexport.engine.settings.LakeSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code datasets create | list | get}: the Catalog's {@code /dataSets} (SPEC 1, 5.1). */
@Command(name = "datasets", description = "Create and read Catalog datasets.",
    subcommands = {DatasetsCommand.Create.class, DatasetsCommand.ListAll.class, DatasetsCommand.Get.class})
final class DatasetsCommand extends GroupCommand {

  @Command(name = "create", description = "Create a dataset from a Catalog create body; prints [\"@/dataSets/ID\"].")
  static final class Create extends LakeCommand {
    @Option(names = "--file", required = true, paramLabel = "FILE", description = "The JSON body ('-' for stdin)")
    String file;

    @Override
    Outcome run(CliContext ctx) {
      JsonNode body = Documents.readFile(file, ctx.settings().get(LakeSettings.MAX_REQUEST_BYTES), System.in);
      DatasetCreateRequest request = DatasetCreateRequest.parse(body);
      String id = request.id().orElseGet(Ids::newDatasetId);
      if (ctx.catalog().dataset(id).isPresent()) {
        throw alreadyExists(id);
      }
      String location = null;
      JsonNode schema = null;
      if (request.location() != null) {
        // Only an external dataset needs Spark at creation: its schema is read from the data.
        SparkSession spark = ctx.spark();
        location = ExternalDatasets.qualifiedLocation(spark, request.location());
        schema = DatasetRecord.schemaJson(ExternalDatasets.recordedSchema(
            ExternalDatasets.readSchema(spark, location, request)));
      }
      Catalog catalog = ctx.catalog();
      if (!catalog.createDataset(request.toRecord(id, ctx.clock().millis(), location, schema))) {
        throw alreadyExists(id);
      }
      return Outcome.ok(List.of("@/dataSets/" + id));
    }

    private static RuntimeException alreadyExists(String id) {
      return ExportErrors.badRequest("$.id", id, "a dataset with this id already exists");
    }
  }

  @Command(name = "list", description = "Every dataset, as an object keyed by id.")
  static final class ListAll extends LakeCommand {
    @Override
    Outcome run(CliContext ctx) {
      Map<String, DatasetRecord> byId = new LinkedHashMap<>();
      for (DatasetRecord d : ctx.catalog().datasets()) {
        byId.put(d.id(), d);
      }
      return Outcome.ok(byId);
    }
  }

  @Command(name = "get", description = "One dataset, as an object keyed by its id.")
  static final class Get extends LakeCommand {
    @Parameters(paramLabel = "ID", description = "The dataset id")
    String id;

    @Override
    Outcome run(CliContext ctx) {
      DatasetRecord d = ctx.catalog().requireDataset(id, "ID");
      return Outcome.ok(Map.of(d.id(), d));
    }
  }
}
