package io.profileexport.engine.lake;

import io.profileexport.engine.error.ExportErrors;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * All lake I/O of records and files goes through here, on Hadoop's {@link FileSystem}, so a lake may live on local
 * disk, HDFS, S3A or ABFS. The one exception (SPEC 4.6): on the local filesystem, exclusive creation and atomic
 * replacement use Java NIO (a hard link, an atomic move), because Hadoop's local {@code rename} silently overwrites.
 * On HDFS both use {@code rename}, which is atomic and refuses an existing target. Object stores without conditional
 * writes are single-writer (docs/operations.md).
 */
public final class LakeFileSystem {
  private final Configuration conf;
  private final Path root;
  private final FileSystem fs;
  private final boolean local;

  private LakeFileSystem(Configuration conf, Path root, FileSystem fs, boolean local) {
    this.conf = conf;
    this.root = root;
    this.fs = fs;
    this.local = local;
  }

  /** Opens the lake at {@code location}, a URI or a path (relative paths are resolved against the working dir). */
  public static LakeFileSystem open(String location, Configuration conf) {
    Path path = new Path(location);
    try {
      FileSystem fs = path.getFileSystem(conf);
      Path root = fs.makeQualified(path);
      boolean local = "file".equals(root.toUri().getScheme());
      // The raw local filesystem writes no .crc file beside every record.
      FileSystem recordFs = fs instanceof LocalFileSystem lfs ? lfs.getRawFileSystem() : fs;
      return new LakeFileSystem(conf, root, recordFs, local);
    } catch (IOException e) {
      throw ExportErrors.lakeIo(location, "opening the lake", e);
    }
  }

  public Path root() {
    return root;
  }

  public Configuration conf() {
    return conf;
  }

  public FileSystem fileSystem() {
    return fs;
  }

  public boolean isLocal() {
    return local;
  }

  public Optional<byte[]> read(Path path) {
    try (InputStream in = fs.open(path)) {
      return Optional.of(in.readAllBytes());
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw ExportErrors.lakeIo(path.toString(), "reading", e);
    }
  }

  public boolean exists(Path path) {
    try {
      return fs.exists(path);
    } catch (IOException e) {
      throw ExportErrors.lakeIo(path.toString(), "checking existence", e);
    }
  }

  public Optional<FileStatus> status(Path path) {
    try {
      return Optional.of(fs.getFileStatus(path));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw ExportErrors.lakeIo(path.toString(), "reading file status", e);
    }
  }

  /** The entries of a folder, without hidden ones ({@code .x} temporaries and checksums); empty if it is absent. */
  public List<FileStatus> list(Path dir) {
    try {
      List<FileStatus> out = new ArrayList<>();
      for (FileStatus s : fs.listStatus(dir)) {
        if (!s.getPath().getName().startsWith(".")) {
          out.add(s);
        }
      }
      return out;
    } catch (FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw ExportErrors.lakeIo(dir.toString(), "listing", e);
    }
  }

  public List<FileStatus> glob(Path pattern) {
    try {
      FileStatus[] found = fs.globStatus(pattern);
      return found == null ? List.of() : List.of(found);
    } catch (IOException e) {
      throw ExportErrors.lakeIo(pattern.toString(), "listing", e);
    }
  }

  public void mkdirs(Path dir) {
    try {
      if (!fs.mkdirs(dir)) {
        throw new IOException("mkdirs returned false");
      }
    } catch (IOException e) {
      throw ExportErrors.lakeIo(dir.toString(), "creating a folder", e);
    }
  }

  public void delete(Path path) {
    try {
      fs.delete(path, /* recursive */ true);
    } catch (IOException e) {
      throw ExportErrors.lakeIo(path.toString(), "deleting", e);
    }
  }

  /** Moves a file or folder; the target must not exist. */
  public void move(Path from, Path to) {
    try {
      if (!fs.rename(from, to)) {
        throw new IOException("rename returned false (does the target already exist?)");
      }
    } catch (IOException e) {
      throw ExportErrors.lakeIo(from + " -> " + to, "moving", e);
    }
  }

  /** Replaces (or creates) a record so that a reader sees either the old or the new content, never a mix. */
  public void writeAtomically(Path target, byte[] content) {
    Path tmp = temporarySibling(target);
    try {
      mkdirsQuietly(target.getParent());
      if (local) {
        java.nio.file.Path nioTmp = nio(tmp);
        writeDurably(nioTmp, content);
        Files.move(nioTmp, nio(target), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return;
      }
      writeWithHadoop(tmp, content);
      try {
        FileContext.getFileContext(target.toUri(), conf).rename(tmp, target, Options.Rename.OVERWRITE);
      } catch (UnsupportedOperationException | IOException notSupported) {
        // A store without FileContext support: delete then rename; such stores are documented as single-writer.
        fs.delete(target, false);
        if (!fs.rename(tmp, target)) {
          throw new IOException("rename returned false", notSupported);
        }
      }
    } catch (IOException e) {
      throw ExportErrors.lakeIo(target.toString(), "writing a record", e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  /**
   * Creates a record only if none exists at {@code target}, atomically with respect to other processes: returns
   * false, and leaves the existing record untouched, if another writer got there first.
   */
  public boolean createExclusively(Path target, byte[] content) {
    Path tmp = temporarySibling(target);
    try {
      mkdirsQuietly(target.getParent());
      if (local) {
        java.nio.file.Path nioTmp = nio(tmp);
        writeDurably(nioTmp, content);
        try {
          // A hard link publishes a fully written file and fails if the name is taken.
          Files.createLink(nio(target), nioTmp);
          return true;
        } catch (FileAlreadyExistsException taken) {
          return false;
        }
      }
      writeWithHadoop(tmp, content);
      if (fs.rename(tmp, target)) {
        return true;
      }
      if (fs.exists(target)) {
        return false;
      }
      throw new IOException("rename returned false");
    } catch (IOException e) {
      throw ExportErrors.lakeIo(target.toString(), "creating a record", e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  private void writeWithHadoop(Path path, byte[] content) throws IOException {
    try (FSDataOutputStream out = fs.create(path, /* overwrite */ false)) {
      out.write(content);
      out.hsync();
    }
  }

  private static void writeDurably(java.nio.file.Path path, byte[] content) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
  }

  public void writeFile(Path path, byte[] content) {
    try {
      mkdirsQuietly(path.getParent());
      try (OutputStream out = fs.create(path, /* overwrite */ true)) {
        out.write(content);
      }
    } catch (IOException e) {
      throw ExportErrors.lakeIo(path.toString(), "writing", e);
    }
  }

  private void mkdirsQuietly(Path dir) throws IOException {
    if (dir != null && !fs.exists(dir)) {
      fs.mkdirs(dir);
    }
  }

  private void deleteQuietly(Path path) {
    try {
      fs.delete(path, false);
    } catch (IOException ignored) {
      // A leftover hidden temporary is harmless: listings skip names starting with a dot.
    }
  }

  private static Path temporarySibling(Path target) {
    return new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
  }

  private static java.nio.file.Path nio(Path path) {
    return Paths.get(path.toUri());
  }
}
