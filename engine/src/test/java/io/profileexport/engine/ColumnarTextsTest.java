package io.profileexport.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.execution.vectorized.Dictionary;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarRow;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/**
 * {@link ColumnarTexts} on column vectors as a Parquet scan fills them (dictionary ids and a dictionary set per
 * batch, nulls, plain values) and on Spark's other arrays and rows: always what {@code getUTF8String} reads.
 */
class ColumnarTextsTest {
  /** A dictionary whose entry {@code id} is {@code prefix + id}. */
  private static Dictionary dictionary(String prefix) {
    return new Dictionary() {
      @Override
      public int decodeToInt(int id) {
        throw new UnsupportedOperationException();
      }

      @Override
      public long decodeToLong(int id) {
        throw new UnsupportedOperationException();
      }

      @Override
      public float decodeToFloat(int id) {
        throw new UnsupportedOperationException();
      }

      @Override
      public double decodeToDouble(int id) {
        throw new UnsupportedOperationException();
      }

      @Override
      public byte[] decodeToBinary(int id) {
        return (prefix + id).getBytes(StandardCharsets.UTF_8);
      }
    };
  }

  /** {@code rows} values of dictionary ids {@code ids[i]} (a negative id: a null), as a dictionary page gives them. */
  private static void fill(WritableColumnVector vector, Dictionary dictionary, int... ids) {
    vector.reset();
    WritableColumnVector dictionaryIds = vector.reserveDictionaryIds(ids.length);
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0) {
        vector.putNull(i);
      } else {
        vector.putNotNull(i);
        dictionaryIds.putInt(i, ids[i]);
      }
    }
    vector.setDictionary(dictionary);
  }

  private static void assertReadsAsSpark(ColumnarTexts texts, ColumnarArray array) {
    for (int i = 0; i < array.numElements(); i++) {
      UTF8String expected = array.isNullAt(i) ? null : array.getUTF8String(i);
      assertEquals(expected, texts.get(array, i), "element " + i);
    }
  }

  @Test
  void dictionaryTextsAreDecodedOncePerDictionaryAndReadAsSparkReadsThem() {
    assertTrue(ColumnarTexts.available(), "this Spark's columnar classes are read directly");
    OnHeapColumnVector vector = new OnHeapColumnVector(16, DataTypes.StringType);
    fill(vector, dictionary("ns"), 0, 1, 0, -1, 2, 1, 0, ColumnarTexts.MAX_CACHED_ID + 7);
    ColumnarTexts texts = new ColumnarTexts();
    ColumnarArray array = new ColumnarArray(vector, 1, 7);  // an array starting past the vector's first value
    assertReadsAsSpark(texts, array);
    assertNull(texts.get(array, 2));
    // One decoded text per dictionary id: the second read of an id is the same object.
    assertSame(texts.get(array, 0), texts.get(array, 4));
    assertSame(texts.get(array, 1), texts.get(array, 5));
    assertEquals(UTF8String.fromString("ns" + (ColumnarTexts.MAX_CACHED_ID + 7)), texts.get(array, 6));

    // The next batch: the same ids in another dictionary read as that dictionary's entries, not the cached ones.
    fill(vector, dictionary("segment"), 1, 1, 0, 2);
    ColumnarArray next = new ColumnarArray(vector, 0, 4);
    assertReadsAsSpark(texts, next);
    assertEquals(UTF8String.fromString("segment1"), texts.get(next, 0));
  }

  @Test
  void aDerivedValueIsComputedOncePerDictionaryEntryAndBatchAndEqualsTheFunctionOfTheText() {
    OnHeapColumnVector vector = new OnHeapColumnVector(16, DataTypes.StringType);
    fill(vector, dictionary("seg"), 0, 1, 0, -1, 2, 1, 0, ColumnarTexts.MAX_CACHED_ID + 7, -1);
    ColumnarTexts texts = new ColumnarTexts();
    java.util.List<UTF8String> seen = new java.util.ArrayList<>();
    java.util.function.ToIntFunction<UTF8String> length = text -> {
      seen.add(text);
      return text == null ? -1 : text.numBytes();
    };
    ColumnarArray array = new ColumnarArray(vector, 0, 9);
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < array.numElements(); i++) {
        UTF8String text = array.isNullAt(i) ? null : array.getUTF8String(i);
        assertEquals(text == null ? -1 : text.numBytes(), texts.derived(array, i, length), "element " + i);
      }
    }
    // Ids 0, 1 and 2 once in both rounds; the id past the cache and the two nulls each time they are read.
    assertEquals(3 + 2 * 3, seen.size(), seen.toString());
    assertEquals(2, seen.stream().filter(t -> t != null && t.toString().equals("seg" + (ColumnarTexts.MAX_CACHED_ID + 7)))
        .count());

    // The next batch's dictionary: the same ids are computed again, from its texts.
    seen.clear();
    fill(vector, dictionary("segment"), 1, 1, 0);
    ColumnarArray next = new ColumnarArray(vector, 0, 3);
    assertEquals("segment1".length(), texts.derived(next, 0, length));
    assertEquals("segment1".length(), texts.derived(next, 1, length));
    assertEquals("segment0".length(), texts.derived(next, 2, length));
    assertEquals(java.util.List.of(UTF8String.fromString("segment1"), UTF8String.fromString("segment0")), seen);

    // Spark's other arrays: computed for each read.
    seen.clear();
    GenericArrayData generic = new GenericArrayData(new Object[] {UTF8String.fromString("ab"), null});
    assertEquals(2, texts.derived(generic, 0, length));
    assertEquals(2, texts.derived(generic, 0, length));
    assertEquals(-1, texts.derived(generic, 1, length));
    assertEquals(3, seen.size());
  }

  @Test
  void aDerivedTextIsComputedOncePerDictionaryEntryAndBatchNextToTheTextsRead() {
    OnHeapColumnVector vector = new OnHeapColumnVector(16, DataTypes.StringType);
    fill(vector, dictionary("NS"), 0, 1, 0, -1, 1, ColumnarTexts.MAX_CACHED_ID + 7);
    ColumnarTexts texts = new ColumnarTexts();
    java.util.List<UTF8String> seen = new java.util.ArrayList<>();
    java.util.function.UnaryOperator<UTF8String> lower = text -> {
      seen.add(text);
      return text == null ? null : text.toLowerCase();
    };
    ColumnarArray array = new ColumnarArray(vector, 0, 6);
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < array.numElements(); i++) {
        UTF8String text = array.isNullAt(i) ? null : array.getUTF8String(i);
        // The same instance reads the texts themselves too, as the identity scan reads namespaces and their keys.
        assertEquals(text, texts.get(array, i), "element " + i);
        assertEquals(text == null ? null : text.toLowerCase(), texts.derivedText(array, i, lower), "element " + i);
      }
    }
    // Ids 0 and 1 once in both rounds; the id past the cache and the null each time they are read.
    assertEquals(2 + 2 * 2, seen.size(), seen.toString());
    assertSame(texts.derivedText(array, 0, lower), texts.derivedText(array, 2, lower));

    // The next batch's dictionary: the same ids are computed again, from its texts.
    seen.clear();
    fill(vector, dictionary("Segment"), 1, 1);
    ColumnarArray next = new ColumnarArray(vector, 0, 2);
    assertEquals(UTF8String.fromString("segment1"), texts.derivedText(next, 0, lower));
    assertEquals(UTF8String.fromString("segment1"), texts.derivedText(next, 1, lower));
    assertEquals(java.util.List.of(UTF8String.fromString("Segment1")), seen);

    // Spark's other arrays: computed for each read.
    seen.clear();
    GenericArrayData generic = new GenericArrayData(new Object[] {UTF8String.fromString("AB")});
    assertEquals(UTF8String.fromString("ab"), texts.derivedText(generic, 0, lower));
    assertEquals(UTF8String.fromString("ab"), texts.derivedText(generic, 0, lower));
    assertEquals(2, seen.size());
  }

  @Test
  void structFieldsWithADictionaryAndPlainValues() {
    StructType entry = new StructType().add("status", DataTypes.StringType).add("plain", DataTypes.StringType);
    OnHeapColumnVector structs = new OnHeapColumnVector(4, entry);
    WritableColumnVector status = structs.getChild(0);
    fill(status, dictionary("status"), 2, -1, 2, 0);
    WritableColumnVector plain = structs.getChild(1);
    for (int i = 0; i < 4; i++) {
      structs.putNotNull(i);
      if (i == 2) {
        plain.putNull(i);
      } else {
        plain.putByteArray(i, ("plain" + i).getBytes(StandardCharsets.UTF_8));
      }
    }
    ColumnarTexts statusTexts = new ColumnarTexts();
    ColumnarTexts plainTexts = new ColumnarTexts();
    for (int i = 0; i < 4; i++) {
      ColumnarRow row = new ColumnarRow(structs, i);
      assertEquals(row.isNullAt(0) ? null : row.getUTF8String(0), statusTexts.get(row, 0), "status of " + i);
      assertEquals(row.isNullAt(1) ? null : row.getUTF8String(1), plainTexts.get(row, 1), "plain of " + i);
    }
    assertSame(statusTexts.get(new ColumnarRow(structs, 0), 0), statusTexts.get(new ColumnarRow(structs, 2), 0));
    assertNull(statusTexts.get(new ColumnarRow(structs, 1), 0));
    assertNull(plainTexts.get(new ColumnarRow(structs, 2), 1));
  }

  @Test
  void sparksOtherArraysAndRowsAreReadAsTheyAre() {
    ColumnarTexts texts = new ColumnarTexts();
    GenericArrayData array = new GenericArrayData(new Object[] {UTF8String.fromString("a"), null});
    assertEquals(UTF8String.fromString("a"), texts.get(array, 0));
    assertNull(texts.get(array, 1));
    GenericInternalRow row = new GenericInternalRow(new Object[] {null, UTF8String.fromString("b")});
    assertNull(texts.get(row, 0));
    assertEquals(UTF8String.fromString("b"), texts.get(row, 1));
  }
}
