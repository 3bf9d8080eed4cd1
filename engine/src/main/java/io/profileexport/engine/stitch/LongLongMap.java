package io.profileexport.engine.stitch;

/**
 * An open-addressing map from long to long without boxing; {@code Long.MIN_VALUE} cannot be a key. Each key sits
 * next to its value in one array, so a lookup in a table far larger than the CPU caches costs one cache miss, not
 * two: union-find over millions of identities is bound by those misses.
 */
final class LongLongMap {
  static final long ABSENT = Long.MIN_VALUE;

  /** key, value, key, value, ...: {@code 2 * capacity} longs. */
  private long[] table;
  private int mask;
  private int size;
  /**
   * Optional ({@link #summarize}): a Bloom filter of the keys, 8 to 16 bits per key, two bits a key in one 64-byte
   * block, so that most lookups of absent keys are answered from one cache line of a bitmap many times smaller than
   * the table, without the table's cache miss.
   */
  private long[] present;
  private int blockShift;

  LongLongMap(int expected) {
    int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    allocate(capacity);
  }

  private void allocate(int capacity) {
    table = new long[capacity * 2];
    mask = capacity - 1;
    for (int i = 0; i < table.length; i += 2) {
      table[i] = ABSENT;
    }
  }

  int size() {
    return size;
  }

  /**
   * Adds the bitmap of the keys that {@link #get} reads first: worth it for a table mostly asked for keys it does
   * not hold (a lookup of the components the filters keep, asked for every record's identity).
   */
  void summarize() {
    long wanted = Math.max(1L << 12, Math.min(1L << 30, size * 8L));
    long bits = Long.highestOneBit(wanted - 1) << 1;
    present = new long[(int) (bits >>> 6)];
    blockShift = 64 - Long.numberOfTrailingZeros(bits >>> 9);  // 512-bit blocks
    for (int i = 0; i < table.length; i += 2) {
      if (table[i] != ABSENT) {
        setPresent(table[i]);
      }
    }
  }

  /** The first word of the key's block; its two bits are the low 9 bits of the mixed key and the 9 above. */
  private int blockOf(long mixed) {
    return (int) (mixed >>> blockShift) << 3;
  }

  private static long mixed(long key) {
    return key * 0xC2B2AE3D27D4EB4FL;
  }

  private void setPresent(long key) {
    long h = mixed(key);
    int block = blockOf(h);
    int a = (int) h & 511;
    int b = (int) (h >>> 9) & 511;
    present[block + (a >>> 6)] |= 1L << a;
    present[block + (b >>> 6)] |= 1L << b;
  }

  private boolean mayContain(long key) {
    return mayContainBit(key) != 0;
  }

  /** 1 when the bitmap may hold {@code key}, else 0, without a branch (a shift by {@code a} is by its low 6 bits). */
  private int mayContainBit(long key) {
    long h = mixed(key);
    int block = blockOf(h);
    int a = (int) h & 511;
    int b = (int) (h >>> 9) & 511;
    return (int) (present[block + (a >>> 6)] >>> a & present[block + (b >>> 6)] >>> b & 1L);
  }

  /** The value of {@code key}, or {@link #ABSENT}. */
  long get(long key) {
    if (present != null && !mayContain(key)) {
      return ABSENT;
    }
    int at = slot(key) << 1;
    return table[at] == ABSENT ? ABSENT : table[at + 1];
  }

  /**
   * The values of {@code keys[from]} to {@code keys[from + count - 1]} into {@code out[0]} on, {@link #ABSENT} for a
   * key not held: {@link #get} of each, in passes whose loads do not wait on each other. A lookup asked once a key
   * waits for each probe's cache miss alone, and a mispredicted branch on the bitmap's answer cuts off any overlap;
   * here the bitmap's answers are taken without a branch and the table's first slots are all loaded before any is
   * compared, so the processor overlaps the misses.
   *
   * @param scratch at least {@code count} ints
   */
  void getAll(long[] keys, int from, int count, long[] out, int[] scratch) {
    int candidates = 0;
    for (int i = 0; i < count; i++) {
      out[i] = ABSENT;
      scratch[candidates] = i;
      candidates += present == null ? 1 : mayContainBit(keys[from + i]);
    }
    // out[i] holds the key found in the first slot of a candidate i until it is resolved below.
    for (int c = 0; c < candidates; c++) {
      int i = scratch[c];
      out[i] = table[firstSlot(keys[from + i]) << 1];
    }
    for (int c = 0; c < candidates; c++) {
      int i = scratch[c];
      long key = keys[from + i];
      long first = out[i];
      if (first == ABSENT) {
        continue;
      }
      out[i] = first == key ? table[(firstSlot(key) << 1) + 1] : get(key);
    }
  }

  void put(long key, long value) {
    int at = slot(key) << 1;
    if (table[at] == ABSENT) {
      insert(at, key, value);
    } else {
      table[at + 1] = value;
    }
  }

  /**
   * The value of {@code key}, or when absent, {@link #ABSENT} after putting {@code value}: one probe where a get and
   * a put would take two.
   */
  long putIfAbsent(long key, long value) {
    int at = slot(key) << 1;
    if (table[at] != ABSENT) {
      return table[at + 1];
    }
    insert(at, key, value);
    return ABSENT;
  }

  /** Puts a new key in the empty slot at {@code at}, in the bitmap too, and grows the table when half full. */
  private void insert(int at, long key, long value) {
    table[at] = key;
    table[at + 1] = value;
    size++;
    if (present != null) {
      setPresent(key);
    }
    if (size * 2 > mask + 1) {
      grow();
    }
  }

  /** Every key, in table order. */
  long[] keys() {
    long[] out = new long[size];
    int n = 0;
    for (int i = 0; i < table.length; i += 2) {
      if (table[i] != ABSENT) {
        out[n++] = table[i];
      }
    }
    return out;
  }

  /** Where {@link #touch} leaves what it read, so that the compiler keeps its loads. */
  private long touched;

  /**
   * Loads the slots where the probes of {@code keys[0..count)} start, in a loop whose loads do not wait on each
   * other, so that probing them next finds those lines in the caches: a probe's loop branches on what it loads (a
   * key found, an empty slot, another key), and a mispredicted branch lets the processor overlap no miss past it.
   * For a map one thread fills (union-find's, a lookup being loaded): it writes a field.
   */
  void touch(long[] keys, int count) {
    long sum = 0;
    for (int i = 0; i < count; i++) {
      sum += table[firstSlot(keys[i]) << 1];
    }
    touched += sum;
  }

  /** The slot where {@code key}'s probe starts. */
  private int firstSlot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private int slot(long key) {
    int i = firstSlot(key);
    while (table[i << 1] != ABSENT && table[i << 1] != key) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private void grow() {
    long[] old = table;
    allocate((mask + 1) * 2);
    size = 0;
    for (int i = 0; i < old.length; i += 2) {
      if (old[i] != ABSENT) {
        put(old[i], old[i + 1]);
      }
    }
  }
}
