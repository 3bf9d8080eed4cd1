package io.profileexport.engine.lake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system ({@code file:}) with permissions set through java.nio. Without Hadoop's native library,
 * which Spark does not ship, {@link RawLocalFileSystem} forks a {@code chmod} process for every folder it makes and
 * every file it creates, checksum files included: about 6 ms each from a JVM with a large heap on the benchmark's
 * machine, and some 260 per export of the benchmark's 1x lake (its staged ids, runs and output files), over a second
 * of task time. The permissions set are the same ones; a sticky bit, which java.nio cannot set, still goes through
 * Hadoop's own way.
 *
 * <p>The entry points make it the session's {@code file:} system ({@link #SPARK_CONF}) unless the user chose another;
 * a session built elsewhere keeps Hadoop's.
 */
public final class PosixLocalFileSystem extends LocalFileSystem {
  /** The Spark setting that makes it Hadoop's {@code fs.file.impl}, on the driver and on the executors. */
  public static final String SPARK_CONF = "spark.hadoop.fs.file.impl";

  public PosixLocalFileSystem() {
    super(new Raw());
  }

  /** The raw (checksum-less) local file system underneath, whose permission changes stay in the JVM. */
  static final class Raw extends RawLocalFileSystem {
    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      if (permission.getStickyBit()) {
        super.setPermission(p, permission);
        return;
      }
      try {
        Files.setPosixFilePermissions(pathToFile(p).toPath(), posix(permission));
      } catch (UnsupportedOperationException notPosix) {
        super.setPermission(p, permission);
      }
    }
  }

  static Set<PosixFilePermission> posix(FsPermission permission) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    add(out, permission.getUserAction(), PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_EXECUTE);
    add(out, permission.getGroupAction(), PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.GROUP_EXECUTE);
    add(out, permission.getOtherAction(), PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_EXECUTE);
    return out;
  }

  private static void add(Set<PosixFilePermission> out, FsAction action, PosixFilePermission read,
      PosixFilePermission write, PosixFilePermission execute) {
    if (action.implies(FsAction.READ)) {
      out.add(read);
    }
    if (action.implies(FsAction.WRITE)) {
      out.add(write);
    }
    if (action.implies(FsAction.EXECUTE)) {
      out.add(execute);
    }
  }
}
