package io.profileexport.engine.stitch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The open-addressing map, with and without the bitmap of its keys, against {@link HashMap}. */
class LongLongMapTest {
  private static void assertSame(Map<Long, Long> expected, LongLongMap map, SplittableRandom random) {
    assertEquals(expected.size(), map.size());
    for (Map.Entry<Long, Long> e : expected.entrySet()) {
      assertEquals(e.getValue(), map.get(e.getKey()), "key " + e.getKey());
    }
    for (int n = 0; n < 20_000; n++) {
      long key = random.nextLong();
      if (key != LongLongMap.ABSENT && !expected.containsKey(key)) {
        assertEquals(LongLongMap.ABSENT, map.get(key), "absent key " + key);
      }
    }
    // The batched lookup gives what get gives, for held keys (some further along their probe than their first slot),
    // absent ones and ABSENT itself, from an offset into the keys.
    long[] keys = new long[3 + expected.size() * 2 + 1];
    int n = 3;
    for (long key : expected.keySet()) {
      keys[n++] = key;
      keys[n++] = random.nextLong();
    }
    keys[n] = LongLongMap.ABSENT;
    int count = keys.length - 3;
    long[] out = new long[count];
    map.touch(keys, keys.length);  // only loads: the answers stay the same
    map.getAll(keys, 3, count, out, new int[count]);
    for (int i = 0; i < count; i++) {
      assertEquals(map.get(keys[3 + i]), out[i], "batched key " + keys[3 + i]);
    }
  }

  @Test
  void everyKeyIsFoundWithTheBitmapOfItsKeysAndAbsentKeysAreNot() {
    SplittableRandom random = new SplittableRandom(11);
    Map<Long, Long> expected = new HashMap<>();
    LongLongMap map = new LongLongMap(4);  // grows several times
    for (int n = 0; n < 5_000; n++) {
      long key = n % 7 == 0 ? -1 - n : random.nextLong();  // some small negative keys, as colliding ids are
      expected.put(key, (long) n);
      map.put(key, n);
    }
    assertSame(expected, map, random);
    map.summarize();
    assertSame(expected, map, random);
    // Keys added after the bitmap are in it, through growth too.
    for (int n = 0; n < 20_000; n++) {
      long key = random.nextLong();
      if (n % 2 == 0) {
        map.put(key, n);
        expected.put(key, (long) n);
      } else if (map.putIfAbsent(key, n) == LongLongMap.ABSENT) {
        expected.put(key, (long) n);
      }
    }
    assertSame(expected, map, random);
  }

  @Test
  void anEmptyMapWithABitmapFindsNothing() {
    LongLongMap map = new LongLongMap(0);
    map.summarize();
    assertEquals(LongLongMap.ABSENT, map.get(42));
    map.put(42, 7);
    assertEquals(7, map.get(42));
  }
}
