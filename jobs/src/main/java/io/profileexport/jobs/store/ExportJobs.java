package io.profileexport.jobs.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.ExportPlan;
import io.profileexport.engine.ExportPlanner;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.FailureCode;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.JobRecord;
import io.profileexport.engine.model.JobRecord.Status;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.write.BatchMarkers;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The export-jobs API over a lake (SPEC 4): create, get, list and cancel, shared by the CLI and the HTTP service.
 * Reading a PROCESSING job whose driver lease went stale fails it with {@code DRIVER_LOST} (SPEC 4.6), under a
 * takeover of its lease so that only one reader does it.
 */
public final class ExportJobs {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 1000;

  private final Catalog catalog;
  private final LakeSettings settings;
  private final Clock clock;
  private final JobStore store;
  private final JobLeases leases;
  private final CancelRequests cancels;
  private final String owner;

  public ExportJobs(Catalog catalog, LakeSettings settings, Clock clock) {
    this.catalog = catalog;
    this.settings = settings;
    this.clock = clock;
    this.store = new JobStore(catalog, clock);
    this.leases = new JobLeases(catalog, clock, settings.get(LakeSettings.LEASE_STALE_MS));
    this.cancels = new CancelRequests(catalog);
    this.owner = JobLeases.newOwner();
  }

  public JobStore store() {
    return store;
  }

  public JobLeases leases() {
    return leases;
  }

  public CancelRequests cancels() {
    return cancels;
  }

  /** Validates the request from catalog records (no Spark) and records a NEW job; a rejected one records nothing. */
  public JobRecord create(JsonNode request, String imsOrgId) {
    ExportPlan plan = ExportPlanner.plan(request, catalog, settings);
    return store.create(plan, imsOrgId);
  }

  public JobRecord get(String idArgument) {
    return refreshed(store.require(idArgument, "ID"));
  }

  /** {@code {records, page, link}} of SPEC 4.7. */
  public Map<String, Object> list(Integer limit, String offset, String status) {
    int pageLimit = limit == null ? DEFAULT_LIMIT : limit;
    if (pageLimit < 1 || pageLimit > MAX_LIMIT) {
      throw ExportErrors.badRequest("limit", pageLimit, "must be between 1 and " + MAX_LIMIT);
    }
    Optional<Status> wanted = Optional.ofNullable(status).map(s -> {
      try {
        return Status.valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw ExportErrors.badRequest("status", s, "must be one of NEW, PROCESSING, SUCCEEDED, FAILED, CANCELLED");
      }
    });
    List<JobRecord> records = new ArrayList<>();
    for (JobRecord r : store.all()) {
      JobRecord current = refreshed(r);
      if (wanted.isEmpty() || current.status() == wanted.get()) {
        records.add(current);
      }
    }
    records.sort(Comparator.comparingLong(JobRecord::creationTime).thenComparingLong(JobRecord::id).reversed());
    int from = start(records, offset);
    List<JobRecord> page = records.subList(from, Math.min(records.size(), from + pageLimit));
    String pageOffset = page.isEmpty() ? "" : page.get(page.size() - 1).cursor();
    boolean more = from + page.size() < records.size();

    Map<String, Object> pageInfo = new LinkedHashMap<>();
    pageInfo.put("sortField", "createdTime");
    pageInfo.put("sort", "desc");
    pageInfo.put("pageOffset", pageOffset);
    pageInfo.put("pageSize", page.size());
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("records", page.stream().map(JobRecord::json).toList());
    document.put("page", pageInfo);
    document.put("link", Map.of("next", more ? "/export/jobs/?limit=" + pageLimit + "&offset=" + pageOffset
        + wanted.map(s -> "&status=" + s.name()).orElse("") : ""));
    return document;
  }

  /** Where a page starts: after a cursor {@code "{creationTimeMs}_{id}"}, or after skipping an integer count. */
  private static int start(List<JobRecord> sorted, String offset) {
    if (offset == null || offset.isEmpty()) {
      return 0;
    }
    if (offset.matches("[0-9]{1,9}")) {
      return Math.min(sorted.size(), Integer.parseInt(offset));
    }
    String[] parts = offset.split("_", -1);
    if (parts.length != 2 || !parts[0].matches("[0-9]{1,18}") || !parts[1].matches("[0-9]{1,18}")) {
      throw ExportErrors.badRequest("offset", offset, "must be a cursor {creationTimeMs}_{id} as returned in"
          + " page.pageOffset, or a number of records to skip");
    }
    long time = Long.parseLong(parts[0]);
    long id = Long.parseLong(parts[1]);
    for (int i = 0; i < sorted.size(); i++) {
      JobRecord r = sorted.get(i);
      if (r.creationTime() < time || r.creationTime() == time && r.id() < id) {
        return i;
      }
    }
    return sorted.size();
  }

  /** {@code {status, message}} of SPEC 4.8. */
  public Map<String, Object> cancel(String idArgument) {
    JobRecord record = get(idArgument);
    long id = record.id();
    if (record.status().isTerminal()) {
      return cancelOutcome(false, "job " + id + " is already " + record.status() + "; nothing to cancel");
    }
    Optional<JobLeases.LeaseState> live = leases.liveLease(id);
    if (live.isPresent()) {
      cancels.request(id, live.get().epoch(), clock.millis());
      return cancelOutcome(true, "job " + id + " is " + record.status() + " under driver " + live.get().owner()
          + ", which was asked to cancel it; it records CANCELLED within about "
          + settings.get(LakeSettings.CANCEL_POLL_MS) + " ms");
    }
    try (JobLeases.Lease lease = leases.acquire(id, owner)) {
      JobRecord current = store.read(id).orElseThrow();
      if (current.status() != Status.NEW) {
        return cancelOutcome(false, "job " + id + " is already " + current.status() + "; nothing to cancel");
      }
      store.write(current.withStatus(Status.CANCELLED, clock.millis(), lease.epoch()));
      return cancelOutcome(true, "job " + id + " was NEW and is now CANCELLED");
    } catch (ProfileExportException heldElsewhere) {
      // A driver took the lease between our look and our take: ask it to cancel.
      Optional<JobLeases.LeaseState> now = leases.liveLease(id);
      if (now.isPresent()) {
        cancels.request(id, now.get().epoch(), clock.millis());
        return cancelOutcome(true, "job " + id + " was just started by driver " + now.get().owner()
            + ", which was asked to cancel it");
      }
      throw heldElsewhere;
    }
  }

  private static Map<String, Object> cancelOutcome(boolean status, String message) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", status);
    out.put("message", message);
    return out;
  }

  /** The record as it should read now: a PROCESSING job whose lease is stale is FAILED DRIVER_LOST. */
  public JobRecord refreshed(JobRecord record) {
    if (record.status() != Status.PROCESSING || leases.liveLease(record.id()).isPresent()) {
      return record;
    }
    Optional<JobLeases.LeaseState> lost = leases.read(record.id());
    try (JobLeases.Lease lease = leases.acquire(record.id(), owner)) {
      JobRecord current = store.read(record.id()).orElseThrow();
      if (current.status() != Status.PROCESSING) {
        return current;
      }
      BatchMarkers.markFailed(catalog, current.destinationDatasetId(), current.batchIds());
      catalog.files().delete(catalog.layout().jobStaging(record.id()));
      String who = lost.map(l -> "driver " + l.owner() + " stopped renewing its lease at " + l.heartbeatMs()
          + " (epoch " + l.epoch() + ")").orElse("the job has no driver lease");
      JobRecord failed = current.failed(FailureCode.DRIVER_LOST, "The job stopped: " + who + ". Run it again with"
          + " `jobs run " + record.id() + "`.", "", clock.millis(), lease.epoch());
      store.write(failed);
      return failed;
    } catch (ProfileExportException heldElsewhere) {
      return store.read(record.id()).orElse(record);
    }
  }
}
