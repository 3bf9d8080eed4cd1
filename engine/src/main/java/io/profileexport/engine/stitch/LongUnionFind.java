package io.profileexport.engine.stitch;

import java.util.Arrays;

/**
 * Union-find over long node ids without boxing; a union keeps the smaller root, so every set's representative is its
 * smallest node. Each node gets a dense index on first sight (one probe of a hash table), and the forest lives in
 * arrays by index: a find walks an int array instead of probing the table at every step, which is what bounds
 * union-find over millions of identities (each probe of a table far larger than the CPU caches is a cache miss).
 * Optional per-node mark bits live alongside.
 */
final class LongUnionFind {
  /**
   * The most nodes one forest holds: its index is a Java array of two longs a slot at a load of at most a half, and
   * a Java array has fewer than 2^31 elements.
   */
  static final int MAX_NODES = 1 << 28;
  private final LongLongMap index;
  private long[] ids;
  private int[] parents;
  private int[] marks;
  private int size;

  /** @param expected nodes the forest will likely hold: sized for them, it never grows while it fills */
  LongUnionFind(int expected) {
    int capacity = Math.max(16, Math.min(expected, MAX_NODES));
    index = new LongLongMap(capacity);
    ids = new long[capacity];
    parents = new int[capacity];
  }

  /** Links the sets of {@code a} and {@code b}. */
  void union(long a, long b) {
    unionAt(indexOf(a), indexOf(b));
  }

  /** Links the sets of the nodes at indexes {@code i} and {@code j} ({@link #indexOf}). */
  void unionAt(int i, int j) {
    int ra = rootIndex(i);
    int rb = rootIndex(j);
    if (ra != rb) {
      if (ids[ra] < ids[rb]) {
        parents[rb] = ra;
      } else {
        parents[ra] = rb;
      }
    }
  }

  /** The smallest node of {@code x}'s set, adding {@code x} as a singleton if unseen. */
  long find(long x) {
    return ids[rootIndex(indexOf(x))];
  }

  /** Ors {@code bits} into the marks of {@code x}, adding it as a singleton if unseen. */
  void mark(long x, int bits) {
    markAt(indexOf(x), bits);
  }

  /** Ors {@code bits} into the marks of the node at index {@code i} ({@link #indexOf}). */
  void markAt(int i, int bits) {
    if (marks == null) {
      marks = new int[ids.length];
    }
    marks[i] |= bits;
  }

  /** Nodes seen; their indexes are 0 to size - 1, in the order first seen. */
  int size() {
    return size;
  }

  long node(int i) {
    return ids[i];
  }

  /** The marks of the node at index {@code i}. */
  int marks(int i) {
    return marks == null ? 0 : marks[i];
  }

  /** The index of the root of the node at index {@code i}; halves the path on the way. */
  int rootIndex(int i) {
    int node = i;
    while (parents[node] != node) {
      parents[node] = parents[parents[node]];
      node = parents[node];
    }
    return node;
  }

  long[] nodes() {
    return Arrays.copyOf(ids, size);
  }

  /** Loads the index's lines of {@code ids[0..count)} ({@link LongLongMap#touch}), before their {@link #indexOf}. */
  void touch(long[] ids, int count) {
    index.touch(ids, count);
  }

  /** The index of {@code id}, adding it as a singleton if unseen. */
  int indexOf(long id) {
    long seen = index.putIfAbsent(id, size);
    if (seen != LongLongMap.ABSENT) {
      return (int) seen;
    }
    if (size == ids.length) {
      int capacity = ids.length * 2;
      ids = Arrays.copyOf(ids, capacity);
      parents = Arrays.copyOf(parents, capacity);
      if (marks != null) {
        marks = Arrays.copyOf(marks, capacity);
      }
    }
    ids[size] = id;
    parents[size] = size;
    return size++;
  }
}
