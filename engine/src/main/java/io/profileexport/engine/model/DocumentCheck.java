package io.profileexport.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.profileexport.engine.error.ExportErrors;
import io.profileexport.engine.error.Problem;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads members of a user's JSON document while collecting every problem with its JSON path, so a document is
 * reported whole instead of stopping at its first mistake (ARCHITECTURE.md rule 3). A member of the wrong type reads
 * as absent after its problem is recorded.
 */
public final class DocumentCheck {
  private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final List<Problem> problems = new ArrayList<>();

  public void problem(String path, JsonNode value, String message) {
    problems.add(Problem.of(path, value, message));
  }

  public void problem(Problem problem) {
    problems.add(problem);
  }

  public List<Problem> problems() {
    return List.copyOf(problems);
  }

  public boolean hasProblems() {
    return !problems.isEmpty();
  }

  public void throwIfAny() {
    if (!problems.isEmpty()) {
      throw ExportErrors.badRequest(problems);
    }
  }

  public static String child(String path, String key) {
    return PLAIN_KEY.matcher(key).matches() ? path + "." + key : path + "['" + key.replace("'", "\\'") + "']";
  }

  public static String element(String path, int index) {
    return path + "[" + index + "]";
  }

  /** Records a problem for every key of {@code object} not in {@code allowed}. */
  public void onlyKeys(JsonNode object, String path, Collection<String> allowed) {
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        problem(child(path, key), object.get(key), "unknown member; allowed here: " + String.join(", ", allowed));
      }
    }
  }

  public Optional<JsonNode> member(JsonNode parent, String key, String path, boolean required) {
    JsonNode node = parent == null ? null : parent.get(key);
    if (node == null) {
      if (required) {
        problem(child(path, key), null, "required member is missing");
      }
      return Optional.empty();
    }
    return Optional.of(node);
  }

  public Optional<ObjectNode> object(JsonNode parent, String key, String path, boolean required) {
    return member(parent, key, path, required).flatMap(node -> {
      if (!node.isObject()) {
        problem(child(path, key), node, "must be a JSON object");
        return Optional.empty();
      }
      return Optional.of((ObjectNode) node);
    });
  }

  public Optional<ArrayNode> array(JsonNode parent, String key, String path, boolean required) {
    return member(parent, key, path, required).flatMap(node -> {
      if (!node.isArray()) {
        problem(child(path, key), node, "must be a JSON array");
        return Optional.empty();
      }
      return Optional.of((ArrayNode) node);
    });
  }

  public Optional<String> string(JsonNode parent, String key, String path, boolean required) {
    return member(parent, key, path, required).flatMap(node -> {
      if (!node.isTextual()) {
        problem(child(path, key), node, "must be a string");
        return Optional.empty();
      }
      return Optional.of(node.textValue());
    });
  }

  public Optional<String> nonEmptyString(JsonNode parent, String key, String path, boolean required) {
    return string(parent, key, path, required).flatMap(s -> {
      if (s.isEmpty()) {
        problem(child(path, key), parent.get(key), "must not be empty");
        return Optional.empty();
      }
      return Optional.of(s);
    });
  }

  public Optional<Boolean> bool(JsonNode parent, String key, String path, boolean required) {
    return member(parent, key, path, required).flatMap(node -> {
      if (!node.isBoolean()) {
        problem(child(path, key), node, "must be true or false");
        return Optional.empty();
      }
      return Optional.of(node.booleanValue());
    });
  }

  public Optional<Long> integer(JsonNode parent, String key, String path, boolean required, long min, long max) {
    return member(parent, key, path, required).flatMap(node -> {
      if (!node.isIntegralNumber() || !node.canConvertToLong()) {
        problem(child(path, key), node, "must be an integer");
        return Optional.empty();
      }
      long v = node.longValue();
      if (v < min || v > max) {
        problem(child(path, key), node, "must be between " + min + " and " + max);
        return Optional.empty();
      }
      return Optional.of(v);
    });
  }
}
