package io.profileexport.engine.select;

import io.profileexport.engine.merge.XdmMaps;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The paths of a {@code fields} list resolved against a union schema (SPEC 3.8), as a tree: a node is either whole
 * (its subtree is kept) or has children. Children of a struct are field names; of an array, they apply inside each
 * element; of a map, they are keys, compared case-insensitively (and stored lower-cased) for the namespace maps.
 */
public final class FieldSelection {
  private final boolean whole;
  private final Map<String, FieldSelection> children;

  private FieldSelection(boolean whole, Map<String, FieldSelection> children) {
    this.whole = whole;
    this.children = children;
  }

  /** Selects everything: {@code fields} omitted or empty. */
  public static FieldSelection all() {
    return new FieldSelection(true, Map.of());
  }

  /**
   * The selection that covers every one of {@code selections}: whole if any is, else the union of their children.
   * A map's value type is pruned to this when different keys select different parts of it.
   */
  public static FieldSelection merged(java.util.Collection<FieldSelection> selections) {
    if (selections.stream().anyMatch(FieldSelection::isWhole)) {
      return all();
    }
    Map<String, List<FieldSelection>> byKey = new LinkedHashMap<>();
    for (FieldSelection s : selections) {
      s.children.forEach((k, v) -> byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    }
    Map<String, FieldSelection> children = new LinkedHashMap<>();
    byKey.forEach((k, v) -> children.put(k, merged(v)));
    return new FieldSelection(false, children);
  }

  public boolean isWhole() {
    return whole;
  }

  public Map<String, FieldSelection> children() {
    return Collections.unmodifiableMap(children);
  }

  /** A path that does not fit the schema, with what is wrong and up to three nearest existing paths. */
  public record Unresolved(String path, String message, List<String> suggestions) {}

  /** The selection of {@code paths} in {@code schema}, or what does not resolve. */
  public record Resolution(FieldSelection selection, List<Unresolved> unresolved) {}

  public static Resolution resolve(List<FieldPath> paths, StructType schema) {
    if (paths.isEmpty()) {
      return new Resolution(all(), List.of());
    }
    Builder root = new Builder();
    List<Unresolved> unresolved = new ArrayList<>();
    for (FieldPath path : paths) {
      String problem = add(root, path.segments(), schema);
      if (problem != null) {
        unresolved.add(new Unresolved(path.toString(), problem, nearest(path.toString(), schema)));
      }
    }
    return new Resolution(root.build(), unresolved);
  }

  private static String add(Builder root, List<String> segments, StructType schema) {
    Builder node = root;
    DataType type = schema;
    for (int i = 0; i < segments.size(); i++) {
      String segment = segments.get(i);
      DataType inner = elementType(type);
      String key;
      if (inner instanceof StructType struct) {
        StructField field = fieldOf(struct, segment);
        if (field == null) {
          return "no field '" + segment + "' at " + describe(segments, i);
        }
        key = field.name();
        type = field.dataType();
      } else if (inner instanceof MapType map) {
        boolean namespaceMap = i == 1 && XdmMaps.isNamespaceMap(segments.get(0));
        key = namespaceMap ? segment.toLowerCase(Locale.ROOT) : segment;
        type = map.valueType();
      } else {
        return describe(segments, i) + " is a " + inner.simpleString() + ", it has no members";
      }
      node = node.child(key);
    }
    node.markWhole();
    return null;
  }

  private static String describe(List<String> segments, int upTo) {
    return upTo == 0 ? "the top level" : "'" + FieldPath.render(segments.subList(0, upTo)) + "'";
  }

  private static StructField fieldOf(StructType struct, String name) {
    for (StructField f : struct.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }

  /** Arrays are looked through: a path continues inside each element. */
  static DataType elementType(DataType type) {
    DataType t = type;
    while (t instanceof ArrayType a) {
      t = a.elementType();
    }
    return t;
  }

  /** Up to three existing paths nearest to {@code written} by edit distance, nearest first. */
  static List<String> nearest(String written, StructType schema) {
    List<String> candidates = new ArrayList<>();
    collectPaths(schema, new ArrayList<>(), candidates);
    return candidates.stream()
        .sorted(Comparator.<String>comparingInt(c -> editDistance(written, c)).thenComparing(c -> c))
        .limit(3)
        .toList();
  }

  private static void collectPaths(DataType type, List<String> prefix, List<String> out) {
    DataType inner = elementType(type);
    if (inner instanceof StructType struct) {
      for (StructField f : struct.fields()) {
        List<String> path = new ArrayList<>(prefix);
        path.add(f.name());
        out.add(FieldPath.render(path));
        collectPaths(f.dataType(), path, out);
      }
    }
  }

  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static final class Builder {
    private boolean whole;
    private final Map<String, Builder> children = new LinkedHashMap<>();

    Builder child(String key) {
      return children.computeIfAbsent(key, k -> new Builder());
    }

    void markWhole() {
      whole = true;
    }

    FieldSelection build() {
      if (whole) {
        return new FieldSelection(true, Map.of());
      }
      Map<String, FieldSelection> built = new LinkedHashMap<>();
      children.forEach((k, v) -> built.put(k, v.build()));
      return new FieldSelection(false, built);
    }
  }
}
