package io.profileexport.jobs.store;

import io.profileexport.engine.ExportPlan;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.Ids;
import io.profileexport.engine.lake.LakeFileSystem;
import io.profileexport.engine.lake.LakeLayout;
import io.profileexport.engine.model.JobRecord;
import io.profileexport.engine.model.Json;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Job records, {@code jobs/<id>.json} (SPEC 4). Ids are allocated by exclusive creation of the record itself, so two
 * processes creating jobs at once get distinct ids; records are replaced atomically, so a reader never sees half of
 * one. Writes that change a job's status are made by the holder of the job's lease ({@link JobLeases}).
 */
public final class JobStore {
  private final LakeFileSystem files;
  private final LakeLayout layout;
  private final Clock clock;

  public JobStore(Catalog catalog, Clock clock) {
    this.files = catalog.files();
    this.layout = catalog.layout();
    this.clock = clock;
  }

  /** A NEW record for a validated plan, under the next free id; its batch ids are assigned here, for good. */
  public JobRecord create(ExportPlan plan, String imsOrgId) {
    int batches = plan.request().segmentPerBatch() ? plan.request().segments().size() : 1;
    List<String> batchIds = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      batchIds.add(Ids.newBatchId());
    }
    String requestId = UUID.randomUUID().toString();
    long id = highestId() + 1;
    while (true) {
      JobRecord record = JobRecord.newJob(id, plan.request(), plan.policy(), batchIds, requestId, imsOrgId,
          clock.millis());
      if (files.createExclusively(layout.jobRecord(id), Json.bytes(record.json()))) {
        return record;
      }
      id++;
    }
  }

  public Optional<JobRecord> read(long id) {
    Path path = layout.jobRecord(id);
    return files.read(path).map(bytes -> {
      try {
        return JobRecord.of(Json.parse(bytes));
      } catch (IOException | IllegalArgumentException e) {
        throw ExportErrors.lakeCorrupt(path.toString(), e.getMessage(), e);
      }
    });
  }

  /** The record of a job id given by a user: checked for form, then looked up (exit 2, then exit 3). */
  public JobRecord require(String idArgument, String argumentPath) {
    if (!Ids.isJob(idArgument)) {
      throw ExportErrors.badRequest(List.of(ExportErrors.invalidId(argumentPath, "job", idArgument, Ids.JOB_FORM)));
    }
    long id = Long.parseLong(idArgument);
    return read(id).orElseThrow(() -> ExportErrors.notFound(argumentPath, "job", idArgument));
  }

  public void write(JobRecord record) {
    files.writeAtomically(layout.jobRecord(record.id()), Json.bytes(record.json()));
  }

  public List<JobRecord> all() {
    List<JobRecord> out = new ArrayList<>();
    for (long id : ids()) {
      read(id).ifPresent(out::add);
    }
    return out;
  }

  private long highestId() {
    return ids().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  private List<Long> ids() {
    List<Long> ids = new ArrayList<>();
    for (FileStatus f : files.list(layout.jobs())) {
      String name = f.getPath().getName();
      if (f.isFile() && name.endsWith(".json")) {
        String id = name.substring(0, name.length() - ".json".length());
        if (Ids.isJob(id)) {
          ids.add(Long.parseLong(id));
        }
      }
    }
    return ids;
  }
}
