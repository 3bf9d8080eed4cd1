package io.profileexport.engine.lake;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.model.BatchRecord;
import io.profileexport.engine.model.DatasetRecord;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.model.MergePolicy;
import io.profileexport.engine.settings.LakeSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The lake's records: datasets, batches, merge policies and lake settings (SPEC 1). Reads need no Spark. Writers of
 * one dataset's or one policy's record are expected to be one at a time (docs/operations.md); job records have their
 * own store with exclusive creation and leases.
 */
public final class Catalog {
  private final LakeFileSystem files;
  private final LakeLayout layout;

  public Catalog(LakeFileSystem files) {
    this.files = files;
    this.layout = new LakeLayout(files.root());
  }

  public LakeFileSystem files() {
    return files;
  }

  public LakeLayout layout() {
    return layout;
  }

  // ---- datasets

  public Optional<DatasetRecord> dataset(String datasetId) {
    Path path = layout.datasetRecord(datasetId);
    return files.read(path).map(bytes -> decode(path, bytes, DatasetRecord.class));
  }

  public DatasetRecord requireDataset(String datasetId, String argumentPath) {
    if (!Ids.isDataset(datasetId)) {
      throw ExportErrors.badRequest(List.of(ExportErrors.invalidId(argumentPath, "dataset", datasetId,
          Ids.DATASET_FORM)));
    }
    return dataset(datasetId).orElseThrow(() -> ExportErrors.notFound(argumentPath, "dataset", datasetId));
  }

  /** Every dataset, ordered by id (the order the union schema's field order is defined over). */
  public List<DatasetRecord> datasets() {
    List<DatasetRecord> out = new ArrayList<>();
    for (FileStatus dir : files.list(layout.datasets())) {
      String id = dir.getPath().getName();
      if (dir.isDirectory() && Ids.isDataset(id)) {
        dataset(id).ifPresent(out::add);
      }
    }
    out.sort(Comparator.comparing(DatasetRecord::id));
    return out;
  }

  /** Creates the record unless a dataset with that id exists; returns false in that case. */
  public boolean createDataset(DatasetRecord record) {
    return files.createExclusively(layout.datasetRecord(record.id()), Json.bytes(record));
  }

  public void saveDataset(DatasetRecord record) {
    files.writeAtomically(layout.datasetRecord(record.id()), Json.bytes(record));
  }

  // ---- batches

  /** Every batch with a record (visible or failed) of a dataset, oldest first. */
  public List<BatchRecord> batches(String datasetId) {
    List<BatchRecord> out = new ArrayList<>();
    for (FileStatus dir : files.list(layout.batches(datasetId))) {
      String id = dir.getPath().getName();
      if (dir.isDirectory() && Ids.isBatch(id)) {
        batch(datasetId, id).ifPresent(out::add);
      }
    }
    out.sort(Comparator.comparingLong(BatchRecord::created).thenComparing(BatchRecord::id));
    return out;
  }

  public List<BatchRecord> visibleBatches(String datasetId) {
    return batches(datasetId).stream().filter(BatchRecord::isVisible).toList();
  }

  public Optional<BatchRecord> batch(String datasetId, String batchId) {
    Path path = layout.batchRecord(datasetId, batchId);
    return files.read(path).map(bytes -> decode(path, bytes, BatchRecord.class));
  }

  /** A batch found by its id alone, with the dataset that holds it. */
  public Optional<Map.Entry<String, BatchRecord>> findBatch(String batchId) {
    Ids.requireBatch(batchId);
    for (FileStatus found : files.glob(new Path(layout.datasets(), "*/batches/" + batchId + "/"
        + LakeLayout.BATCH_RECORD))) {
      String datasetId = found.getPath().getParent().getParent().getParent().getName();
      if (Ids.isDataset(datasetId)) {
        Optional<BatchRecord> record = batch(datasetId, batchId);
        if (record.isPresent()) {
          return Optional.of(Map.entry(datasetId, record.get()));
        }
      }
    }
    return Optional.empty();
  }

  /** The batch's record, written last: the commit marker of SPEC 1. */
  public void writeBatchRecord(String datasetId, BatchRecord record) {
    files.writeAtomically(layout.batchRecord(datasetId, record.id()), Json.bytes(record));
  }

  // ---- merge policies

  public Optional<MergePolicy> policy(String policyId) {
    MergePolicy builtIn = MergePolicy.BUILT_INS.get(policyId);
    if (builtIn != null) {
      return Optional.of(builtIn);
    }
    Path path = layout.mergePolicy(policyId);
    return files.read(path).map(bytes -> decode(path, bytes, MergePolicy.class));
  }

  /** The built-ins first, then the lake's policies by id. */
  public List<MergePolicy> policies() {
    List<MergePolicy> out = new ArrayList<>();
    out.add(MergePolicy.BUILT_INS.get(MergePolicy.BUILT_IN_NONE));
    out.add(MergePolicy.BUILT_INS.get(MergePolicy.BUILT_IN_PDG));
    List<MergePolicy> lake = new ArrayList<>();
    for (FileStatus f : files.list(layout.mergePolicies())) {
      String name = f.getPath().getName();
      if (name.endsWith(".json")) {
        String id = name.substring(0, name.length() - ".json".length());
        if (Ids.isPolicy(id) && !MergePolicy.BUILT_INS.containsKey(id)) {
          policy(id).ifPresent(lake::add);
        }
      }
    }
    lake.sort(Comparator.comparing(MergePolicy::id));
    out.addAll(lake);
    return out;
  }

  /** The lake's policy marked {@code default: true}, if any (SPEC 2: else the built-in none policy applies). */
  public Optional<MergePolicy> defaultPolicy() {
    return policies().stream().filter(MergePolicy::isDefault).findFirst();
  }

  public boolean createPolicy(MergePolicy policy) {
    return files.createExclusively(layout.mergePolicy(policy.id()), Json.bytes(policy));
  }

  public void savePolicy(MergePolicy policy) {
    files.writeAtomically(layout.mergePolicy(policy.id()), Json.bytes(policy));
  }

  // ---- settings

  /** The parsed {@code _lake.json}, or null when the lake has none. */
  public JsonNode settingsDocument() {
    Path path = layout.settings();
    return files.read(path).map(bytes -> {
      try {
        return Json.parse(bytes);
      } catch (IOException e) {
        throw ExportErrors.badRequest("_lake.json", null, "the lake settings file is not valid JSON: "
            + e.getMessage(), e);
      }
    }).orElse(null);
  }

  public LakeSettings settings(Map<String, String> sparkConf) {
    return LakeSettings.resolve(sparkConf, settingsDocument());
  }

  private static <T> T decode(Path path, byte[] bytes, Class<T> type) {
    try {
      return Json.MAPPER.readValue(bytes, type);
    } catch (IOException e) {
      throw ExportErrors.lakeCorrupt(path.toString(), e.getMessage(), e);
    }
  }
}
