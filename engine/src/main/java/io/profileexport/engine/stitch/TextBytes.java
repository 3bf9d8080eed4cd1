package io.profileexport.engine.stitch;

import java.util.Arrays;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.array.ByteArrayMethods;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Copies and compares of a string's bytes with a range of a byte array. The texts the graph pass handles are short
 * (an identity's namespace key and id) and nearly always on the heap, in a byte array: there {@code System.arraycopy}
 * and {@code Arrays.equals} of a range cost a fraction of Spark's {@code Platform.copyMemory} and
 * {@code arrayEquals}, whose checks and setup a JFR recording of the graph pass showed as about 5% of it.
 */
final class TextBytes {
  private TextBytes() {}

  /** Writes {@code text}'s bytes into {@code to} at index {@code at}. */
  static void copy(UTF8String text, byte[] to, int at) {
    int n = text.numBytes();
    if (text.getBaseObject() instanceof byte[] from) {
      System.arraycopy(from, (int) (text.getBaseOffset() - Platform.BYTE_ARRAY_OFFSET), to, at, n);
    } else {
      text.writeToMemory(to, Platform.BYTE_ARRAY_OFFSET + at);
    }
  }

  /** Whether the {@code text.numBytes()} bytes of {@code bytes} at index {@code at} are {@code text}'s. */
  static boolean equalsAt(byte[] bytes, int at, UTF8String text) {
    int n = text.numBytes();
    if (text.getBaseObject() instanceof byte[] from) {
      int fromAt = (int) (text.getBaseOffset() - Platform.BYTE_ARRAY_OFFSET);
      return Arrays.equals(bytes, at, at + n, from, fromAt, fromAt + n);
    }
    return ByteArrayMethods.arrayEquals(bytes, Platform.BYTE_ARRAY_OFFSET + at, text.getBaseObject(),
        text.getBaseOffset(), n);
  }
}
