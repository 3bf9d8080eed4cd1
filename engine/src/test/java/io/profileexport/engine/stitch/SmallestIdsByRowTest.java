package io.profileexport.engine.stitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.testing.SharedSpark;
import java.nio.file.Path;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmallestIdsByRowTest {
  @TempDir
  Path dir;

  private static UTF8String text(String s) {
    return UTF8String.fromString(s);
  }

  @Test
  void idsWrittenByTasksInRunsAreFoundByFileAndRow() {
    SmallestIdsByRow ids = SmallestIdsByRow.at(dir.resolve("rowids").toUri().toString(), SharedSpark.session());
    // One task reads a file's first rows and another's; the second task the file's other rows.
    SmallestIdsByRow.Writer first = ids.writer();
    first.add(text("file:/lake/a.parquet"), 0, 10);
    first.add(text("file:/lake/a.parquet"), 1, SmallestIdsByRow.NONE);
    first.add(text("file:/lake/b.parquet"), 0, -7);
    first.add(text("file:/lake/a.parquet"), 5, 15);  // not next to the run before: a run of its own
    first.flush();
    SmallestIdsByRow.Writer second = ids.writer();
    second.add(text("file:/lake/a.parquet"), 2, 12);
    second.add(text("file:/lake/a.parquet"), 3, 13);
    second.add(text("file:/lake/a.parquet"), 4, 14);
    second.flush();
    // A retried task writes its runs again, with the same ids.
    SmallestIdsByRow.Writer retried = ids.writer();
    retried.add(text("file:/lake/a.parquet"), 2, 12);
    retried.add(text("file:/lake/a.parquet"), 3, 13);
    retried.add(text("file:/lake/a.parquet"), 4, 14);
    retried.flush();

    long[] expected = {10, SmallestIdsByRow.NONE, 12, 13, 14, 15};
    for (int row = 0; row < expected.length; row++) {
      assertEquals(expected[row], ids.smallestId(text("file:/lake/a.parquet"), row));
    }
    assertEquals(-7, ids.smallestId(text("file:/lake/b.parquet"), 0));
    assertEquals(10, ids.smallestId(text("file:/lake/a.parquet"), 0));
    ids.release();
  }

  @Test
  void oneTextPerFileAsAScanHandsThemOverFindsTheSameIdsAsEqualTexts() {
    SmallestIdsByRow ids = SmallestIdsByRow.at(dir.resolve("rowids").toUri().toString(), SharedSpark.session());
    UTF8String a = text("file:/lake/a.parquet");
    UTF8String b = text("file:/lake/b.parquet");
    SmallestIdsByRow.Writer writer = ids.writer();
    for (int row = 0; row < 6; row++) {  // files alternating every two rows, each always the same text object
      writer.add(row / 2 % 2 == 0 ? a : b, row, 100 + row);
    }
    writer.flush();
    // a holds rows 0, 1, 4, 5 and b rows 2, 3; asked alternately, by the same objects, then by equal ones.
    for (UTF8String[] files : new UTF8String[][] {{a, b}, {text(a.toString()), text(b.toString())}}) {
      UTF8String fileA = files[0];
      UTF8String fileB = files[1];
      assertEquals(100, ids.smallestId(fileA, 0));
      assertEquals(102, ids.smallestId(fileB, 2));
      assertEquals(101, ids.smallestId(fileA, 1));
      assertEquals(103, ids.smallestId(fileB, 3));
      assertEquals(104, ids.smallestId(fileA, 4));
      assertEquals(105, ids.smallestId(fileA, 5));
      assertThrows(IllegalStateException.class, () -> ids.smallestId(fileB, 0), "b has no row 0");
      assertEquals(100, ids.smallestId(fileA, 0));
    }
    ids.release();
  }

  @Test
  void aRowNoRunCoversIsAnErrorNotARowLeftOut() {
    SmallestIdsByRow ids = SmallestIdsByRow.at(dir.resolve("rowids").toUri().toString(), SharedSpark.session());
    SmallestIdsByRow.Writer writer = ids.writer();
    writer.add(text("file:/lake/a.parquet"), 0, 1);
    writer.add(text("file:/lake/a.parquet"), 2, 3);
    writer.flush();
    IllegalStateException gap = assertThrows(IllegalStateException.class,
        () -> ids.smallestId(text("file:/lake/a.parquet"), 1));
    assertTrue(gap.getMessage().contains("row 1 of file:/lake/a.parquet"), gap.getMessage());
    assertThrows(IllegalStateException.class, () -> ids.smallestId(text("file:/lake/a.parquet"), 3));
    assertThrows(IllegalStateException.class, () -> ids.smallestId(text("file:/lake/c.parquet"), 0));
    ids.release();
  }

  @Test
  void theKeeperDecidesBlocksOfRowsAtOnceAsTheFilterDoesRowByRow() {
    SmallestIdsByRow ids = SmallestIdsByRow.at(dir.resolve("rowids").toUri().toString(), SharedSpark.session());
    int rows = 2 * SmallestIdsByRow.BLOCK_ROWS + 300;  // two whole blocks and a part of one
    SmallestIdsByRow.Writer writer = ids.writer();
    for (int row = 0; row < rows; row++) {
      writer.add(text("file:/lake/a.parquet"), row, row % 7 == 0 ? SmallestIdsByRow.NONE : row * 3L);
    }
    writer.add(text("file:/lake/b.parquet"), 0, 9);
    writer.flush();
    IdentityColumns.RowFilter filter = id -> id % 2 == 0;
    SmallestIdsByRow.Keeper keeper = new SmallestIdsByRow.Keeper(ids, filter);
    // Rows asked out of order and across files, as tasks of several files' splits may.
    int[] order = new int[rows];
    for (int i = 0; i < rows; i++) {
      order[i] = (i * 1009) % rows;
    }
    int kept = 0;
    for (int row : order) {
      boolean expected = row % 7 != 0 && row * 3L % 2 == 0;
      assertEquals(expected, keeper.keeps(text("file:/lake/a.parquet"), row), "row " + row);
      kept += expected ? 1 : 0;
      if (row % 500 == 0) {
        assertFalse(keeper.keeps(text("file:/lake/b.parquet"), 0), "b's row 0, odd id 9");
      }
    }
    assertTrue(kept > 0);
    ids.release();
  }
}
