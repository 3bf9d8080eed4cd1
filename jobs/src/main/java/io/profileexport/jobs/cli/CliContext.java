package io.profileexport.jobs.cli;

import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.LakeFileSystem;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.jobs.SparkSessions;
import java.io.PrintStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * What a command needs from its entry point: the global options, the output streams, and a SparkSession made only
 * when a command asks for one, so catalog reads, {@code jobs get}, {@code jobs list} and validation start no Spark.
 */
public final class CliContext {
  /** Builds the session from the global options; tests hand in their shared session instead. */
  public interface SessionFactory extends Function<CliContext, SparkSession> {}

  private final ProfileExportCommand global;
  private final PrintStream out;
  private final PrintStream err;
  private final SessionFactory sessionFactory;
  private final Clock clock;
  private SparkSession spark;
  private Catalog catalog;
  private LakeSettings settings;

  public CliContext(ProfileExportCommand global, PrintStream out, PrintStream err, SessionFactory sessionFactory,
      Clock clock) {
    this.global = global;
    this.out = out;
    this.err = err;
    this.sessionFactory = sessionFactory;
    this.clock = clock;
  }

  public static SessionFactory defaultSessions() {
    return ctx -> SparkSessions.create(ctx.global().master(), ctx.global().confs());
  }

  public ProfileExportCommand global() {
    return global;
  }

  public PrintStream out() {
    return out;
  }

  public PrintStream err() {
    return err;
  }

  public Clock clock() {
    return clock;
  }

  public boolean hasSpark() {
    return spark != null;
  }

  public SparkSession spark() {
    if (spark == null) {
      global.requireAbsoluteLakeForCluster();
      spark = sessionFactory.apply(this);
      catalog = null;
    }
    return spark;
  }

  /** The lake; opened with Spark's Hadoop configuration when a session exists, else a plain one. */
  public Catalog catalog() {
    if (catalog == null) {
      Configuration conf = spark != null ? spark.sparkContext().hadoopConfiguration() : hadoopConfWithoutSpark();
      Catalog opened = new Catalog(LakeFileSystem.open(global.lake(), conf));
      // Settings are checked on every command, so a mistyped --conf or _lake.json never goes unnoticed.
      settings = opened.settings(sparkConf());
      catalog = opened;
    }
    return catalog;
  }

  /** Spark conf entries in effect: the session's, or before one exists, spark-submit's and --conf. */
  public Map<String, String> sparkConf() {
    if (spark != null) {
      return new LinkedHashMap<>(scala.collection.JavaConverters.mapAsJavaMap(spark.conf().getAll()));
    }
    return SparkSessions.confBeforeSession(global.confs());
  }

  public LakeSettings settings() {
    catalog();
    return settings;
  }

  public Optional<String> imsOrg() {
    return global.imsOrg();
  }

  private Configuration hadoopConfWithoutSpark() {
    Configuration conf = new Configuration();
    sparkConf().forEach((k, v) -> {
      if (k.startsWith("spark.hadoop.")) {
        conf.set(k.substring("spark.hadoop.".length()), v);
      }
    });
    return conf;
  }
}
