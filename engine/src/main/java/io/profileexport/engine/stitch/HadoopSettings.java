package io.profileexport.engine.stitch;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * The session's Hadoop settings, carried to the tasks that read or write the run's staged files themselves (the
 * lookup, the records' smallest ids) rather than through a Spark read: {@code Configuration} is not serializable.
 */
final class HadoopSettings implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Map<String, String> settings;

  private HadoopSettings(Map<String, String> settings) {
    this.settings = settings;
  }

  static HadoopSettings of(SparkSession spark) {
    Map<String, String> settings = new HashMap<>();
    for (Map.Entry<String, String> e : spark.sparkContext().hadoopConfiguration()) {
      settings.put(e.getKey(), e.getValue());
    }
    return new HadoopSettings(settings);
  }

  /** A configuration of these settings alone (no defaults loaded from the classpath). */
  Configuration configuration() {
    Configuration conf = new Configuration(false);
    settings.forEach(conf::set);
    return conf;
  }
}
