package io.profileexport.jobs.cli;

import io.profileexport.engine.error.ExportErrors;
import io.profileexport.jobs.SparkSessions;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code profile-export}: the root command, holding the global options every subcommand inherits (SPEC 5.1).
 * Inherited options are bound here whichever subcommand they are written after.
 */
@Command(name = "profile-export", mixinStandardHelpOptions = true, version = "profile-export 0.1.0",
    description = "Customer-profile exports on a data lake with Apache Spark.",
    subcommands = {DatasetsCommand.class, BatchesCommand.class, MergePoliciesCommand.class, JobsCommand.class,
        GenerateCommand.class})
public final class ProfileExportCommand implements Callable<Integer> {
  public static final String DEFAULT_IMS_ORG = "local@AdobeOrg";

  @Spec
  CommandSpec spec;

  @Option(names = "--lake", scope = ScopeType.INHERIT, paramLabel = "URI", defaultValue = "./lake",
      description = "The lake: a path or a URI (file:, hdfs:, s3a:, abfs:). Default: ${DEFAULT-VALUE}")
  String lake;

  @Option(names = "--ims-org", scope = ScopeType.INHERIT, paramLabel = "ORG",
      description = "Organization recorded on new job records. Default: " + DEFAULT_IMS_ORG)
  String imsOrg;

  @Option(names = "--master", scope = ScopeType.INHERIT, paramLabel = "MASTER",
      description = "Spark master; default: spark-submit's, else local[*]")
  String master;

  @Option(names = "--conf", scope = ScopeType.INHERIT, paramLabel = "KEY=VALUE",
      description = "A Spark conf entry, repeatable (spark.profileExport.NAME=V sets a lake setting)")
  Map<String, String> confs = new LinkedHashMap<>();

  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors on stderr")
  boolean verbose;

  private CliContext context;

  void attach(CliContext context) {
    this.context = context;
  }

  CliContext context() {
    return context;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(context.err());
    return 2;
  }

  public String lake() {
    return lake;
  }

  public Optional<String> imsOrg() {
    return Optional.ofNullable(imsOrg);
  }

  public Optional<String> master() {
    return Optional.ofNullable(master);
  }

  public Map<String, String> confs() {
    return confs == null ? Map.of() : confs;
  }

  public boolean verbose() {
    return verbose;
  }

  /** With a non-local master the lake must be an absolute URI (SPEC, introduction): executors resolve it too. */
  void requireAbsoluteLakeForCluster() {
    String effective = SparkSessions.effectiveMaster(master(), confs());
    if (effective.startsWith("local")) {
      return;
    }
    URI uri;
    try {
      uri = new URI(lake);
    } catch (Exception e) {
      uri = null;
    }
    if (uri == null || uri.getScheme() == null || !uri.isAbsolute()) {
      throw ExportErrors.badRequest("--lake", lake, "with the non-local master " + effective
          + " the lake must be an absolute URI such as hdfs://namenode/lake or file:/shared/lake");
    }
  }
}
