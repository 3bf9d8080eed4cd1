package io.profileexport.jobs;

import io.profileexport.engine.lake.PosixLocalFileSystem;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the SparkSession of an entry point. spark-submit's settings arrive as {@code spark.*} system properties and
 * win over our defaults; {@code --master} and {@code --conf} given to the CLI win over both.
 */
public final class SparkSessions {
  public static final String DEFAULT_MASTER = "local[*]";

  /** Settings the engine relies on; a user may not turn them off. */
  private static final Map<String, String> REQUIRED = Map.of(
      // Field names are case-sensitive in the union schema (SPEC 1).
      "spark.sql.caseSensitive", "true");

  /** Defaults a user may override with --conf or spark-submit. */
  private static final Map<String, String> DEFAULTS = Map.of(
      "spark.sql.session.timeZone", "UTC",
      "spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension",
      "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog",
      "spark.ui.showConsoleProgress", "false",
      // Hadoop's local file system forks a chmod for each folder and file it makes (PosixLocalFileSystem).
      PosixLocalFileSystem.SPARK_CONF, PosixLocalFileSystem.class.getName());

  private SparkSessions() {}

  /** The master that will be used: --master, else spark-submit's spark.master, else local[*]. */
  public static String effectiveMaster(Optional<String> cliMaster, Map<String, String> confs) {
    return cliMaster.orElseGet(() -> Optional.ofNullable(confs.get("spark.master"))
        .orElseGet(() -> new SparkConf().get("spark.master", DEFAULT_MASTER)));
  }

  /** Every Spark conf entry in effect before a session exists: spark-submit's system properties, then --conf. */
  public static Map<String, String> confBeforeSession(Map<String, String> cliConfs) {
    Map<String, String> all = new LinkedHashMap<>();
    for (scala.Tuple2<String, String> entry : new SparkConf().getAll()) {
      all.put(entry._1(), entry._2());
    }
    all.putAll(cliConfs);
    return all;
  }

  public static SparkSession create(Optional<String> cliMaster, Map<String, String> cliConfs) {
    Map<String, String> before = confBeforeSession(cliConfs);
    String master = effectiveMaster(cliMaster, cliConfs);
    SparkSession.Builder builder = SparkSession.builder().appName("profile-export").master(master);
    DEFAULTS.forEach((k, v) -> {
      if (!before.containsKey(k)) {
        builder.config(k, v);
      }
    });
    if (master.startsWith("local")) {
      // Spark's default of 200 shuffle partitions costs more than the work on one machine (each map task writes
      // 200 blocks per shuffle): measured 3x slower identity stitching at 100k profiles than with 8.
      if (!before.containsKey("spark.sql.shuffle.partitions")) {
        builder.config("spark.sql.shuffle.partitions", String.valueOf(Math.max(8,
            4 * Runtime.getRuntime().availableProcessors())));
      }
      // A laptop or a sandbox may have no resolvable host name; local mode needs only loopback.
      if (!before.containsKey("spark.driver.host")) {
        builder.config("spark.driver.host", "127.0.0.1");
      }
      if (!before.containsKey("spark.driver.bindAddress")) {
        builder.config("spark.driver.bindAddress", "127.0.0.1");
      }
    }
    cliConfs.forEach(builder::config);
    REQUIRED.forEach(builder::config);
    return builder.getOrCreate();
  }
}
