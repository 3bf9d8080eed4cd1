package io.profileexport.engine.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of a test JVM (ARCHITECTURE.md rule 7), made by spark-testing-base so its DataFrame
 * assertions work on it, with the fast local settings of STACK.md. It is never stopped between test classes: a
 * restart costs seconds per class. Used by composition, since spark-testing-base's bases are JUnit 4.
 */
public final class SharedSpark extends JavaDataFrameSuiteBase {
  private static SharedSpark instance;

  private SharedSpark() {}

  public static synchronized SharedSpark get() {
    if (instance == null) {
      SharedSpark created = new SharedSpark();
      created.runBefore();
      instance = created;
    }
    return instance;
  }

  public static SparkSession session() {
    return get().spark();
  }

  @Override
  public SparkConf conf() {
    return new SparkConf()
        .setMaster("local[2]")
        .setAppName("profile-export-tests")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.sql.shuffle.partitions", "2")
        .set("spark.default.parallelism", "2")
        .set("spark.sql.session.timeZone", "UTC")
        .set("spark.sql.caseSensitive", "true")
        // Generated code that does not compile fails the test, instead of running interpreted with a line in the
        // log (a non-public class called through Invoke did so once).
        .set("spark.sql.codegen.fallback", "false")
        .set("spark.databricks.delta.snapshotPartitions", "2")
        // As the entry points set it, so every test writes through it.
        .set(io.profileexport.engine.lake.PosixLocalFileSystem.SPARK_CONF,
            io.profileexport.engine.lake.PosixLocalFileSystem.class.getName())
        .set("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .set("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
  }

  @Override
  public boolean enableHiveSupport() {
    return false;
  }
}
