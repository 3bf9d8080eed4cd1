package io.profileexport.engine.select;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One path of a {@code fields} list (SPEC 3.8): dot-separated segments, a segment holding dots written in backticks
 * (a backtick inside backticks is doubled).
 */
public record FieldPath(List<String> segments) {

  /** The result of parsing a {@code fields} list: its paths, and a message per malformed one. */
  public record Parsed(List<FieldPath> paths, List<String> problems) {}

  public static Parsed parseList(String fields) {
    List<FieldPath> paths = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    if (fields == null || fields.isBlank()) {
      return new Parsed(paths, problems);
    }
    for (String raw : splitOutsideBackticks(fields, ',')) {
      String path = raw.strip();
      if (path.isEmpty()) {
        problems.add("an empty path in the list (two commas in a row, or a comma at an end)");
        continue;
      }
      parse(path, problems).ifPresent(paths::add);
    }
    return new Parsed(paths, problems);
  }

  private static java.util.Optional<FieldPath> parse(String path, List<String> problems) {
    List<String> segments = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (quoted) {
        if (c == '`') {
          if (i + 1 < path.length() && path.charAt(i + 1) == '`') {
            current.append('`');
            i++;
          } else {
            quoted = false;
          }
        } else {
          current.append(c);
        }
      } else if (c == '`') {
        if (current.length() > 0) {
          problems.add("'" + path + "': a backtick may only open a whole segment");
          return java.util.Optional.empty();
        }
        quoted = true;
        wasQuoted = true;
      } else if (c == '.') {
        if (current.length() == 0 && !wasQuoted) {
          problems.add("'" + path + "': an empty segment (two dots in a row, or a dot at an end)");
          return java.util.Optional.empty();
        }
        segments.add(current.toString());
        current.setLength(0);
        wasQuoted = false;
      } else {
        if (wasQuoted) {
          problems.add("'" + path + "': a closing backtick must end its segment");
          return java.util.Optional.empty();
        }
        current.append(c);
      }
    }
    if (quoted) {
      problems.add("'" + path + "': a backtick is not closed");
      return java.util.Optional.empty();
    }
    if (current.length() == 0 && !wasQuoted) {
      problems.add("'" + path + "': an empty segment (two dots in a row, or a dot at an end)");
      return java.util.Optional.empty();
    }
    segments.add(current.toString());
    return java.util.Optional.of(new FieldPath(List.copyOf(segments)));
  }

  private static List<String> splitOutsideBackticks(String text, char separator) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '`') {
        quoted = !quoted;
      }
      if (c == separator && !quoted) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    parts.add(current.toString());
    return parts;
  }

  /** The path as a user writes it, segments holding a dot or a backtick in backticks. */
  public static String render(List<String> segments) {
    return segments.stream()
        .map(s -> s.contains(".") || s.contains("`") || s.contains(",") || !s.equals(s.strip())
            ? "`" + s.replace("`", "``") + "`" : s)
        .collect(Collectors.joining("."));
  }

  @Override
  public String toString() {
    return render(segments);
  }
}
