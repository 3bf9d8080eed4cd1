package io.profileexport.engine.stitch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

class TextBytesTest {
  private static final byte[] WANTED = "..ecid:x1..".getBytes(StandardCharsets.UTF_8);

  private static void check(UTF8String text) {
    byte[] to = "..........!".getBytes(StandardCharsets.UTF_8);
    TextBytes.copy(text, to, 2);
    assertArrayEquals("..ecid:x1.!".getBytes(StandardCharsets.UTF_8), to);
    assertTrue(TextBytes.equalsAt(WANTED, 2, text));
    assertFalse(TextBytes.equalsAt(WANTED, 1, text));
    assertFalse(TextBytes.equalsAt("..ecid:x2..".getBytes(StandardCharsets.UTF_8), 2, text));
  }

  @Test
  void aTextInsideALargerArray() {
    byte[] bytes = "abcecid:x1def".getBytes(StandardCharsets.UTF_8);
    check(UTF8String.fromBytes(bytes, 3, 7));
  }

  @Test
  void aTextOffTheHeap() {
    byte[] bytes = "ecid:x1".getBytes(StandardCharsets.UTF_8);
    long address = Platform.allocateMemory(bytes.length);
    try {
      Platform.copyMemory(bytes, Platform.BYTE_ARRAY_OFFSET, null, address, bytes.length);
      check(UTF8String.fromAddress(null, address, bytes.length));
    } finally {
      Platform.freeMemory(address);
    }
  }
}
