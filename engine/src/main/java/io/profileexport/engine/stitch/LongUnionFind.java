package io.profileexport.engine.stitch;

/**
 * Union-find over long node ids without boxing; a union keeps the smaller root, so every set's representative is its
 * smallest node. Used inside one partition of a stitching round.
 */
final class LongUnionFind {
  private final LongLongMap parents;

  LongUnionFind(int expected) {
    parents = new LongLongMap(expected);
  }

  /** Links the sets of {@code a} and {@code b}. */
  void union(long a, long b) {
    long ra = find(a);
    long rb = find(b);
    if (ra != rb) {
      parents.put(Math.max(ra, rb), Math.min(ra, rb));
    }
  }

  /** The smallest node of {@code x}'s set, adding {@code x} as a singleton if unseen; compresses the path. */
  long find(long x) {
    long root = x;
    while (true) {
      long p = parents.get(root);
      if (p == LongLongMap.ABSENT) {
        parents.put(root, root);
        return root;
      }
      if (p == root) {
        break;
      }
      root = p;
    }
    long node = x;
    while (node != root) {
      long next = parents.get(node);
      parents.put(node, root);
      node = next;
    }
    return root;
  }

  long[] nodes() {
    return parents.keys();
  }
}
