package io.profileexport.engine.write;

import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.lake.LakeFileSystem;
import io.profileexport.engine.model.BatchRecord.FileEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * Moves the data files Spark wrote into a staging folder to their batch folder and describes them for the batch
 * manifest. Row counts come from the written files' Parquet footers, never from another pass over the data.
 */
public final class DataFiles {
  private DataFiles() {}

  /** Spark's data files; its {@code _SUCCESS} marker and checksum files stay behind in staging. */
  public static boolean isDataFile(String name) {
    return name.startsWith("part-");
  }

  /**
   * Replaces whatever {@code batchDir} holds (leftovers of an earlier attempt) with the data files of
   * {@code stagedDir}. The folder has no {@code _batch.json} yet, so readers do not see it.
   */
  public static List<FileEntry> moveInto(LakeFileSystem lake, Path stagedDir, Path batchDir, boolean parquet) {
    lake.delete(batchDir);
    lake.mkdirs(batchDir);
    List<FileStatus> staged = new ArrayList<>(lake.list(stagedDir));
    staged.sort(Comparator.comparing(s -> s.getPath().getName()));
    List<FileEntry> entries = new ArrayList<>();
    for (FileStatus file : staged) {
      String name = file.getPath().getName();
      if (!file.isFile() || !isDataFile(name)) {
        continue;
      }
      Path target = new Path(batchDir, name);
      lake.move(file.getPath(), target);
      long records = parquet ? parquetRecords(lake, target) : -1;
      entries.add(new FileEntry(name, records, file.getLen()));
    }
    return entries;
  }

  public static long parquetRecords(LakeFileSystem lake, Path file) {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, lake.conf()))) {
      return reader.getRecordCount();
    } catch (IOException e) {
      throw ExportErrors.lakeIo(file.toString(), "reading a Parquet footer", e);
    }
  }
}
