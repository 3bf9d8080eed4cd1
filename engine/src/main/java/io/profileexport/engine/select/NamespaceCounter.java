package io.profileexport.engine.select;

import static org.apache.spark.sql.functions.udf;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.util.AccumulatorV2;

/**
 * Counts exported profiles by their primary identity's namespace ({@code exportedProfileByNamespaceCounter}) while
 * they are written: a filter that keeps every row and counts it, placed right before the write, so the counts come
 * from the computation itself. It runs in the write's result stage, whose accumulator updates Spark applies once per
 * partition, retries included. (An aggregate in {@code Dataset.observe} would be simpler, but Spark 3.5 cannot ship a
 * typed aggregate's state back from the tasks.)
 */
public final class NamespaceCounter extends AccumulatorV2<String, Map<String, Long>> {
  private static final long serialVersionUID = 1L;

  private final HashMap<String, Long> counts = new HashMap<>();

  public static NamespaceCounter registered(SparkContext sc, String name) {
    NamespaceCounter counter = new NamespaceCounter();
    sc.register(counter, name);
    return counter;
  }

  /** A condition that is always true and counts the namespace of each row it sees. */
  public Column countingEveryRow(Column namespace) {
    NamespaceCounter self = this;
    UserDefinedFunction count = udf((UDF1<String, Boolean>) ns -> {
      self.add(ns == null ? "" : ns);
      return true;
    }, DataTypes.BooleanType).asNondeterministic();
    return count.apply(namespace);
  }

  @Override
  public boolean isZero() {
    return counts.isEmpty();
  }

  @Override
  public AccumulatorV2<String, Map<String, Long>> copy() {
    NamespaceCounter copy = new NamespaceCounter();
    copy.counts.putAll(counts);
    return copy;
  }

  @Override
  public void reset() {
    counts.clear();
  }

  @Override
  public void add(String namespace) {
    counts.merge(namespace, 1L, Long::sum);
  }

  @Override
  public void merge(AccumulatorV2<String, Map<String, Long>> other) {
    other.value().forEach((k, v) -> counts.merge(k, v, Long::sum));
  }

  @Override
  public Map<String, Long> value() {
    return new TreeMap<>(counts);
  }
}
