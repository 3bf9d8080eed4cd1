package io.profileexport.jobs.cli;

import io.profileexport.engine.model.BatchRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data Access's {@code GET /batches/{id}/files} document: {@code {data: [...], _page: {limit, count}}}, one entry per
 * data file, its {@code dataSetFileId} being {@code <batchId>-<n>} (n from 1 in manifest order) as the platform
 * numbers them, with this engine's {@code name}, {@code records} and {@code size} added.
 */
public final class BatchFilesDocument {
  public static final String FILES_PATH = "/data/foundation/export/files/";

  private BatchFilesDocument() {}

  public static Map<String, Object> of(String datasetId, BatchRecord batch) {
    List<Map<String, Object>> data = new ArrayList<>();
    List<BatchRecord.FileEntry> files = batch.files() == null ? List.of() : batch.files();
    for (int i = 0; i < files.size(); i++) {
      BatchRecord.FileEntry file = files.get(i);
      String fileId = batch.id() + "-" + (i + 1);
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("dataSetFileId", fileId);
      entry.put("dataSetViewId", datasetId);
      entry.put("version", "1.0.0");
      entry.put("created", String.valueOf(batch.completed()));
      entry.put("updated", String.valueOf(batch.completed()));
      entry.put("isValid", true);
      entry.put("name", file.name());
      entry.put("records", file.records());
      entry.put("size", file.size());
      entry.put("_links", Map.of("self", Map.of("href", FILES_PATH + fileId)));
      data.add(entry);
    }
    Map<String, Object> page = new LinkedHashMap<>();
    page.put("limit", data.size());
    page.put("count", data.size());
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("data", data);
    document.put("_page", page);
    return document;
  }
}
