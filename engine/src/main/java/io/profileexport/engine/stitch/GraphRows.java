package io.profileexport.engine.stitch;

import static org.apache.spark.sql.functions.col;

import io.profileexport.engine.SystemColumns;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * The identity graph's rows, made in one pass over the link members and one shuffle. Each member yields, without
 * intermediate arrays, a link (a, b) for every pair a &lt; b of its sorted distinct ids, a mark (p, p, bits) for a
 * record's primary identity p, and, when the ids are still plain hashes to be checked, each of its identities with
 * its hash, the primary one carrying the record's mark bits instead of a mark row of its own (a fifth fewer rows to
 * shuffle and sort). All are keyed by their first id (an identity by its hash) and sorted by it, so one scan of a
 * partition finds, key by key, the distinct links, the or of the marks, and whether two different identities share a
 * hash: the collision check and the links come from the same read of the records and events.
 */
final class GraphRows implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The kind of an emitted identity row (never an edge: the partition scan consumes it). */
  static final int IDENTITY = -1;
  /** Emitted rows: key, other id (for an identity, the mark bits of the record it is primary of, or 0), kind, and an
   * identity's text. */
  static final StructType EMITTED = new StructType().add("k", DataTypes.LongType, false)
      .add("o", DataTypes.LongType, false).add("kind", DataTypes.IntegerType, false)
      .add("nsKey", DataTypes.StringType, true).add("id", DataTypes.StringType, true);
  /** The edges: links (a, b, {@link ConnectedComponents#LINK}) and marks (p, p, bits), each once. */
  static final StructType EDGES = new StructType().add("a", DataTypes.LongType, false)
      .add("b", DataTypes.LongType, false).add("kind", DataTypes.IntegerType, false);

  /** What a partition scan counts: accumulated in the tasks that write the edges, so a retried task counts once. */
  record Counters(LongAccumulator distinctHashes, CollectionAccumulator<Long> collidingHashes,
      LongAccumulator links) implements Serializable {}

  /** The final ids, or null when the ids are the members' hash ids, still to be checked. */
  private final IdentityIds ids;
  private final IdentityIds.Hash hash;
  private final boolean records;
  private final boolean candidates;

  private GraphRows(IdentityIds ids, IdentityIds.Hash hash, boolean records, boolean candidates) {
    this.ids = ids;
    this.hash = hash;
    this.records = records;
    this.candidates = candidates;
  }

  /** Rows with the members' hash ids ({@link SystemColumns#IDS}), and their identities for the collision check. */
  static GraphRows checking(IdentityIds.Hash hash, boolean records, boolean candidates) {
    return new GraphRows(null, hash, records, candidates);
  }

  /** Rows with the final ids of {@code ids}, for the rare run where hashes collided; no identity rows. */
  static GraphRows resolved(IdentityIds ids, boolean records, boolean candidates) {
    return new GraphRows(ids, null, records, candidates);
  }

  /** The columns {@link #emitted} reads, in its order. */
  List<Column> columns() {
    List<Column> columns = new ArrayList<>(List.of(col(SystemColumns.IDENTITIES), col(SystemColumns.IDS)));
    if (records) {
      columns.addAll(List.of(col(SystemColumns.PRIMARY), col(IdentityGraph.RECORD)));
    }
    if (candidates) {
      columns.add(col(IdentityGraph.CANDIDATE));
    }
    return columns;
  }

  /** The rows of a partition of members (in {@link #columns}); the out row is reused, as Spark copies each one. */
  Iterator<InternalRow> emitted(Iterator<InternalRow> members) {
    return new Emitter() {
      @Override
      boolean load() {
        if (!members.hasNext()) {
          return false;
        }
        InternalRow member = members.next();
        ArrayData identities = member.getArray(0);
        int n = identities.numElements();
        reserve(n);
        for (int i = 0; i < n; i++) {
          // Texts referenced, not copied: the member's buffer holds until the next member is read.
          InternalRow pair = identities.getStruct(i, 2);
          nsKeys[i] = pair.getUTF8String(0);
          idTexts[i] = pair.getUTF8String(1);
        }
        identityCount = ids == null ? n : 0;
        if (ids == null) {
          for (int i = 0; i < n; i++) {
            hashes[i] = hash.of(nsKeys[i], idTexts[i]);
          }
          rowIds = member.getArray(1).toLongArray();
        } else {
          rowIds = ids.sortedIds(nsKeys, idTexts, n);
        }
        rowIdCount = rowIds.length;
        if (records && member.getBoolean(3)) {
          InternalRow primary = member.getStruct(2, 2);
          primaryId = idOf(primary.getUTF8String(0), primary.getUTF8String(1));
          boolean candidate = candidates && !member.isNullAt(4) && member.getBoolean(4);
          mark = IdentityGraph.RECORD_MARK | (candidate ? IdentityGraph.CANDIDATE_MARK : 0);
        }
        return true;
      }
    };
  }

  /**
   * As {@link #emitted(Iterator)}, from rows as read, whose identities {@code reader} reads itself (it counts them):
   * rows that do not take part emit nothing. The identities go straight from the read map to the emitted rows,
   * without identity columns made, copied into Spark's row format and read back.
   *
   * @param record whether the rows are records, which mark their primary identity
   * @param candidateIdx the index of the rows' {@link IdentityGraph#CANDIDATE} flag, or -1
   */
  Iterator<InternalRow> emitted(Iterator<InternalRow> rows, IdentityColumns.Reader reader, boolean record,
      int candidateIdx) {
    IdentityColumns.RowIdentities seen = reader.scratch();
    return new Emitter() {
      @Override
      boolean load() {
        InternalRow row;
        do {
          if (!rows.hasNext()) {
            return false;
          }
          row = rows.next();
          reader.scan(row, seen);
        } while (!seen.takesPart);
        int n = seen.size();
        reserve(n);
        for (int i = 0; i < n; i++) {
          nsKeys[i] = seen.nsKey(i);
          idTexts[i] = seen.idText(i);
        }
        identityCount = ids == null ? n : 0;
        if (ids == null) {
          for (int i = 0; i < n; i++) {
            hashes[i] = seen.hashOf(i);
          }
          rowIds = seen.sortedIds();
          rowIdCount = seen.distinctIds();
        } else {
          rowIds = ids.sortedIds(nsKeys, idTexts, n);
          rowIdCount = rowIds.length;
        }
        if (records && record) {
          int p = seen.primaryAt();
          primaryId = ids == null ? seen.hashOf(p) : ids.idOf(nsKeys[p], idTexts[p]);
          boolean candidate = candidates && candidateIdx >= 0 && !row.isNullAt(candidateIdx)
              && row.getBoolean(candidateIdx);
          mark = IdentityGraph.RECORD_MARK | (candidate ? IdentityGraph.CANDIDATE_MARK : 0);
        }
        return true;
      }
    };
  }

  /**
   * The rows one member yields, member after member ({@link #load} puts the next one in the fields): its identities
   * with their hashes (the primary's carrying the record's mark), its pairs, then its mark if still pending.
   */
  private abstract class Emitter implements Iterator<InternalRow> {
    /** Typed fields: no boxing of the longs, for rows made by the tens of millions. */
    private final SpecificInternalRow out = new SpecificInternalRow(EMITTED);
    UTF8String[] nsKeys = new UTF8String[4];
    UTF8String[] idTexts = new UTF8String[4];
    long[] hashes = new long[4];
    /** Identity rows to emit, while {@link #identity} is below it. */
    int identityCount;
    private int identity;
    /** The member's distinct ids, sorted: the first {@link #rowIdCount}. */
    long[] rowIds = new long[0];
    int rowIdCount;
    private int i;
    private int j = 1;
    /** The pending mark's bits, or -1. */
    long mark = -1;
    long primaryId;

    /** Loads the next member into the fields; false when there is none. */
    abstract boolean load();

    void reserve(int n) {
      if (nsKeys.length < n) {
        nsKeys = new UTF8String[n];
        idTexts = new UTF8String[n];
        hashes = new long[n];
      }
    }

    long idOf(UTF8String nsKey, UTF8String id) {
      return ids == null ? hash.of(nsKey, id) : ids.idOf(nsKey, id);
    }

    @Override
    public boolean hasNext() {
      while (identity >= identityCount && j >= rowIdCount && mark < 0) {
        identity = 0;
        identityCount = 0;
        i = 0;
        j = 1;
        if (!load()) {
          rowIdCount = 0;
          return false;
        }
      }
      return true;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      if (identity < identityCount) {
        long h = hashes[identity];
        out.setLong(0, h);
        // The primary's row carries the mark: keyed by the same hash, the scan ors it in alike.
        boolean marks = mark >= 0 && h == primaryId;
        out.setLong(1, marks ? mark : 0L);
        if (marks) {
          mark = -1;
        }
        out.setInt(2, IDENTITY);
        out.update(3, nsKeys[identity]);
        out.update(4, idTexts[identity]);
        identity++;
      } else if (j < rowIdCount) {
        out.setLong(0, rowIds[i]);
        out.setLong(1, rowIds[j]);
        out.setInt(2, ConnectedComponents.LINK);
        out.setNullAt(3);
        out.setNullAt(4);
        if (++j == rowIdCount) {
          i++;
          j = i + 1;
        }
      } else {
        out.setLong(0, primaryId);
        out.setLong(1, primaryId);
        out.setInt(2, (int) mark);
        out.setNullAt(3);
        out.setNullAt(4);
        mark = -1;
      }
      return out;
    }
  }

  /** Sorts the first {@code count} values and moves the distinct ones to the front; returns how many there are. */
  static int distinct(long[] values, int count) {
    Arrays.sort(values, 0, count);
    int kept = 0;
    for (int n = 0; n < count; n++) {
      if (kept == 0 || values[n] != values[kept - 1]) {
        values[kept++] = values[n];
      }
    }
    return kept;
  }

  /**
   * The edges of a partition of emitted rows sorted by key: per key, its distinct links and one mark with the or of
   * its marks' bits. Counts the distinct hashes among identity rows, reports each hash two different identities
   * share, and counts the links.
   */
  static Iterator<InternalRow> edges(Iterator<InternalRow> sorted, Counters counters) {
    return new Iterator<>() {
      private final SpecificInternalRow out = new SpecificInternalRow(EDGES);
      private long key;
      private boolean started;
      private long[] others = new long[16];
      private int otherCount;
      private int marks;
      private UTF8String nsKey;  // the key's first identity, or null
      private UTF8String id;
      private boolean collided;
      private long hashes;
      private long links;
      // The finished key's distinct links and its mark, being emitted.
      private long[] pending = new long[16];
      private int pendingCount;
      private int pendingAt;
      private int pendingMarks;
      private long pendingKey;
      private boolean done;

      @Override
      public boolean hasNext() {
        while (pendingAt >= pendingCount && pendingMarks == 0) {
          if (done) {
            return false;
          }
          advance();
        }
        return true;
      }

      /** Reads rows until a key is finished (or the partition ends), and queues its edges. */
      private void advance() {
        while (sorted.hasNext()) {
          InternalRow r = sorted.next();
          long k = r.getLong(0);
          boolean finished = started && k != key;
          if (finished) {
            finish();
          }
          if (!started || finished) {
            started = true;
            key = k;
          }
          add(r);
          if (finished) {
            return;
          }
        }
        if (started) {
          finish();
          started = false;
        }
        done = true;
        counters.distinctHashes().add(hashes);
        counters.links().add(links);
      }

      private void add(InternalRow r) {
        int kind = r.getInt(2);
        if (kind == IDENTITY) {
          marks |= (int) r.getLong(1);
          if (nsKey == null) {
            hashes++;
            nsKey = r.getUTF8String(3).clone();  // the sorter reuses the row's buffer
            id = r.getUTF8String(4).clone();
          } else if (!collided && !(nsKey.equals(r.getUTF8String(3)) && id.equals(r.getUTF8String(4)))) {
            collided = true;
            counters.collidingHashes().add(key);
          }
        } else if (kind == ConnectedComponents.LINK) {
          if (otherCount == others.length) {
            // Full: drop the copies first, so a key seen in millions of rows holds its distinct links only.
            otherCount = distinct(others, otherCount);
            if (otherCount > others.length / 2) {
              others = Arrays.copyOf(others, others.length * 2);
            }
          }
          others[otherCount++] = r.getLong(1);
        } else {
          marks |= kind;
        }
      }

      /** Queues the finished key's distinct links and mark, and clears the key's state. */
      private void finish() {
        // The key's distinct links become the pending ones; the emptied array takes the next key's.
        pendingCount = distinct(others, otherCount);
        long[] emptied = pending;
        pending = others;
        others = emptied;
        links += pendingCount;
        pendingAt = 0;
        pendingMarks = marks;
        pendingKey = key;
        otherCount = 0;
        marks = 0;
        nsKey = null;
        id = null;
        collided = false;
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        out.setLong(0, pendingKey);
        if (pendingAt < pendingCount) {
          out.setLong(1, pending[pendingAt++]);
          out.setInt(2, ConnectedComponents.LINK);
        } else {
          out.setLong(1, pendingKey);
          out.setInt(2, pendingMarks);
          pendingMarks = 0;
        }
        return out;
      }
    };
  }
}
