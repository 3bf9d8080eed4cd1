package io.profileexport.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.model.BatchRecord;
import java.util.List;
import java.util.Map;

/**
 * What an export produced: its two timed phases (SPEC 4.4), the exported profile counters, this engine's own
 * counters for {@code metrics.extensions}, and the batch markers it wrote.
 */
public record ExportResult(
    long profileExportStart,
    long profileExportEnd,
    long datasetWriteStart,
    long datasetWriteEnd,
    long exportedProfiles,
    Map<String, Long> exportedByNamespace,
    ObjectNode extensions,
    List<BatchRecord> batches) {}
