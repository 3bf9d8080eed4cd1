package io.profileexport.engine.error;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One thing wrong with a request or an argument: where (a JSON path such as {@code $.filter.segments[0].status}
 * or an argument name such as {@code --dataset}), the offending value as the user wrote it, and a sentence saying
 * what is wrong. {@code notFound} marks problems that are only an unknown id (exit 3 when all problems are such).
 */
@JsonPropertyOrder({"path", "value", "message"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Problem(String path, Object value, String message, @JsonIgnore boolean notFound) {

  public static Problem of(String path, Object value, String message) {
    return new Problem(path, value, message, false);
  }

  public static Problem notFound(String path, Object value, String message) {
    return new Problem(path, value, message, true);
  }

  /** The readable line printed on stderr. */
  public String describe() {
    StringBuilder line = new StringBuilder();
    if (path != null && !path.isEmpty()) {
      line.append(path).append(": ");
    }
    line.append(message);
    if (value != null) {
      String shown = String.valueOf(value);
      if (shown.length() > 200) {
        shown = shown.substring(0, 200) + "...";
      }
      line.append(" (got ").append(shown).append(')');
    }
    return line.toString();
  }
}
