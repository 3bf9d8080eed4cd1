package io.profileexport.engine.settings;

import java.util.Optional;
import java.util.function.Function;

/**
 * One named setting with its default beside it (SPEC 1, "Settings"). The same name is the key in {@code _lake.json}
 * and, prefixed with {@value #SPARK_CONF_PREFIX}, a Spark conf key.
 *
 * @param parse turns the text form (Spark conf, or a JSON scalar rendered as text) into a value, or returns empty
 *     when the text is not a valid value
 */
public record Setting<T>(String name, T defaultValue, String meaning, Function<String, Optional<T>> parse) {
  public static final String SPARK_CONF_PREFIX = "spark.profileExport.";

  public String sparkConfKey() {
    return SPARK_CONF_PREFIX + name;
  }

  static Setting<Long> positiveLong(String name, long defaultValue, String meaning) {
    return new Setting<>(name, defaultValue, meaning, text -> {
      try {
        long v = Long.parseLong(text.trim());
        return v >= 1 ? Optional.of(v) : Optional.empty();
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    });
  }

  static Setting<Integer> positiveInt(String name, int defaultValue, String meaning) {
    return new Setting<>(name, defaultValue, meaning, text -> {
      try {
        int v = Integer.parseInt(text.trim());
        return v >= 1 ? Optional.of(v) : Optional.empty();
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    });
  }
}
