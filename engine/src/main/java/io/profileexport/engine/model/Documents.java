package io.profileexport.engine.model;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.profileexport.engine.error.ExportErrors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a JSON document a user hands in (a file, or stdin as {@code -}) within a size limit. */
public final class Documents {
  private Documents() {}

  public static JsonNode readFile(String file, long maxBytes, InputStream stdin) {
    byte[] bytes;
    try {
      if ("-".equals(file)) {
        bytes = stdin.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      } else {
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
          throw ExportErrors.badRequest("--file", file, "is a folder, not a JSON document");
        }
        long size = Files.size(path);
        if (size > maxBytes) {
          throw tooLarge(file, size, maxBytes);
        }
        bytes = Files.readAllBytes(path);
      }
    } catch (NoSuchFileException e) {
      throw ExportErrors.missingFile(file);
    } catch (IOException e) {
      throw ExportErrors.badRequest("--file", file, "cannot read the file: " + e.getMessage(), e);
    }
    if (bytes.length > maxBytes) {
      throw tooLarge(file, bytes.length, maxBytes);
    }
    return parse(bytes, "the document in " + file);
  }

  public static JsonNode parse(byte[] bytes, String what) {
    try {
      JsonNode node = Json.parse(bytes);
      if (node == null || node.isMissingNode()) {
        throw ExportErrors.malformedDocument(what, "it is empty", null);
      }
      return node;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
      throw ExportErrors.malformedDocument(what, e.getOriginalMessage() + where, e);
    } catch (IOException e) {
      throw ExportErrors.malformedDocument(what, e.getMessage(), e);
    }
  }

  private static RuntimeException tooLarge(String file, long size, long maxBytes) {
    return ExportErrors.badRequest("--file", file, "the document has " + size + " bytes, more than maxRequestBytes ("
        + maxBytes + ")");
  }
}
