package io.profileexport.engine.lake;

import io.profileexport.engine.stitch.ConnectedComponents;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Materializes stitching rounds as Parquet under the run's own staging folder ({@code _staging/<jobId>/run-<epoch>/
 * stitch/}), not in the SparkContext-wide checkpoint directory that concurrent jobs of a service would share. The
 * folder goes with the run's staging when the job ends.
 */
public final class StagedRounds implements ConnectedComponents.RoundStore {
  private final SparkSession spark;
  private final Path folder;

  public StagedRounds(SparkSession spark, Path folder) {
    this.spark = spark;
    this.folder = folder;
  }

  public static StagedRounds forRun(SparkSession spark, Catalog catalog, long jobId, long epoch) {
    return new StagedRounds(spark, new Path(catalog.layout().runStaging(jobId, epoch), "stitch"));
  }

  @Override
  public Dataset<Row> materialize(Dataset<Row> edges, int round) {
    String path = new Path(folder, "round-" + round).toString();
    edges.write().mode(SaveMode.Overwrite).parquet(path);
    return spark.read().schema(edges.schema()).parquet(path);
  }
}
