package io.profileexport.engine.lake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LakeFileSystemTest {
  @TempDir
  java.nio.file.Path dir;

  @Test
  void exclusiveCreationHasExactlyOneWinnerAmongRacingWriters() throws Exception {
    LakeFileSystem lake = LakeFileSystem.open(dir.toString(), new Configuration());
    Path target = new Path(lake.root(), "jobs/1.json");
    int writers = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      byte[] content = ("writer " + i).getBytes(StandardCharsets.UTF_8);
      results.add(pool.submit(() -> {
        start.await();
        return lake.createExclusively(target, content);
      }));
    }
    start.countDown();
    int winners = 0;
    for (Future<Boolean> r : results) {
      winners += r.get() ? 1 : 0;
    }
    pool.shutdown();
    assertEquals(1, winners, "exactly one racing writer creates the record");
    String content = new String(lake.read(target).orElseThrow(), StandardCharsets.UTF_8);
    assertTrue(content.startsWith("writer "), "the winner's full content is there: " + content);
    assertEquals(List.of("1.json"), lake.list(target.getParent()).stream().map(s -> s.getPath().getName()).toList(),
        "no temporary is left visible");
  }

  @Test
  void atomicReplaceLeavesOnlyTheNewContentAndNoChecksumFiles() throws Exception {
    LakeFileSystem lake = LakeFileSystem.open(dir.toString(), new Configuration());
    Path target = new Path(lake.root(), "mergePolicies/p.json");
    lake.writeAtomically(target, "old".getBytes(StandardCharsets.UTF_8));
    lake.writeAtomically(target, "new".getBytes(StandardCharsets.UTF_8));
    assertArrayEquals("new".getBytes(StandardCharsets.UTF_8), lake.read(target).orElseThrow());
    try (var files = Files.list(dir.resolve("mergePolicies"))) {
      assertEquals(List.of("p.json"), files.map(p -> p.getFileName().toString()).toList(),
          "no .crc or temporary file beside the record");
    }
  }

  @Test
  void readingAnAbsentRecordIsEmptyAndListingAnAbsentFolderIsEmpty() {
    LakeFileSystem lake = LakeFileSystem.open(dir.toString(), new Configuration());
    assertTrue(lake.read(new Path(lake.root(), "nothing.json")).isEmpty());
    assertTrue(lake.list(new Path(lake.root(), "no/folder")).isEmpty());
    assertFalse(lake.exists(new Path(lake.root(), "nothing.json")));
  }

  @Test
  void aRelativeLakeIsResolvedToAnAbsoluteFileUri() {
    LakeFileSystem lake = LakeFileSystem.open("some/relative/lake", new Configuration());
    assertEquals("file", lake.root().toUri().getScheme());
    assertTrue(lake.root().toUri().getPath().endsWith("/some/relative/lake"), lake.root().toString());
    assertTrue(lake.isLocal());
  }
}
