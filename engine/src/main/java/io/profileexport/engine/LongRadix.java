package io.profileexport.engine;

/**
 * A least-significant-byte-first radix sort of long keys in signed order, moving only the keys and their rows'
 * indexes: the rows' other values are then read once in the sorted order (a pass scatters each element to one of
 * 256 places; moving whole rows in each of up to eight passes wrote far more bytes into far more streams). A byte
 * that is the same in every key (the high bytes of small ids) is skipped. Used where Spark's sort of rows would read
 * each row through its pointer, a cache miss a row: the graph pass's reduce ({@code KeySort}) and the merge's
 * ({@code HashSorted}).
 */
public final class LongRadix {
  private LongRadix() {}

  /**
   * The first {@code n} keys sorted, the index each came from, and a spare array of {@code n} longs (the buffer the
   * sort no longer needs: {@code keys} itself or its twin).
   */
  public record Sorted(long[] keys, int[] order, long[] spare) {}

  /** Sorts the first {@code n} of {@code keys}, which it may overwrite. */
  public static Sorted sort(long[] keys, int n) {
    int[][] counts = new int[8][256];
    for (int i = 0; i < n; i++) {
      long k = keys[i] ^ Long.MIN_VALUE;  // the sign bit flipped: the bytes' order is then the signed order
      for (int b = 0; b < 8; b++) {
        counts[b][(int) (k >>> (b << 3)) & 0xff]++;
      }
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    long[] k2 = new long[n];
    int[] order2 = new int[n];
    for (int b = 0; b < 8 && n > 1; b++) {
      int[] count = counts[b];
      int shift = b << 3;
      if (count[(int) ((keys[0] ^ Long.MIN_VALUE) >>> shift) & 0xff] == n) {
        continue;
      }
      int[] at = new int[256];
      for (int v = 1; v < 256; v++) {
        at[v] = at[v - 1] + count[v - 1];
      }
      for (int i = 0; i < n; i++) {
        long k = keys[i];
        int d = at[(int) ((k ^ Long.MIN_VALUE) >>> shift) & 0xff]++;
        k2[d] = k;
        order2[d] = order[i];
      }
      long[] t = keys;
      keys = k2;
      k2 = t;
      int[] o = order;
      order = order2;
      order2 = o;
    }
    return new Sorted(keys, order, k2);
  }
}
