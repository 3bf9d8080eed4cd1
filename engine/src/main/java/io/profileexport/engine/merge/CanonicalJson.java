package io.profileexport.engine.merge;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/** Canonical JSON of a record: keys sorted at every level, nulls left out. Only its order matters. */
final class CanonicalJson {
  private CanonicalJson() {}

  static void appendStruct(StringBuilder out, Row row, StructType type) {
    TreeMap<String, Integer> byName = new TreeMap<>(ProfileMerger::compareCodePoints);
    for (int i = 0; i < type.size(); i++) {
      byName.put(type.fields()[i].name(), i);
    }
    out.append('{');
    boolean first = true;
    for (Map.Entry<String, Integer> e : byName.entrySet()) {
      Object v = row.get(e.getValue());
      if (v != null) {
        out.append(first ? "" : ",");
        first = false;
        appendString(out, e.getKey());
        out.append(':');
        append(out, v, type.fields()[e.getValue()].dataType());
      }
    }
    out.append('}');
  }

  static void append(StringBuilder out, Object v, DataType type) {
    if (v == null) {
      out.append("null");
    } else if (type instanceof StructType s) {
      appendStruct(out, (Row) v, s);
    } else if (type instanceof ArrayType a) {
      out.append('[');
      boolean first = true;
      for (Object item : JavaConverters.seqAsJavaList((scala.collection.Seq<Object>) v)) {
        out.append(first ? "" : ",");
        first = false;
        append(out, item, a.elementType());
      }
      out.append(']');
    } else if (type instanceof MapType m) {
      TreeMap<String, Object> sorted = new TreeMap<>(ProfileMerger::compareCodePoints);
      JavaConverters.mapAsJavaMap((scala.collection.Map<Object, Object>) v).forEach((k, value) -> {
        if (value != null) {
          sorted.put(String.valueOf(k), value);
        }
      });
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        out.append(first ? "" : ",");
        first = false;
        appendString(out, e.getKey());
        out.append(':');
        append(out, e.getValue(), m.valueType());
      }
      out.append('}');
    } else if (v instanceof String s) {
      appendString(out, s);
    } else if (v instanceof byte[] bytes) {
      appendString(out, Base64.getEncoder().encodeToString(bytes));
    } else if (v instanceof Timestamp || v instanceof Instant || v instanceof java.sql.Date
        || v instanceof java.time.LocalDate) {
      appendString(out, v.toString());
    } else {
      out.append(v);
    }
  }

  private static void appendString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '"' || ch == '\\') {
        out.append('\\').append(ch);
      } else if (ch < 0x20) {
        out.append(String.format("\\u%04x", (int) ch));
      } else {
        out.append(ch);
      }
    }
    out.append('"');
  }
}
