package io.profileexport.engine.stitch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.testing.SharedSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComponentLookupTest {
  @TempDir
  Path dir;

  /** A lookup that lists only some components: identities 1-3 in component 1, 10 in an oversized one. */
  private ComponentLookup listing() {
    return listing(new long[] {1, 1, 2, 1, 3, 1, 10, ComponentLookup.OVERSIZED});
  }

  /** A lookup that lists only the components of {@code entries}: identity, root, identity, root, ... */
  private ComponentLookup listing(long[] entries) {
    List<Row> chunks = new ArrayList<>();
    ComponentLookup.chunks(LongStream.of(entries).iterator())
        .forEachRemaining(chunk -> chunks.add(RowFactory.create((Object) chunk.getBinary(0))));
    Dataset<Row> frame = SharedSpark.session().createDataFrame(chunks, ComponentLookup.CHUNKS);
    ConnectedComponents.Materializer store = new ConnectedComponents.Materializer() {
      @Override
      public Dataset<Row> materialize(Dataset<Row> f, String name) {
        throw new UnsupportedOperationException("the lookup writes its chunks itself");
      }

      @Override
      public String location(String name) {
        return dir.resolve(name).toUri().toString();
      }
    };
    return ComponentLookup.write(frame, store, "lookup", /* onlyListed */ true);
  }

  @Test
  void aBlockOfListedRowsIsDecidedAsRowByRowWithTheRootsFound() {
    ComponentLookup lookup = listing();
    IdentityColumns.RowFilter listed = lookup.listedRows();
    long[] ids = {99, 1, 2, 7, 3, 10, 11};
    long[] decisions = new long[ids.length - 1];
    listed.decide(ids, 1, ids.length - 1, decisions);  // from the second id on, as a block inside a file
    long[] roots = {1, 1, IdentityColumns.RowFilter.DROPPED, 1, ComponentLookup.OVERSIZED,
        IdentityColumns.RowFilter.DROPPED};
    for (int i = 0; i < decisions.length; i++) {
      long id = ids[i + 1];
      assertEquals(roots[i], decisions[i], "the decision of identity " + id);
      assertEquals(listed.keeps(id), listed.take(id, decisions[i]), "identity " + id + " kept alike");
    }
    assertTrue(listed.take(10, decisions[4]), "a row of an oversized component is kept (keyed by its primary)");
    assertFalse(listed.take(7, decisions[2]));
  }

  @Test
  void aLookupOfMoreIdentitiesThanItLoadsAtOnceFindsEveryOne() {
    // 3,000 identities in components of three: the load puts them in batches of 1,024.
    int identities = 3_000;
    long[] entries = new long[identities * 2];
    long[] ids = new long[identities + 1];
    for (int i = 0; i < identities; i++) {
      long id = 1_000_003L * (i + 1);
      entries[2 * i] = id;
      entries[2 * i + 1] = 1_000_003L * (i - i % 3 + 1);
      ids[i] = id;
    }
    ids[identities] = 5;  // not listed
    ComponentLookup lookup = listing(entries);
    long[] decisions = new long[ids.length];
    lookup.listedRows().decide(ids, 0, ids.length, decisions);
    for (int i = 0; i < identities; i++) {
      assertEquals(entries[2 * i + 1], decisions[i], "the root of identity " + ids[i]);
    }
    assertEquals(IdentityColumns.RowFilter.DROPPED, decisions[identities]);
  }
}
