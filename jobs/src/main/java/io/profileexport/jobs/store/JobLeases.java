package io.profileexport.jobs.store;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.LakeFileSystem;
import io.profileexport.engine.lake.LakeLayout;
import io.profileexport.engine.model.Json;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Driver leases of SPEC 4.6. A driver runs a job only while it holds {@code jobs/<id>.lease} ({owner, epoch,
 * heartbeatMs}), renewed every {@code leaseHeartbeatMs}, stale after {@code leaseStaleMs}.
 *
 * <p>Who holds epoch n is decided by exclusively creating the claim {@code jobs/_claims/<id>/<n>}: of two processes
 * taking a free or stale lease at once, one creates the claim, the other finds it taken. The current epoch is the
 * highest claim; a holder whose epoch is no longer the highest has been taken over and must stop, which is what
 * {@link Lease#isCurrent()} checks before every status change and before publishing.
 */
public final class JobLeases {
  @JsonPropertyOrder({"owner", "epoch", "heartbeatMs"})
  public record LeaseState(String owner, long epoch, long heartbeatMs) {}

  private final LakeFileSystem files;
  private final LakeLayout layout;
  private final Clock clock;
  private final long staleMs;

  public JobLeases(Catalog catalog, Clock clock, long staleMs) {
    this.files = catalog.files();
    this.layout = catalog.layout();
    this.clock = clock;
    this.staleMs = staleMs;
  }

  /** A name for this process, unique enough to tell drivers apart in records and messages. */
  public static String newOwner() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "unknown-host";
    }
    return host + ":" + ManagementFactory.getRuntimeMXBean().getPid() + ":" + UUID.randomUUID().toString()
        .substring(0, 8);
  }

  public Optional<LeaseState> read(long jobId) {
    Path path = layout.jobLease(jobId);
    return files.read(path).map(bytes -> {
      try {
        return Json.MAPPER.readValue(bytes, LeaseState.class);
      } catch (IOException e) {
        throw ExportErrors.lakeCorrupt(path.toString(), e.getMessage(), e);
      }
    });
  }

  /** The highest claimed epoch of the job, 0 if it was never leased. */
  public long currentEpoch(long jobId) {
    long max = 0;
    for (FileStatus claim : files.list(layout.jobLeaseClaims(jobId))) {
      try {
        max = Math.max(max, Long.parseLong(claim.getPath().getName()));
      } catch (NumberFormatException ignored) {
        // Not a claim: the folder only ever holds numbered files and hidden temporaries.
      }
    }
    return max;
  }

  /**
   * The lease of the current epoch if it is live: renewed within {@code leaseStaleMs}. Until its holder writes the
   * lease file, a fresh claim counts as the heartbeat, so a process that sees the claim of an acquirer in progress
   * does not take the lease from under it. A released lease has heartbeat 0.
   */
  public Optional<LeaseState> liveLease(long jobId) {
    long epoch = currentEpoch(jobId);
    if (epoch == 0) {
      return Optional.empty();
    }
    Optional<LeaseState> lease = read(jobId).filter(l -> l.epoch() == epoch);
    Optional<LeaseState> state = lease.isPresent() ? lease : readClaim(jobId, epoch);
    return state.filter(s -> clock.millis() - s.heartbeatMs() <= staleMs);
  }

  private Optional<LeaseState> readClaim(long jobId, long epoch) {
    Path path = new Path(layout.jobLeaseClaims(jobId), String.valueOf(epoch));
    return files.read(path).map(bytes -> {
      try {
        return Json.MAPPER.readValue(bytes, LeaseState.class);
      } catch (IOException e) {
        throw ExportErrors.lakeCorrupt(path.toString(), e.getMessage(), e);
      }
    });
  }

  /**
   * Takes the job's lease if it is free (never taken, released, or stale), at the next epoch; throws exit-6
   * {@code HELD_ELSEWHERE} if a live driver holds it or another process takes it first.
   */
  public Lease acquire(long jobId, String owner) {
    // The epoch is read before liveness is judged: whoever claims it first wins, a later claimant of the same
    // epoch finds it taken.
    long epoch = currentEpoch(jobId) + 1;
    Optional<LeaseState> live = liveLease(jobId);
    if (live.isPresent()) {
      throw held(jobId, live.get());
    }
    byte[] claim = Json.bytes(new LeaseState(owner, epoch, clock.millis()));
    if (!files.createExclusively(new Path(layout.jobLeaseClaims(jobId), String.valueOf(epoch)), claim)) {
      throw held(jobId, liveLease(jobId).orElse(new LeaseState("another process", epoch, clock.millis())));
    }
    Lease lease = new Lease(jobId, owner, epoch);
    lease.renew();
    return lease;
  }

  private RuntimeException held(long jobId, LeaseState state) {
    return ExportErrors.heldElsewhere(String.valueOf(jobId), state.owner(), clock.millis() - state.heartbeatMs());
  }

  /** One holding of a job's lease at one epoch. */
  public final class Lease implements AutoCloseable {
    private final long jobId;
    private final String owner;
    private final long epoch;

    private Lease(long jobId, String owner, long epoch) {
      this.jobId = jobId;
      this.owner = owner;
      this.epoch = epoch;
    }

    public long jobId() {
      return jobId;
    }

    public long epoch() {
      return epoch;
    }

    public String owner() {
      return owner;
    }

    /** False once another process took the job over: the holder must stop and write nothing more. */
    public boolean isCurrent() {
      return currentEpoch(jobId) == epoch;
    }

    /** Writes a fresh heartbeat; false (and nothing written) if the lease was taken over. */
    public boolean renew() {
      if (!isCurrent()) {
        return false;
      }
      files.writeAtomically(layout.jobLease(jobId), Json.bytes(new LeaseState(owner, epoch, clock.millis())));
      return true;
    }

    /**
     * Releases the lease if it is still this holder's (a heartbeat of 0 reads as stale at once); a taken-over lease
     * is left to its new holder.
     */
    @Override
    public void close() {
      if (isCurrent()) {
        files.writeAtomically(layout.jobLease(jobId), Json.bytes(new LeaseState(owner, epoch, 0)));
      }
    }
  }
}
