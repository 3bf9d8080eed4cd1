package io.profileexport.engine.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixLocalFileSystemTest {
  @TempDir
  java.nio.file.Path tmp;

  @Test
  void itIsTheFileSchemesSystemWhenConfigured() throws IOException {
    Configuration conf = conf("022");
    try (FileSystem fs = FileSystem.newInstance(URI.create("file:///"), conf)) {
      assertInstanceOf(PosixLocalFileSystem.class, fs);
      // The permissions are set by our raw layer, not Hadoop's (which forks chmod).
      assertInstanceOf(PosixLocalFileSystem.Raw.class, ((LocalFileSystem) fs).getRaw());
    }
    // Spark and Hadoop code that asks for "the local file system" casts it to LocalFileSystem.
    assertInstanceOf(PosixLocalFileSystem.class, FileSystem.newInstanceLocal(conf));
  }

  @Test
  void foldersFilesAndChecksumsGetTheSamePermissionsAsHadoopGives() throws IOException {
    for (String umask : new String[] {"022", "077", "002"}) {
      Map<String, String> hadoops = written(new LocalFileSystem(), tmp.resolve("hadoop-" + umask), umask);
      Map<String, String> ours = written(new PosixLocalFileSystem(), tmp.resolve("ours-" + umask), umask);
      assertEquals(hadoops, ours, "umask " + umask);
      assertEquals(umask.equals("077") ? "rwx------" : umask.equals("002") ? "rwxrwxr-x" : "rwxr-xr-x",
          ours.get("a/b"), "umask " + umask);
      assertEquals(umask.equals("077") ? "rw-------" : umask.equals("002") ? "rw-rw-r--" : "rw-r--r--",
          ours.get("a/b/c/part.bin"), "umask " + umask);
    }
  }

  @Test
  void anExplicitPermissionIsSetAsAsked() throws IOException {
    try (FileSystem fs = new PosixLocalFileSystem()) {
      fs.initialize(URI.create("file:///"), conf("022"));
      Path file = new Path(tmp.toUri().toString(), "f");
      fs.create(file).close();
      fs.setPermission(file, new FsPermission((short) 0640));
      assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("f"))));
      fs.setPermission(file, new FsPermission((short) 0705));
      assertEquals("rwx---r-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("f"))));
      fs.setPermission(file, new FsPermission((short) 0));
      assertEquals("---------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("f"))));
    }
  }

  @Test
  void everyModeMapsToTheSamePosixPermissions() {
    for (short mode = 0; mode < 01000; mode++) {
      FsPermission permission = new FsPermission(mode);
      assertEquals(PosixFilePermissions.fromString(permission.toString()), PosixLocalFileSystem.posix(permission),
          Integer.toOctalString(mode));
    }
  }

  /** Makes nested folders and a file (with its checksum) under {@code root}; every path's permissions. */
  private static Map<String, String> written(FileSystem fs, java.nio.file.Path root, String umask)
      throws IOException {
    fs.initialize(URI.create("file:///"), conf(umask));
    try (fs) {
      Path base = new Path(root.toUri().toString());
      fs.mkdirs(new Path(base, "a/b"));
      try (FSDataOutputStream out = fs.create(new Path(base, "a/b/c/part.bin"), false)) {
        out.write(new byte[] {1, 2, 3});
      }
    }
    Map<String, String> out = new TreeMap<>();
    try (Stream<java.nio.file.Path> paths = Files.walk(root)) {
      for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) paths::iterator) {
        if (!p.equals(root)) {
          out.put(root.relativize(p).toString(), PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        }
      }
    }
    return out;
  }

  private static Configuration conf(String umask) {
    Configuration conf = new Configuration(false);
    conf.set("fs.file.impl", PosixLocalFileSystem.class.getName());
    conf.set("fs.permissions.umask-mode", umask);
    return conf;
  }
}
