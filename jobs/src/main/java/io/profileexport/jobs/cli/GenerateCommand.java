package io.profileexport.jobs.cli;

import io.profileexport.jobs.generate.LakeGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code generate}: a synthetic lake for benchmarks and trials, deterministic for a seed. */
@Command(name = "generate", description = "Write a synthetic lake (profile datasets, events, policies, destination)"
    + " into an empty --lake; prints a summary.")
final class GenerateCommand extends LakeCommand {
  @Option(names = "--profiles", required = true, paramLabel = "N", description = "People to generate")
  long profiles;

  @Option(names = "--datasets", paramLabel = "K", defaultValue = "" + LakeGenerator.Options.DEFAULT_DATASETS,
      description = "Profile datasets, 1 to 9 (default ${DEFAULT-VALUE})")
  int datasets;

  @Option(names = "--events-per-profile", paramLabel = "E",
      defaultValue = "" + LakeGenerator.Options.DEFAULT_EVENTS_PER_PROFILE,
      description = "Average events per person, 0 for none (default ${DEFAULT-VALUE})")
  int eventsPerProfile;

  @Option(names = "--segments", paramLabel = "S", defaultValue = "" + LakeGenerator.Options.DEFAULT_SEGMENTS,
      description = "Distinct segment ids, at least 2 (default ${DEFAULT-VALUE})")
  int segments;

  @Option(names = "--seed", paramLabel = "X", defaultValue = "" + LakeGenerator.Options.DEFAULT_SEED,
      description = "Seed: the same seed gives the same lake (default ${DEFAULT-VALUE})")
  long seed;

  @Override
  Outcome run(CliContext ctx) {
    // Checked before Spark starts: a lake that is not empty costs no session start.
    ctx.catalog();
    LakeGenerator.Options options = new LakeGenerator.Options(profiles, datasets, eventsPerProfile, segments, seed);
    return Outcome.ok(new LakeGenerator(ctx.spark(), ctx.catalog(), ctx.clock()).generate(options));
  }
}
