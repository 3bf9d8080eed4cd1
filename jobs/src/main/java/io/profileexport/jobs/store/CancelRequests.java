package io.profileexport.jobs.store;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.LakeFileSystem;
import io.profileexport.engine.lake.LakeLayout;
import io.profileexport.engine.model.Json;
import java.io.IOException;
import java.util.Optional;

/**
 * The mark of SPEC 4.8 on a PROCESSING job, {@code jobs/<id>.cancel}: kept apart from the record so that the
 * canceller never races the driver's record writes. It names the lease epoch it targets, so a mark left behind by an
 * earlier run never cancels a later one.
 */
public final class CancelRequests {
  @JsonPropertyOrder({"epoch", "requestedAt"})
  public record CancelRequest(long epoch, long requestedAt) {}

  private final LakeFileSystem files;
  private final LakeLayout layout;

  public CancelRequests(Catalog catalog) {
    this.files = catalog.files();
    this.layout = catalog.layout();
  }

  public void request(long jobId, long epoch, long now) {
    files.writeAtomically(layout.jobCancelRequest(jobId), Json.bytes(new CancelRequest(epoch, now)));
  }

  /** Whether a cancel was requested for the run holding {@code epoch}. */
  public boolean isRequested(long jobId, long epoch) {
    return files.read(layout.jobCancelRequest(jobId)).map(bytes -> {
      try {
        return Json.MAPPER.readValue(bytes, CancelRequest.class).epoch() == epoch;
      } catch (IOException e) {
        // A mark being replaced as we read it is retried on the next poll.
        return false;
      }
    }).orElse(false);
  }

  public Optional<CancelRequest> read(long jobId) {
    return files.read(layout.jobCancelRequest(jobId)).flatMap(bytes -> {
      try {
        return Optional.of(Json.MAPPER.readValue(bytes, CancelRequest.class));
      } catch (IOException e) {
        return Optional.empty();
      }
    });
  }

  public void clear(long jobId) {
    files.delete(layout.jobCancelRequest(jobId));
  }
}
