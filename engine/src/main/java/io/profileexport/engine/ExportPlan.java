package io.profileexport.engine;

import io.profileexport.engine.model.DatasetRecord;
import io.profileexport.engine.model.ExportRequest;
import io.profileexport.engine.model.MergePolicy;
import io.profileexport.engine.select.FieldSelection;
import io.profileexport.engine.settings.LakeSettings;
import java.util.List;
import org.apache.spark.sql.types.StructType;

/**
 * A request validated against the lake's records, with everything an export needs resolved: the merge policy, the
 * destination, the datasets that take part, the union schemas and the field selections. Made by
 * {@link ExportPlanner} when a job is created and again when it runs.
 *
 * @param profileDatasets profile datasets whose records take part (SPEC 3.2), by id
 * @param eventDatasets profile-enabled event datasets, by id
 * @param profileUnion union schema of every profile-enabled profile dataset (SPEC 1)
 * @param eventUnion union schema of every profile-enabled event dataset
 */
public record ExportPlan(
    ExportRequest request,
    MergePolicy policy,
    DatasetRecord destination,
    List<DatasetRecord> profileDatasets,
    List<DatasetRecord> eventDatasets,
    StructType profileUnion,
    StructType eventUnion,
    FieldSelection profileSelection,
    FieldSelection eventSelection,
    LakeSettings settings) {}
