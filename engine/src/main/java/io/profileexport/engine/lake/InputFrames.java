package io.profileexport.engine.lake;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.profileexport.engine.ScanKeep;
import io.profileexport.engine.SystemColumns;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.FailureCode;
import io.profileexport.engine.merge.Conformance;
import io.profileexport.engine.merge.DataTimestamps;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.DatasetRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the records of datasets that take part in an export (SPEC 1, 3.2): every visible batch, through the files
 * its manifest lists (so stray files in a batch folder are never read), brought to the class's union schema, with
 * the dataset id, batch id and ingest time of each record beside it. Batches with the same schema are read in one
 * scan; a record's batch comes from its file's path.
 *
 * <p>An instance reads one snapshot of the lake: each dataset's visible batches, and an external dataset's files, as
 * they were when the instance first read that dataset. An export reads its records twice (for the graph, then whole),
 * and a batch committed in between must be in both reads or in neither.
 */
public final class InputFrames {
  private static final String FILE_PATH = "__pe_file";

  private final SparkSession spark;
  private final Catalog catalog;
  /** The snapshot: visible batches by dataset id, and external datasets' frames (with their file listing). */
  private final Map<String, List<BatchRecord>> visible = new HashMap<>();
  private final Map<String, Dataset<Row>> externals = new HashMap<>();

  public InputFrames(SparkSession spark, Catalog catalog) {
    this.spark = spark;
    this.catalog = catalog;
  }

  /** The schema of what {@link #read} returns. */
  public static StructType schemaOf(StructType union) {
    return union.add(SystemColumns.DATASET, DataTypes.StringType)
        .add(SystemColumns.BATCH, DataTypes.StringType)
        .add(SystemColumns.INGEST_TIME, DataTypes.LongType);
  }

  public Dataset<Row> read(List<DatasetRecord> datasets, StructType union) {
    return read(datasets, union, null, false);
  }

  /**
   * As {@link #read(List, StructType)}, only the records {@code keep} keeps, and with {@code positions} the columns
   * {@link SystemColumns#FILE} and {@link SystemColumns#ROW_INDEX} of each record (null for external datasets).
   *
   * @param keep which records to keep, or null for every record
   */
  public Dataset<Row> read(List<DatasetRecord> datasets, StructType union, ScanKeep keep, boolean positions) {
    List<Dataset<Row>> parts = parts(datasets, union, keep, positions);
    if (parts.isEmpty()) {
      StructType schema = schemaOf(union);
      return spark.createDataFrame(List.of(), positions ? withPositions(schema) : schema);
    }
    Dataset<Row> all = parts.get(0);
    for (int i = 1; i < parts.size(); i++) {
      all = all.union(parts.get(i));
    }
    return all;
  }

  /**
   * The frames whose union {@link #read(List, StructType, ScanKeep, boolean)} returns (none when the datasets have
   * no rows to read): one per external dataset, and per dataset one for the batches of each file schema, each a scan
   * with its projection to the union schema. A row-wise step placed on each part runs in the scan's generated code,
   * on the rows as the scan's column batches hold them; placed on the union, it gets rows the projections copied.
   */
  public List<Dataset<Row>> parts(List<DatasetRecord> datasets, StructType union, ScanKeep keep, boolean positions) {
    List<Dataset<Row>> parts = new ArrayList<>();
    for (DatasetRecord dataset : datasets) {
      if (dataset.isExternal()) {
        parts.add(external(dataset, union, keep, positions));
      } else {
        parts.addAll(batches(dataset, union, keep, positions));
      }
    }
    return parts;
  }

  /**
   * The first data file of the datasets' visible batches that is missing or has no readable Parquet footer, as a
   * sentence naming the dataset, batch and file; used only after a read failed, to tell the user which input to fix.
   */
  public java.util.Optional<String> firstUnreadable(List<DatasetRecord> datasets) {
    for (DatasetRecord dataset : datasets) {
      if (dataset.isExternal()) {
        continue;
      }
      for (BatchRecord batch : visibleBatches(dataset)) {
        for (BatchRecord.FileEntry file : batch.files()) {
          Path path = new Path(catalog.layout().batch(dataset.id(), batch.id()), file.name());
          try {
            io.profileexport.engine.write.DataFiles.parquetRecords(catalog.files(), path);
          } catch (RuntimeException e) {
            return java.util.Optional.of("batch " + batch.id() + " of dataset " + dataset.id() + ", file "
                + file.name() + ": " + ExportErrors.rootMessage(e));
          }
        }
      }
    }
    return java.util.Optional.empty();
  }

  /** {@code schema} with the columns {@link #read(List, StructType, ScanKeep, boolean)} adds with positions. */
  public static StructType withPositions(StructType schema) {
    return schema.add(SystemColumns.FILE, DataTypes.StringType).add(SystemColumns.ROW_INDEX, DataTypes.LongType);
  }

  private List<Dataset<Row>> batches(DatasetRecord dataset, StructType union, ScanKeep keep, boolean positions) {
    Map<StructType, List<BatchRecord>> bySchema = new LinkedHashMap<>();
    for (BatchRecord batch : visibleBatches(dataset)) {
      bySchema.computeIfAbsent(batch.sparkSchema(), s -> new ArrayList<>()).add(batch);
    }
    List<Dataset<Row>> out = new ArrayList<>();
    for (Map.Entry<StructType, List<BatchRecord>> group : bySchema.entrySet()) {
      StructType schema = group.getKey();
      List<String> files = new ArrayList<>();
      Map<String, Long> completed = new HashMap<>();
      for (BatchRecord batch : group.getValue()) {
        Path dir = catalog.layout().batch(dataset.id(), batch.id());
        batch.files().forEach(f -> files.add(new Path(dir, f.name()).toString()));
        completed.put(batch.id(), batch.completed());
      }
      if (files.isEmpty()) {
        continue;
      }
      Dataset<Row> scan = spark.read().schema(readSchema(schema, union)).parquet(files.toArray(new String[0]));
      java.util.Optional<Column> byPosition = keep == null ? java.util.Optional.empty()
          : keep.byPosition(col("_metadata.file_path"), col("_metadata.row_index"));
      Dataset<Row> raw = (byPosition.isPresent() ? scan.filter(byPosition.get()) : kept(scan, union, keep))
          .withColumn(FILE_PATH, col("_metadata.file_path"));
      BatchFiles batchFiles = new BatchFiles(completed);
      Column batchId = batchFiles.batchId(col(FILE_PATH));
      Column batchCompleted = batchFiles.completed(col(FILE_PATH));
      Column ingest = hasIngestTime(schema)
          ? coalesce(col(InputFiles.SYSTEM_METADATA + "." + InputFiles.INGEST_TIME).cast("long"), batchCompleted)
          : batchCompleted;
      Dataset<Row> read = withSystemColumns(raw, union, lit(dataset.id()), batchId, ingest,
          positions ? List.of(col(FILE_PATH), col("_metadata.row_index")) : List.of());
      out.add(read);
    }
    return out;
  }

  private Dataset<Row> external(DatasetRecord dataset, StructType union, ScanKeep keep, boolean positions) {
    StructType recorded = dataset.sparkSchema().orElseThrow(() -> ExportErrors.jobFailed(
        FailureCode.INPUT_UNREADABLE, "dataset " + dataset.id() + " has no recorded schema", null));
    // The frame is kept, so a second read of the dataset reads the files the first one listed.
    Dataset<Row> raw = kept(externals.computeIfAbsent(dataset.id(), id -> "json".equals(dataset.format())
        ? spark.read().schema(recorded).option("mode", "FAILFAST").json(dataset.location())
        : spark.read().parquet(dataset.location())), union, keep);
    String column = dataset.ingestTimeColumn();
    Column ingest = DataTimestamps.epochMillis(raw.col(Conformance.quote(column)),
        raw.schema().apply(column).dataType());
    return withSystemColumns(raw, union, lit(dataset.id()), lit(null).cast("string"), ingest,
        positions ? List.of(lit(null).cast("string"), lit(null).cast("long")) : List.of());
  }

  /**
   * The schema a batch is read with: its own, with the items of its {@code identityMap} and the entries of its
   * {@code segmentMembership} cut down to the fields the union's have, so that a union cut down for linking
   * ({@code IdentityColumns.linkingOnly}, {@code ProfileFilter.markingOnly}) makes Parquet decode only those. A full
   * union cuts nothing: it has every batch's fields.
   */
  static StructType readSchema(StructType batch, StructType union) {
    StructType items = io.profileexport.engine.merge.XdmMaps.identityItem(union)
        .map(wanted -> io.profileexport.engine.merge.XdmMaps.withIdentityItems(batch,
            name -> wanted.getFieldIndex(name).isDefined()))
        .orElse(batch);
    return io.profileexport.engine.merge.XdmMaps.membershipEntry(union)
        .map(wanted -> io.profileexport.engine.merge.XdmMaps.withMembershipEntries(items,
            name -> wanted.getFieldIndex(name).isDefined()))
        .orElse(items);
  }

  /** The dataset's visible batches in this instance's snapshot. */
  private List<BatchRecord> visibleBatches(DatasetRecord dataset) {
    return visible.computeIfAbsent(dataset.id(), catalog::visibleBatches);
  }

  /** {@code raw} filtered by {@code keep} of its identity map brought to the union's type (null when absent). */
  private static Dataset<Row> kept(Dataset<Row> raw, StructType union, ScanKeep keep) {
    if (keep == null) {
      return raw;
    }
    String name = io.profileexport.engine.merge.XdmMaps.IDENTITY_MAP;
    org.apache.spark.sql.types.DataType type = union.apply(name).dataType();
    Column identityMap = raw.schema().getFieldIndex(name).isDefined()
        ? Conformance.conform(raw.col(Conformance.quote(name)), raw.schema().apply(name).dataType(), type)
        : lit(null).cast(type);
    return raw.filter(keep.byIdentityMap(identityMap));
  }

  /** @param positions the file and row index columns to add as {@link SystemColumns#FILE} and ROW_INDEX, or none */
  private static Dataset<Row> withSystemColumns(Dataset<Row> raw, StructType union, Column datasetId,
      Column batchId, Column ingest, List<Column> positions) {
    List<Column> columns = Conformance.columns(raw, union);
    columns.add(datasetId.as(SystemColumns.DATASET));
    columns.add(batchId.as(SystemColumns.BATCH));
    columns.add(ingest.cast("long").as(SystemColumns.INGEST_TIME));
    if (!positions.isEmpty()) {
      columns.add(positions.get(0).as(SystemColumns.FILE));
      columns.add(positions.get(1).as(SystemColumns.ROW_INDEX));
    }
    return raw.select(columns.toArray(new Column[0]));
  }

  private static boolean hasIngestTime(StructType schema) {
    return schema.getFieldIndex(InputFiles.SYSTEM_METADATA).isDefined()
        && schema.apply(InputFiles.SYSTEM_METADATA).dataType() instanceof StructType meta
        && meta.getFieldIndex(InputFiles.INGEST_TIME).isDefined();
  }
}
