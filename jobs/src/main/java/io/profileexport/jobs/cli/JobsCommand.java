package io.profileexport.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.model.Documents;
import io.profileexport.engine.model.JobRecord;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.jobs.run.JobRunner;
import io.profileexport.jobs.store.ExportJobs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobs create | list | get | cancel}: the export-jobs API (SPEC 4, 5.1). */
@Command(name = "jobs", description = "Create, read and cancel export jobs.",
    subcommands = {JobsCommand.Create.class, JobsCommand.ListAll.class, JobsCommand.Get.class,
        JobsCommand.Cancel.class, JobsCommand.Run.class})
final class JobsCommand extends GroupCommand {

  static ExportJobs jobs(CliContext ctx) {
    return new ExportJobs(ctx.catalog(), ctx.settings(), ctx.clock());
  }

  @Command(name = "create", description = "Validate a request and record a NEW job; prints the job record.")
  static final class Create extends LakeCommand {
    @Option(names = "--file", required = true, paramLabel = "FILE", description = "The request ('-' for stdin)")
    String file;

    @Option(names = "--run", description = "Run the job in this process and print its final record")
    boolean run;

    @Option(names = "--wait", description = "Poll the record until the job is terminal and print it")
    boolean waitForIt;

    @Override
    Outcome run(CliContext ctx) throws InterruptedException {
      JsonNode request = Documents.readFile(file, ctx.settings().get(LakeSettings.MAX_REQUEST_BYTES), System.in);
      JobRecord record = jobs(ctx).create(request, ctx.imsOrg().orElse(ProfileExportCommand.DEFAULT_IMS_ORG));
      if (run) {
        return finalOutcome(runJob(ctx, String.valueOf(record.id())));
      }
      if (waitForIt) {
        return finalOutcome(waitUntilTerminal(ctx, record.id()));
      }
      return Outcome.ok(record.json());
    }
  }

  @Command(name = "run", description = "Run a job in this process (NEW, or again after FAILED, CANCELLED, SUCCEEDED"
      + " or a lost driver); prints its final record. Exit 0 SUCCEEDED, 4 FAILED, 5 CANCELLED, 6 running elsewhere.")
  static final class Run extends LakeCommand {
    @Parameters(paramLabel = "ID", description = "The job id")
    String id;

    @Override
    Outcome run(CliContext ctx) {
      return finalOutcome(runJob(ctx, id));
    }
  }

  static JobRecord runJob(CliContext ctx, String id) {
    // The id is checked before a session starts, so a typo costs no Spark start.
    jobs(ctx).store().require(id, "ID");
    return new JobRunner(ctx::spark, ctx.catalog(), ctx.settings(), ctx.clock()).run(id);
  }

  static JobRecord waitUntilTerminal(CliContext ctx, long id) throws InterruptedException {
    ExportJobs jobs = jobs(ctx);
    long poll = Math.min(1000, ctx.settings().get(LakeSettings.CANCEL_POLL_MS));
    while (true) {
      JobRecord record = jobs.get(String.valueOf(id));
      if (record.status().isTerminal()) {
        return record;
      }
      Thread.sleep(poll);
    }
  }

  static LakeCommand.Outcome finalOutcome(JobRecord record) {
    return new LakeCommand.Outcome(record.json(), JobRunner.exitCodeOf(record));
  }

  @Command(name = "list", description = "Job records, newest first: {records, page, link}.")
  static final class ListAll extends LakeCommand {
    @Option(names = "--limit", paramLabel = "N", description = "Records per page, 1 to 1000 (default 50)")
    Integer limit;

    @Option(names = "--offset", paramLabel = "O",
        description = "A cursor {creationTimeMs}_{id} from page.pageOffset, or a number of records to skip")
    String offset;

    @Option(names = "--status", paramLabel = "S", description = "NEW, PROCESSING, SUCCEEDED, FAILED or CANCELLED")
    String status;

    @Override
    Outcome run(CliContext ctx) {
      return Outcome.ok(jobs(ctx).list(limit, offset, status));
    }
  }

  @Command(name = "get", description = "One job record.")
  static final class Get extends LakeCommand {
    @Parameters(paramLabel = "ID", description = "The job id")
    String id;

    @Override
    Outcome run(CliContext ctx) {
      return Outcome.ok(jobs(ctx).get(id).json());
    }
  }

  @Command(name = "cancel", description = "Cancel a NEW job, or ask a PROCESSING job's driver to; {status, message}.")
  static final class Cancel extends LakeCommand {
    @Parameters(paramLabel = "ID", description = "The job id")
    String id;

    @Override
    Outcome run(CliContext ctx) {
      return Outcome.ok(jobs(ctx).cancel(id));
    }
  }
}
