package io.profileexport.engine.lake;

import io.profileexport.engine.stitch.ConnectedComponents;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Materializes stitching's inputs and rounds as Parquet under the run's own staging folder
 * ({@code _staging/<jobId>/run-<epoch>/stitch/}), not in the SparkContext-wide checkpoint directory that concurrent
 * jobs of a service would share. The folder goes with the run's staging when the job ends.
 */
public final class StagedFrames implements ConnectedComponents.Materializer {
  private final SparkSession spark;
  private final Path folder;

  public StagedFrames(SparkSession spark, Path folder) {
    this.spark = spark;
    this.folder = folder;
  }

  public static StagedFrames forRun(SparkSession spark, Catalog catalog, long jobId, long epoch) {
    return new StagedFrames(spark, new Path(catalog.layout().runStaging(jobId, epoch), "stitch"));
  }

  @Override
  public String location(String name) {
    return new Path(folder, name).toString();
  }

  @Override
  public Dataset<Row> materialize(Dataset<Row> frame, String name) {
    String path = location(name);
    // Scratch read back once or twice by the next step, never kept: written plain, as the longs of links neither
    // compress nor fit a dictionary, and trying both costs the writing tasks.
    frame.write().mode(SaveMode.Overwrite).option("compression", "none").option("parquet.enable.dictionary", "false")
        .parquet(path);
    return spark.read().schema(frame.schema()).parquet(path);
  }
}
