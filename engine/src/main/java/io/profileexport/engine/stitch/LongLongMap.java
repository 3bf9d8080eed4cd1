package io.profileexport.engine.stitch;

import java.util.Arrays;

/** An open-addressing map from long to long without boxing; {@code Long.MIN_VALUE} cannot be a key. */
final class LongLongMap {
  static final long ABSENT = Long.MIN_VALUE;

  private long[] keys;
  private long[] values;
  private int size;

  LongLongMap(int expected) {
    int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    keys = new long[capacity];
    values = new long[capacity];
    Arrays.fill(keys, ABSENT);
  }

  int size() {
    return size;
  }

  /** The value of {@code key}, or {@link #ABSENT}. */
  long get(long key) {
    int slot = slot(key);
    return keys[slot] == ABSENT ? ABSENT : values[slot];
  }

  void put(long key, long value) {
    int slot = slot(key);
    if (keys[slot] == ABSENT) {
      keys[slot] = key;
      values[slot] = value;
      size++;
      if (size * 2 > keys.length) {
        grow();
      }
    } else {
      values[slot] = value;
    }
  }

  /** Every key, in table order. */
  long[] keys() {
    long[] out = new long[size];
    int n = 0;
    for (long k : keys) {
      if (k != ABSENT) {
        out[n++] = k;
      }
    }
    return out;
  }

  private int slot(long key) {
    int mask = keys.length - 1;
    long h = key * 0x9E3779B97F4A7C15L;
    int i = (int) (h ^ (h >>> 32)) & mask;
    while (keys[i] != ABSENT && keys[i] != key) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private void grow() {
    long[] oldKeys = keys;
    long[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new long[oldKeys.length * 2];
    Arrays.fill(keys, ABSENT);
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != ABSENT) {
        put(oldKeys[i], oldValues[i]);
      }
    }
  }
}
