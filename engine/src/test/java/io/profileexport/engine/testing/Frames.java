package io.profileexport.engine.testing;

import io.profileexport.engine.lake.InputFrames;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/** Inline test frames: rows written as single-quoted JSON, typed by a DDL schema. */
public final class Frames {
  private Frames() {}

  public static Dataset<Row> of(StructType schema, String... singleQuotedRows) {
    List<String> rows = Arrays.stream(singleQuotedRows).map(r -> r.replace('\'', '"')).toList();
    return SharedSpark.session().read().schema(schema).option("mode", "FAILFAST")
        .json(SharedSpark.session().createDataset(rows, Encoders.STRING()));
  }

  /**
   * Records as the loader hands them on: the union's fields plus {@code __pe_dataset}, {@code __pe_batch} and
   * {@code __pe_ingest}, given inline in each row.
   */
  public static Dataset<Row> records(StructType union, String... singleQuotedRows) {
    return of(InputFrames.schemaOf(union), singleQuotedRows);
  }

  /** Switches adaptive query execution for the tests that must hold with it on and off (ARCHITECTURE.md rule 8). */
  public static void adaptive(boolean enabled) {
    SharedSpark.session().conf().set("spark.sql.adaptive.enabled", String.valueOf(enabled));
  }
}
