package io.profileexport.jobs.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.Export;
import io.profileexport.engine.ExportPlan;
import io.profileexport.engine.ExportPlanner;
import io.profileexport.engine.ExportResult;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.FailureCode;
import io.profileexport.engine.error.JobFailedException;
import io.profileexport.engine.error.JobInterruptedException;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.model.JobRecord;
import io.profileexport.engine.model.JobRecord.Status;
import io.profileexport.engine.model.Json;
import io.profileexport.engine.settings.LakeSettings;
import io.profileexport.engine.write.BatchMarkers;
import io.profileexport.jobs.store.CancelRequests;
import io.profileexport.jobs.store.JobLeases;
import io.profileexport.jobs.store.JobStore;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one export job in this process under its driver lease (SPEC 4.3-4.8): the lease is renewed every
 * {@code leaseHeartbeatMs}, the cancel mark read every {@code cancelPollMs}, the epoch checked before every status
 * change and before publishing. Every Spark job of the run carries the tag {@code profile-export-job-<id>}, by which
 * a cancel or a lost lease stops them. The request is validated again from the current lake; the run then
 * recomputes every batch and replaces it.
 */
public final class JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  private final Supplier<SparkSession> sessions;
  private final Catalog catalog;
  private final LakeSettings settings;
  private final Clock clock;
  private final JobStore store;
  private final JobLeases leases;
  private final CancelRequests cancels;

  /**
   * @param sessions gives the SparkSession once the lease is held, so that a job running elsewhere is reported
   *     (exit 6) without starting Spark
   */
  public JobRunner(Supplier<SparkSession> sessions, Catalog catalog, LakeSettings settings, Clock clock) {
    this.sessions = sessions;
    this.catalog = catalog;
    this.settings = settings;
    this.clock = clock;
    this.store = new JobStore(catalog, clock);
    this.leases = new JobLeases(catalog, clock, settings.get(LakeSettings.LEASE_STALE_MS));
    this.cancels = new CancelRequests(catalog);
  }

  public static String jobTag(long jobId) {
    return "profile-export-job-" + jobId;
  }

  /**
   * Runs the job to a terminal state and returns its final record; throws exit-6 {@code HELD_ELSEWHERE} when a live
   * driver runs it, or takes it over during the run.
   */
  public JobRecord run(String idArgument) {
    long jobId = store.require(idArgument, "ID").id();
    try (JobLeases.Lease lease = leases.acquire(jobId, JobLeases.newOwner())) {
      return runHolding(lease);
    }
  }

  private JobRecord runHolding(JobLeases.Lease lease) {
    long jobId = lease.jobId();
    String tag = jobTag(jobId);
    AtomicBoolean cancelRequested = new AtomicBoolean();
    AtomicBoolean leaseLost = new AtomicBoolean();
    AtomicReference<SparkContext> context = new AtomicReference<>();
    Runnable stopSparkJobs = () -> {
      SparkContext sc = context.get();
      if (sc != null) {
        sc.cancelJobsWithTag(tag);
      }
    };
    ScheduledExecutorService watchers = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "profile-export-job-" + jobId + "-watch");
      t.setDaemon(true);
      return t;
    });
    // The lease is renewed from the moment it is held: starting Spark may take longer than leaseStaleMs.
    watchers.scheduleWithFixedDelay(() -> {
      if (!lease.renew()) {
        leaseLost.set(true);
        stopSparkJobs.run();
      }
    }, settings.get(LakeSettings.LEASE_HEARTBEAT_MS), settings.get(LakeSettings.LEASE_HEARTBEAT_MS),
        TimeUnit.MILLISECONDS);
    watchers.scheduleWithFixedDelay(() -> {
      if (cancels.isRequested(jobId, lease.epoch())) {
        cancelRequested.set(true);
        stopSparkJobs.run();
      }
    }, 0, settings.get(LakeSettings.CANCEL_POLL_MS), TimeUnit.MILLISECONDS);
    JobRecord record = store.read(jobId).orElseThrow();
    try {
      SparkSession spark = sessions.get();
      SparkContext sc = spark.sparkContext();
      context.set(sc);
      requireCurrent(lease);
      record = record.startedRun(clock.millis(), lease.epoch(), sc.applicationId());
      store.write(record);
      LOG.info("job {} PROCESSING (lease epoch {}, Spark application {})", jobId, lease.epoch(),
          sc.applicationId());
      Export.Guard guard = step -> {
        if (leaseLost.get() || !lease.isCurrent()) {
          throw new JobInterruptedException(JobInterruptedException.Reason.LEASE_LOST,
              "another driver took job " + jobId + " over before: " + step);
        }
        if (cancelRequested.get() || cancels.isRequested(jobId, lease.epoch())) {
          throw new JobInterruptedException(JobInterruptedException.Reason.CANCELLED,
              "job " + jobId + " was cancelled before: " + step);
        }
      };
      ExportPlan plan = replan(record);
      sc.addJobTag(tag);
      try {
        ExportResult result = new Export(spark, catalog, clock).run(plan,
            new Export.Run(jobId, lease.epoch(), record.batchIds(), record.creationTime()), guard);
        requireCurrent(lease);
        record = succeeded(record, result, lease.epoch());
        store.write(record);
        LOG.info("job {} SUCCEEDED: {} profiles exported", jobId, result.exportedProfiles());
        return record;
      } finally {
        sc.removeJobTag(tag);
      }
    } catch (Exception failure) {  // Scala code throws checked SparkExceptions undeclared
      return ended(record, lease, failure, cancelRequested.get(), leaseLost.get());
    } finally {
      watchers.shutdownNow();
      // A driver that was taken over removes only its own run's staging, never its successor's.
      catalog.files().delete(lease.isCurrent() ? catalog.layout().jobStaging(jobId)
          : catalog.layout().runStaging(jobId, lease.epoch()));
    }
  }

  /** The request validated again from the lake as it is now (SPEC 2): a change that breaks it is SCHEMA_CHANGED. */
  private ExportPlan replan(JobRecord record) {
    try {
      return ExportPlanner.plan(record.requestDocument(), catalog, settings);
    } catch (ProfileExportException e) {
      throw ExportErrors.jobFailed(FailureCode.SCHEMA_CHANGED, "The lake changed since the job was created and"
          + " its request no longer validates: " + e.getMessage() + ". Create a new job.", e);
    }
  }

  private JobRecord succeeded(JobRecord record, ExportResult result, long epoch) {
    ObjectNode counters = Json.object();
    counters.put("totalExportedProfileCounter", result.exportedProfiles());
    ObjectNode byNamespace = counters.putObject("exportedProfileByNamespaceCounter");
    result.exportedByNamespace().forEach(byNamespace::put);
    counters.set("extensions", result.extensions());
    return record
        .withSpan("profileExportTime", result.profileExportStart(), result.profileExportEnd())
        .withSpan("aCPDatasetWriteTime", result.datasetWriteStart(), result.datasetWriteEnd())
        .withMetrics(counters)
        .withStatus(Status.SUCCEEDED, clock.millis(), epoch);
  }

  /** The end of a run that did not succeed: CANCELLED, FAILED with a code, or left to the driver that took over. */
  private JobRecord ended(JobRecord record, JobLeases.Lease lease, Exception failure,
      boolean cancelRequested, boolean leaseLost) {
    long jobId = lease.jobId();
    boolean interruptedForLease = failure instanceof JobInterruptedException i
        && i.reason() == JobInterruptedException.Reason.LEASE_LOST;
    if (leaseLost || interruptedForLease || !lease.isCurrent()) {
      LOG.warn("job {}: another driver took the job over; this run stops without writing", jobId);
      JobRecord current = store.read(jobId).orElse(record);
      throw ExportErrors.heldElsewhere(String.valueOf(jobId), "the driver that took the job over (epoch "
          + leases.currentEpoch(jobId) + ", status " + current.status() + ")", 0);
    }
    BatchMarkers.markFailed(catalog, record.destinationDatasetId(), record.batchIds());
    boolean cancelled = cancelRequested || failure instanceof JobInterruptedException i
        && i.reason() == JobInterruptedException.Reason.CANCELLED || cancels.isRequested(jobId, lease.epoch());
    JobRecord end;
    if (cancelled) {
      end = record.withStatus(Status.CANCELLED, clock.millis(), lease.epoch());
      LOG.info("job {} CANCELLED", jobId);
    } else {
      JobFailedException failed = ExportErrors.classify(failure, /* publishing */ false);
      end = record.failed(failed.code(), failed.userMessage(), ExportErrors.callStack(failed.getCause() == null
          ? failed : failed.getCause()), clock.millis(), lease.epoch());
      LOG.warn("job {} FAILED with {}: {}", jobId, failed.code(), failed.userMessage());
    }
    requireCurrentOrHeld(lease);
    store.write(end);
    cancels.clear(jobId);
    return end;
  }

  private void requireCurrent(JobLeases.Lease lease) {
    if (!lease.isCurrent()) {
      throw new JobInterruptedException(JobInterruptedException.Reason.LEASE_LOST, "lease lost");
    }
  }

  private void requireCurrentOrHeld(JobLeases.Lease lease) {
    if (!lease.isCurrent()) {
      throw ExportErrors.heldElsewhere(String.valueOf(lease.jobId()), "the driver that took the job over", 0);
    }
  }

  public static int exitCodeOf(JobRecord record) {
    return switch (record.status()) {
      case SUCCEEDED, NEW, PROCESSING -> 0;
      case FAILED -> 4;
      case CANCELLED -> 5;
    };
  }
}
