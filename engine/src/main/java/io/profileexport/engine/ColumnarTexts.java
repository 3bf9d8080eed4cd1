package io.profileexport.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.execution.vectorized.Dictionary;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarRow;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Reads the texts of one string column of a Parquet scan's batches, as Java called from the scan's generated code
 * sees them ({@link ColumnarArray}, {@link ColumnarRow}), decoding each dictionary entry once per batch.
 *
 * <p>Why: a dictionary-encoded value read with {@code getUTF8String} is copied out of the dictionary page into a new
 * array each time; namespaces, segment ids and statuses are a handful of values repeated in millions of records, and
 * those copies were 5-7% of an export's CPU samples. A page's entries are the same whatever row reads them, so one
 * decoded text per dictionary id serves every row of the batch. Anything else (rows and arrays of Spark's own row
 * format, columns without a dictionary, ids past {@link #MAX_CACHED_ID}, a Spark whose classes do not have the
 * fields read here) is read by {@code getUTF8String}, as before.
 *
 * <p>One instance per column read and per thread: it caches, unsynchronized. The texts it returns are never changed
 * afterwards, so a caller may keep them.
 */
public final class ColumnarTexts {
  /** Dictionaries with more entries (ids, say) are not worth caching: each entry is read about once. */
  static final int MAX_CACHED_ID = 4095;
  private static final VarHandle ARRAY_DATA;
  private static final VarHandle ARRAY_OFFSET;
  private static final VarHandle ROW_DATA;
  private static final VarHandle ROW_ID;
  private static final VarHandle DICTIONARY;

  static {
    VarHandle arrayData = null;
    VarHandle arrayOffset = null;
    VarHandle rowData = null;
    VarHandle rowId = null;
    VarHandle dictionary = null;
    try {
      MethodHandles.Lookup here = MethodHandles.lookup();
      MethodHandles.Lookup array = MethodHandles.privateLookupIn(ColumnarArray.class, here);
      arrayData = array.findVarHandle(ColumnarArray.class, "data", ColumnVector.class);
      arrayOffset = array.findVarHandle(ColumnarArray.class, "offset", int.class);
      MethodHandles.Lookup row = MethodHandles.privateLookupIn(ColumnarRow.class, here);
      rowData = row.findVarHandle(ColumnarRow.class, "data", ColumnVector.class);
      rowId = row.findVarHandle(ColumnarRow.class, "rowId", int.class);
      dictionary = MethodHandles.privateLookupIn(WritableColumnVector.class, here)
          .findVarHandle(WritableColumnVector.class, "dictionary", Dictionary.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Another Spark: every text is read by getUTF8String.
      arrayData = null;
    }
    ARRAY_DATA = arrayData;
    ARRAY_OFFSET = arrayOffset;
    ROW_DATA = rowData;
    ROW_ID = rowId;
    DICTIONARY = dictionary;
  }

  private Dictionary cachedFor;
  /** Per dictionary id: its text, valid while {@code stamps[id] == generation}. */
  private UTF8String[] texts = new UTF8String[16];
  private int[] stamps = new int[16];
  /** Per dictionary id: what {@link #derived}'s function gave for its text, valid while {@code derivedStamps[id]}. */
  private int[] derivedValues = new int[16];
  private int[] derivedStamps = new int[16];
  /** Per dictionary id: what {@link #derivedText}'s function gave for its text, valid while {@code textStamps[id]}. */
  private UTF8String[] derivedTexts = new UTF8String[16];
  private int[] textStamps = new int[16];
  private int generation = 1;

  /** Whether this Spark's columnar classes can be read here (else every text is read by getUTF8String). */
  static boolean available() {
    return ARRAY_DATA != null;
  }

  /** {@code array.getUTF8String(i)}, or null when the element is null. */
  public UTF8String get(ArrayData array, int i) {
    int id = cachedId(array, i);
    return id >= 0 ? text(id) : textAt(array, i);
  }

  /**
   * The dictionary id of {@code array}'s element {@code i} when it is a dictionary-encoded value that fits the
   * caches (made current for its dictionary); else -1, and the element is read by {@link #textAt}.
   */
  private int cachedId(ArrayData array, int i) {
    WritableColumnVector vector = dictionaryEncoded(array);
    return vector == null ? -1 : cacheableId(vector, (int) ARRAY_OFFSET.get((ColumnarArray) array) + i);
  }

  private static UTF8String textAt(ArrayData array, int i) {
    return array.isNullAt(i) ? null : array.getUTF8String(i);
  }

  /** The scan's column vector under {@code array} when it is a columnar array of dictionary ids; else null. */
  private static WritableColumnVector dictionaryEncoded(ArrayData array) {
    return ARRAY_DATA != null && array instanceof ColumnarArray columnar
        && ARRAY_DATA.get(columnar) instanceof WritableColumnVector vector && vector.hasDictionary() ? vector : null;
  }

  /** {@code row.getUTF8String(ordinal)}, or null when the field is null. */
  public UTF8String get(InternalRow row, int ordinal) {
    if (ARRAY_DATA != null && row instanceof ColumnarRow columnar
        && ((ColumnVector) ROW_DATA.get(columnar)).getChild(ordinal) instanceof WritableColumnVector vector
        && vector.hasDictionary()) {
      return fromDictionary(vector, (int) ROW_ID.get(columnar));
    }
    return row.isNullAt(ordinal) ? null : row.getUTF8String(ordinal);
  }

  /**
   * {@code derive} of {@code array}'s element {@code i} (given null for a null element), computed once per
   * dictionary entry and batch where the element is dictionary-encoded, so that a test of a text repeated in millions
   * of rows (is it a requested segment id?) runs once per distinct text. An instance serves one function: use one
   * instance per column and function.
   */
  public int derived(ArrayData array, int i, ToIntFunction<UTF8String> derive) {
    int id = cachedId(array, i);
    if (id < 0) {
      return derive.applyAsInt(textAt(array, i));
    }
    if (derivedStamps[id] != generation) {
      derivedValues[id] = derive.applyAsInt(text(id));
      derivedStamps[id] = generation;
    }
    return derivedValues[id];
  }

  /**
   * {@code derive} of {@code array}'s element {@code i} (given null for a null element), a text computed once per
   * dictionary entry and batch as {@link #derived}'s numbers are: a namespace's key, say, which would otherwise be
   * looked up by its bytes for every identity. An instance serves one such function.
   */
  public UTF8String derivedText(ArrayData array, int i, UnaryOperator<UTF8String> derive) {
    int id = cachedId(array, i);
    if (id < 0) {
      return derive.apply(textAt(array, i));
    }
    if (textStamps[id] != generation) {
      derivedTexts[id] = derive.apply(text(id));
      textStamps[id] = generation;
    }
    return derivedTexts[id];
  }

  private UTF8String fromDictionary(WritableColumnVector vector, int rowId) {
    int id = cacheableId(vector, rowId);
    if (id < 0) {
      return vector.isNullAt(rowId) ? null : vector.getUTF8String(rowId);
    }
    return text(id);
  }

  /**
   * The dictionary id of a non-null value that fits the caches, which are made current for the vector's dictionary;
   * -1 for a null or an id past {@link #MAX_CACHED_ID}.
   */
  private int cacheableId(WritableColumnVector vector, int rowId) {
    if (vector.isNullAt(rowId)) {
      return -1;
    }
    int id = vector.getDictionaryIds().getDictId(rowId);
    if (id < 0 || id > MAX_CACHED_ID) {
      return -1;
    }
    Dictionary dictionary = (Dictionary) DICTIONARY.get(vector);
    if (dictionary != cachedFor) {
      // Spark sets a new dictionary for each batch it decodes lazily (and for each column chunk).
      cachedFor = dictionary;
      if (++generation == 0) {
        java.util.Arrays.fill(stamps, 0);
        java.util.Arrays.fill(derivedStamps, 0);
        java.util.Arrays.fill(textStamps, 0);
        generation = 1;
      }
    }
    if (id >= texts.length) {
      int size = Math.min(MAX_CACHED_ID + 1, Math.max(id + 1, texts.length * 2));
      texts = java.util.Arrays.copyOf(texts, size);
      stamps = java.util.Arrays.copyOf(stamps, size);
      derivedValues = java.util.Arrays.copyOf(derivedValues, size);
      derivedStamps = java.util.Arrays.copyOf(derivedStamps, size);
      derivedTexts = java.util.Arrays.copyOf(derivedTexts, size);
      textStamps = java.util.Arrays.copyOf(textStamps, size);
    }
    return id;
  }

  /** The text of dictionary id {@code id} of the current dictionary, decoded once. */
  private UTF8String text(int id) {
    if (stamps[id] != generation) {
      texts[id] = UTF8String.fromBytes(cachedFor.decodeToBinary(id));
      stamps[id] = generation;
    }
    return texts[id];
  }
}
