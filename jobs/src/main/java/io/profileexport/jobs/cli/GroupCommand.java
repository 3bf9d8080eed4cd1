package io.profileexport.jobs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands: run bare, it prints its usage on stderr and exits 2. */
abstract class GroupCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    CliContext ctx = ((ProfileExportCommand) spec.root().userObject()).context();
    spec.commandLine().usage(ctx.err());
    return 2;
  }
}
