package io.profileexport.engine.testing;

import io.profileexport.engine.lake.Catalog;
import io.profileexport.engine.lake.LakeFileSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;

/** Small helpers to make lakes and input files in a test's temporary folder. */
public final class TestLakes {
  public static final String PROFILE_CLASS = "https://ns.adobe.com/xdm/context/profile";
  public static final String EVENT_CLASS = "https://ns.adobe.com/xdm/context/experienceevent";
  public static final String UNION_CLASS = "https://ns.adobe.com/xdm/context/profile__union";

  private TestLakes() {}

  public static Catalog catalog(Path lakeDir) {
    return new Catalog(LakeFileSystem.open(lakeDir.toString(), new Configuration()));
  }

  public static Path write(Path dir, String name, String content) {
    try {
      Path file = dir.resolve(name);
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JSON lines document from single-quoted JSON texts, one per record, for readable inline fixtures. */
  public static String jsonLines(String... records) {
    StringBuilder out = new StringBuilder();
    for (String r : records) {
      out.append(r.replace('\'', '"')).append('\n');
    }
    return out.toString();
  }

  /** A lake in {@code lakeDir} with one dataset {@code id} of {@code schemaClass}, profile-enabled unless a union. */
  public static Catalog lakeWith(Path lakeDir, String id, String schemaClass) {
    Catalog catalog = catalog(lakeDir);
    addDataset(catalog, id, schemaClass);
    return catalog;
  }

  /** Adds dataset {@code id} of {@code schemaClass}, profile-enabled unless it is a destination (union) class. */
  public static void addDataset(Catalog catalog, String id, String schemaClass) {
    try {
      catalog.createDataset(io.profileexport.engine.model.DatasetCreateRequest.parse(
          io.profileexport.engine.model.Json.MAPPER.readTree(datasetBody(id, schemaClass,
              !schemaClass.equals(UNION_CLASS)))).toRecord(id, 1, null, null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ingests {@code files} into dataset {@code id} as one batch committed at {@code committedMillis}. */
  public static io.profileexport.engine.model.BatchRecord ingestAt(Catalog catalog, String id, long committedMillis,
      Path... files) {
    return new io.profileexport.engine.lake.BatchIngest(SharedSpark.session(), catalog,
        java.time.Clock.fixed(java.time.Instant.ofEpochMilli(committedMillis), java.time.ZoneOffset.UTC))
        .ingest(id, java.util.Arrays.stream(files).map(Path::toString).toList(), java.util.Optional.empty());
  }

  public static String datasetBody(String id, String schemaClass, boolean profileEnabled) {
    return ("{'id':'" + id + "','name':'ds " + id + "','schemaRef':{'id':'" + schemaClass
        + "','contentType':'application/vnd.adobe.xed+json;version=1'},'tags':{'unifiedProfile':['enabled:"
        + profileEnabled + "']}}").replace('\'', '"');
  }
}
