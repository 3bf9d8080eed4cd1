package io.profileexport.engine.lake;

import io.profileexport.engine.InternalRowFrames;
import java.io.Serializable;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The batch of a record, from the path of the data file it was read from ({@code .../batches/<batchId>/<file>}),
 * and that batch's commit time. Evaluated for every record read, so it runs as Java in the scan's generated code
 * ({@link InternalRowFrames#invoke}) and works out a path once: a file's records come one after another, and each
 * task has its own copy, which remembers the last path it saw. A regular expression over the path and a map lookup
 * by batch id, in Spark SQL, took a tenth of the wide read of the records.
 */
public final class BatchFiles implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final byte[] BATCHES = "/batches/".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final int ID_LENGTH = 32;

  /** A path worked out: its batch id ("" when the path is not a batch file's) and the batch's commit time. */
  private record Resolved(UTF8String path, UTF8String batchId, Long completed) {}

  /** Commit time by batch id, of the batches read. */
  private final Map<String, Long> completedById;
  /** The last path worked out (replaced whole, so a copy shared by two threads still reads a consistent one). */
  private transient Resolved last;

  BatchFiles(Map<String, Long> completedById) {
    this.completedById = Map.copyOf(completedById);
  }

  /** The column of the batch id of the file at {@code path} (a string column): "" when it is not a batch file. */
  Column batchId(Column path) {
    return InternalRowFrames.invoke(this, "batchIdOf", DataTypes.StringType, /* returnNullable */ false, path);
  }

  /** The column of the commit time of the file's batch, or null when the batch is none of those read. */
  Column completed(Column path) {
    return InternalRowFrames.invoke(this, "completedOf", DataTypes.LongType, /* returnNullable */ true, path);
  }

  /** Called by the generated code for each record. */
  public UTF8String batchIdOf(UTF8String path) {
    return resolved(path).batchId();
  }

  /** Called by the generated code for each record. */
  public Long completedOf(UTF8String path) {
    return resolved(path).completed();
  }

  private Resolved resolved(UTF8String path) {
    Resolved seen = last;
    if (seen != null && seen.path().equals(path)) {
      return seen;
    }
    UTF8String id = idIn(path);
    seen = new Resolved(path.clone(), id, completedById.get(id.toString()));
    last = seen;
    return seen;
  }

  /**
   * What {@code /batches/([0-9a-f]{32})/[^/]+$} captures in {@code path}, or "" when it does not match: the folder
   * holding the file, when it is a batch id in a {@code batches} folder.
   */
  static UTF8String idIn(UTF8String path) {
    byte[] bytes = path.getBytes();
    int fileStart = lastIndexOf(bytes, (byte) '/', bytes.length - 1) + 1;
    int idStart = fileStart - 1 - ID_LENGTH;
    if (fileStart == 0 || fileStart == bytes.length || idStart < BATCHES.length) {
      return UTF8String.EMPTY_UTF8;
    }
    for (int i = idStart; i < fileStart - 1; i++) {
      byte b = bytes[i];
      if (!((b >= '0' && b <= '9') || (b >= 'a' && b <= 'f'))) {
        return UTF8String.EMPTY_UTF8;
      }
    }
    for (int i = 0; i < BATCHES.length; i++) {
      if (bytes[idStart - BATCHES.length + i] != BATCHES[i]) {
        return UTF8String.EMPTY_UTF8;
      }
    }
    return UTF8String.fromBytes(bytes, idStart, ID_LENGTH);
  }

  private static int lastIndexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i >= 0; i--) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
