package io.profileexport.engine.stitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.junit.jupiter.api.Test;

class EdgeChunksTest {
  /** Edges over more than two chunks, with ids at the ends of the long range and every mark bit. */
  private static List<long[]> edges(int n) {
    List<long[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long a = i % 3 == 0 ? Long.MAX_VALUE - i : Long.MIN_VALUE + 1 + i;
      out.add(new long[] {a, i % 5 == 0 ? a : i * 31L, i % 7 == 0 ? ConnectedComponents.MARK_BITS : i % 4});
    }
    return out;
  }

  private static Iterator<InternalRow> rows(List<long[]> edges) {
    return edges.stream().map(e -> (InternalRow) new GenericInternalRow(new Object[] {e[0], e[1], (int) e[2]}))
        .iterator();
  }

  private static List<InternalRow> chunks(List<long[]> edges) {
    List<InternalRow> out = new ArrayList<>();
    EdgeChunks.packed(rows(edges)).forEachRemaining(out::add);
    return out;
  }

  @Test
  void edgesComeBackInOrderAcrossChunks() {
    List<long[]> edges = edges(2 * EdgeChunks.EDGES_PER_CHUNK + 5);
    List<InternalRow> chunks = chunks(edges);
    assertEquals(3, chunks.size());
    assertEquals(5 * EdgeChunks.BYTES_PER_EDGE, chunks.get(2).getBinary(0).length);
    List<long[]> back = new ArrayList<>();
    EdgeChunks.unpacked(chunks.iterator())
        .forEachRemaining(r -> back.add(new long[] {r.getLong(0), r.getLong(1), r.getInt(2)}));
    assertEquals(edges.size(), back.size());
    for (int i = 0; i < edges.size(); i++) {
      org.junit.jupiter.api.Assertions.assertArrayEquals(edges.get(i), back.get(i), "edge " + i);
    }
  }

  @Test
  void theReaderFillsBatchesThatDoNotAlignWithChunks() {
    List<long[]> edges = edges(EdgeChunks.EDGES_PER_CHUNK + 1000);
    EdgeChunks.Reader reader = new EdgeChunks.Reader(chunks(edges).iterator());
    long[] as = new long[777];
    long[] bs = new long[777];
    int[] kinds = new int[777];
    int read = 0;
    for (int n = reader.fill(as, bs, kinds); n > 0; n = reader.fill(as, bs, kinds)) {
      for (int i = 0; i < n; i++) {
        long[] e = edges.get(read + i);
        assertEquals(e[0], as[i]);
        assertEquals(e[1], bs[i]);
        assertEquals((int) e[2], kinds[i]);
      }
      read += n;
    }
    assertEquals(edges.size(), read);
    assertEquals(0, reader.fill(as, bs, kinds), "the end stays the end");
  }

  @Test
  void noEdgesNoChunks() {
    assertFalse(EdgeChunks.packed(rows(List.of())).hasNext());
    assertFalse(EdgeChunks.unpacked(List.<InternalRow>of().iterator()).hasNext());
  }

  @Test
  void aChunkCutShortIsAnError() {
    InternalRow cut = new GenericInternalRow(new Object[] {new byte[EdgeChunks.BYTES_PER_EDGE + 3]});
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new EdgeChunks.Reader(List.of(cut).iterator()).fill(new long[4], new long[4], new int[4]));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("23 bytes"), e.getMessage());
  }
}
