package io.profileexport.jobs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A leaf subcommand: computes one JSON document for stdout and an exit code. Errors are thrown as exceptions and
 * worded by {@link ProfileExportMain}, so every command fails the same way.
 */
abstract class LakeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  /** The document printed on stdout and the exit code. */
  record Outcome(Object document, int exitCode) {
    static Outcome ok(Object document) {
      return new Outcome(document, 0);
    }
  }

  abstract Outcome run(CliContext ctx) throws Exception;

  @Override
  public final Integer call() throws Exception {
    CliContext ctx = ((ProfileExportCommand) spec.root().userObject()).context();
    Outcome outcome = run(ctx);
    ctx.out().println(io.profileexport.engine.model.Json.pretty(outcome.document()));
    ctx.out().flush();
    return outcome.exitCode();
  }
}
