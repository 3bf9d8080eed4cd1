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
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.array.ByteArrayMethods;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * The identity graph's rows, made in one pass over the link members and one shuffle. Each member yields a link
 * (a, b) for every pair a &lt; b of its sorted distinct ids, a mark (p, p, bits) for a record's primary identity p,
 * and, when the ids are still plain hashes to be checked, each of its identities with its hash. These share rows: an
 * identity's row also carries the link to the member's next larger id and, for the primary, the record's marks, so
 * a member with two identities yields two rows, not four. Rows that repeat exactly what the task emitted lately are
 * left out ({@link Recent}). Together that is 37% fewer rows to shuffle and sort on the generated lake. All are keyed
 * by their first id (an identity by its hash) and sorted by it, so one scan of a partition finds, key by key, the
 * distinct links, the or of the marks, and whether two different identities share a hash: the collision check and
 * the links come from the same read of the records and events.
 */
final class GraphRows implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final java.lang.invoke.VarHandle INTS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
      int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
  /**
   * An emitted row's kind is a set of flags over the mark bits ({@link ConnectedComponents#MARK_BITS}, the marks of
   * the key): with {@code IDENTITY} the row has the texts of an identity whose hash is the key, with {@code LINKED}
   * its other id is linked with the key. One row may be all three; a row with marks only is a mark.
   */
  static final int IDENTITY = 0x100;
  static final int LINKED = 0x200;
  /** Emitted rows: key, other id, kind, and an identity's texts; the scan consumes them into edges. */
  static final StructType EMITTED = new StructType().add("k", DataTypes.LongType, false)
      .add("o", DataTypes.LongType, false).add("kind", DataTypes.IntegerType, false)
      .add("nsKey", DataTypes.StringType, true).add("id", DataTypes.StringType, true);
  /**
   * The edges: each distinct link (a, b) once, its kind the marks of a on a's first link ({@link
   * ConnectedComponents#LINK}, none, on the others), and a mark row (p, p, bits) for a marked p without a link of
   * its own to carry them. On the generated lake 43% of the marks ride on links: 26% fewer edges to write and read.
   */
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
   * As {@link #emitted(Iterator)}, from rows as read (a test's way of driving {@link AsRead}): each row's identity
   * map at the reader's index, its candidate flag at {@code candidateIdx} (or -1), and with {@code positions} its
   * file and row index at {@code fileIdx} and {@code rowIndexIdx}.
   */
  Iterator<InternalRow> emitted(Iterator<InternalRow> rows, IdentityColumns.Reader reader, boolean record,
      int candidateIdx, SmallestIdsByRow.Writer positions, int fileIdx, int rowIndexIdx) {
    AsRead asRead = asRead(reader, record, positions);
    List<InternalRow> emitted = new ArrayList<>();
    while (rows.hasNext()) {
      InternalRow row = rows.next();
      boolean candidate = candidateIdx >= 0 && !row.isNullAt(candidateIdx) && row.getBoolean(candidateIdx);
      UTF8String file = positions != null && !row.isNullAt(fileIdx) ? row.getUTF8String(fileIdx) : null;
      asRead.take(row, candidate, file, file != null ? row.getLong(rowIndexIdx) : -1, out -> emitted.add(out.copy()));
    }
    asRead.finish();
    return emitted.iterator();
  }

  /**
   * What rows as read emit, one row at a time ({@link AsRead#take}): their identities are read by {@code reader}
   * (which counts them) straight from the read map, without identity columns made, copied into Spark's row format
   * and read back; rows that do not take part emit nothing.
   *
   * @param record whether the rows are records, which mark their primary identity
   * @param positions where each row's smallest id is written by its file and index in it, or null
   */
  AsRead asRead(IdentityColumns.Reader reader, boolean record, SmallestIdsByRow.Writer positions) {
    return new AsRead(reader, record, positions);
  }

  /** Rows as read, handed over one at a time; see {@link #asRead}. */
  final class AsRead extends Emitter {
    private final IdentityColumns.Reader reader;
    private final boolean record;
    private final SmallestIdsByRow.Writer positions;
    private final IdentityColumns.RowIdentities seen;
    private final SameAsLast repeats = new SameAsLast();
    private InternalRow pending;
    private boolean pendingCandidate;

    private AsRead(IdentityColumns.Reader reader, boolean record, SmallestIdsByRow.Writer positions) {
      this.reader = reader;
      this.record = record;
      this.positions = positions;
      this.seen = reader.scratch();
    }

    /**
     * Reads a row (its identity map where the reader looks) and hands each row it emits to {@code sink}, which
     * must use it before returning (the row is reused, and its texts point into the read row).
     *
     * @param candidate whether the row meets the fragment condition (a record's)
     * @param file the row's data file, or null when its smallest id is not to be written
     * @param rowIndex its index in {@code file}
     */
    void take(InternalRow row, boolean candidate, UTF8String file, long rowIndex,
        java.util.function.Consumer<InternalRow> sink) {
      reader.scan(row, seen);
      if (positions != null && file != null) {
        positions.add(file, rowIndex, seen.takesPart ? seen.smallestId : SmallestIdsByRow.NONE);
      }
      boolean emits = candidates && candidate;
      // A row with the identities of the last row that took part, in the same order (with the same candidate flag),
      // would emit only what that row emitted: it was counted by the scan, and yields nothing.
      if (!seen.takesPart || repeats.same(seen, emits)) {
        return;
      }
      pending = row;
      pendingCandidate = emits;
      while (hasNext()) {
        sink.accept(next());
      }
    }

    /** Writes out what the positions hold: once the task's rows are all taken. */
    void finish() {
      if (positions != null) {
        positions.flush();
      }
    }

    @Override
    boolean load() {
      if (pending == null) {
        return false;
      }
      pending = null;
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
        mark = IdentityGraph.RECORD_MARK | (pendingCandidate ? IdentityGraph.CANDIDATE_MARK : 0);
      }
      return true;
    }
  }

  /**
   * The rows one member yields, member after member ({@link #load} puts the next one in the fields). With hash ids
   * to check, each distinct identity gives a row keyed by its hash with its text; the first row of a hash also
   * carries the link to the member's next larger id and, for a record's primary identity, the record's marks. The
   * member's other pairs follow as link rows, and with final ids its mark as a row of its own. A row that would
   * only repeat what this task emitted lately ({@link Recent}) is left out: the scan keeps distinct identities and
   * links and ors the marks, so its result is the same.
   */
  private abstract class Emitter implements Iterator<InternalRow> {
    /** Typed fields: no boxing of the longs, for rows made by the tens of millions. */
    private final SpecificInternalRow out = new SpecificInternalRow(EMITTED);
    private final Recent recent = new Recent();
    UTF8String[] nsKeys = new UTF8String[4];
    UTF8String[] idTexts = new UTF8String[4];
    long[] hashes = new long[4];
    /** The member's identities, when their hashes are to be checked (else 0). */
    int identityCount;
    /** The member's distinct ids, sorted: the first {@link #rowIdCount}. */
    long[] rowIds = new long[0];
    int rowIdCount;
    /** The member's mark bits, or -1 when it marks nothing. */
    long mark = -1;
    long primaryId;
    // The member's first rows, queued by plan().
    private long[] queuedKeys = new long[4];
    private long[] queuedOthers = new long[4];
    private int[] queuedKinds = new int[4];
    /** The index of the identity whose texts a queued row carries. */
    private int[] queuedIdentities = new int[4];
    private int queued;
    private int taken;
    // The member's other pairs (rowIds[i], rowIds[j]), j >= i + 2, walked lazily: a member can have many.
    private int i;
    private int j;
    /** Whether (i, j) is a pair to emit next. */
    private boolean pairReady;

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

    private void queue(long key, long other, int kind, int identity) {
      if (queued == queuedKeys.length) {
        queuedKeys = Arrays.copyOf(queuedKeys, queued * 2);
        queuedOthers = Arrays.copyOf(queuedOthers, queued * 2);
        queuedKinds = Arrays.copyOf(queuedKinds, queued * 2);
        queuedIdentities = Arrays.copyOf(queuedIdentities, queued * 2);
      }
      queuedKeys[queued] = key;
      queuedOthers[queued] = other;
      queuedKinds[queued] = kind;
      queuedIdentities[queued++] = identity;
    }

    /** Queues the loaded member's identity rows (or, with final ids, its consecutive links) and its mark. */
    private void plan() {
      queued = 0;
      taken = 0;
      for (int t = 0; t < identityCount; t++) {
        long h = hashes[t];
        int kind = recent.identitySeen(h, nsKeys[t], idTexts[t]) ? 0 : IDENTITY;
        long other = 0;
        if (firstOf(t)) {
          int at = Arrays.binarySearch(rowIds, 0, rowIdCount, h);
          if (at < 0) {
            // The member's ids are its identities' hashes; a miss would link the wrong ids, so it stops the task.
            throw new IllegalStateException("an identity's hash is not among its row's ids");
          }
          if (at + 1 < rowIdCount && !recent.linkSeen(h, rowIds[at + 1])) {
            kind |= LINKED;
            other = rowIds[at + 1];
          }
          if (mark >= 0 && h == primaryId) {
            kind |= (int) mark;
            mark = -1;
          }
        }
        if (kind != 0) {
          queue(h, other, kind, t);
        }
      }
      if (identityCount == 0) {
        for (int at = 0; at + 1 < rowIdCount; at++) {
          if (!recent.linkSeen(rowIds[at], rowIds[at + 1])) {
            queue(rowIds[at], rowIds[at + 1], LINKED, -1);
          }
        }
      }
      if (mark >= 0) {
        queue(primaryId, primaryId, (int) mark, -1);
        mark = -1;
      }
      i = 0;
      j = 2;
    }

    /** Whether identity {@code t} is the first of the member with its hash (another has it only by a collision). */
    private boolean firstOf(int t) {
      for (int u = 0; u < t; u++) {
        if (hashes[u] == hashes[t]) {
          return false;
        }
      }
      return true;
    }

    /** Moves (i, j) to the member's next pair not emitted lately; false when there is none. */
    private boolean nextPair() {
      if (pairReady) {
        return true;
      }
      while (i + 2 < rowIdCount) {
        if (j >= rowIdCount) {
          i++;
          j = i + 2;
          continue;
        }
        if (!recent.linkSeen(rowIds[i], rowIds[j])) {
          pairReady = true;
          return true;
        }
        j++;
      }
      return false;
    }

    @Override
    public boolean hasNext() {
      while (taken >= queued && !nextPair()) {
        if (!load()) {
          queued = 0;
          taken = 0;
          rowIdCount = 0;
          return false;
        }
        plan();
      }
      return true;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      if (taken < queued) {
        int kind = queuedKinds[taken];
        out.setLong(0, queuedKeys[taken]);
        out.setLong(1, queuedOthers[taken]);
        out.setInt(2, kind);
        if ((kind & IDENTITY) != 0) {
          int t = queuedIdentities[taken];
          out.update(3, nsKeys[t]);
          out.update(4, idTexts[t]);
        } else {
          out.setNullAt(3);
          out.setNullAt(4);
        }
        taken++;
      } else {
        out.setLong(0, rowIds[i]);
        out.setLong(1, rowIds[j++]);
        out.setInt(2, LINKED);
        pairReady = false;
        out.setNullAt(3);
        out.setNullAt(4);
      }
      return out;
    }
  }

  /**
   * Whether a row that takes part has the identities of the last such row, in the same order and with the same
   * primary (and the same candidate flag): the events of one visitor often follow one another with the same
   * identities. Compared by hash first, then by text, since two rows whose identities only share hashes must both
   * reach the collision check.
   */
  static final class SameAsLast {
    private long[] hashes = new long[8];
    private int count = -1;
    private int primaryAt;
    private boolean candidate;
    /** The last row's texts: each identity's namespace key and id, each as its length (4 bytes) and bytes. */
    private byte[] texts = new byte[256];
    private int textBytes;

    /** Whether {@code seen} repeats the last row given; remembers it if not. */
    boolean same(IdentityColumns.RowIdentities seen, boolean candidate) {
      int n = seen.size();
      if (n == count && candidate == this.candidate && seen.primaryAt() == primaryAt && sameHashes(seen, n)
          && sameTexts(seen, n)) {
        return true;
      }
      count = n;
      this.candidate = candidate;
      primaryAt = seen.primaryAt();
      if (hashes.length < n) {
        hashes = new long[Math.max(n, hashes.length * 2)];
      }
      textBytes = 0;
      for (int i = 0; i < n; i++) {
        hashes[i] = seen.hashOf(i);
        remember(seen.nsKey(i));
        remember(seen.idText(i));
      }
      return false;
    }

    private boolean sameHashes(IdentityColumns.RowIdentities seen, int n) {
      for (int i = 0; i < n; i++) {
        if (hashes[i] != seen.hashOf(i)) {
          return false;
        }
      }
      return true;
    }

    private boolean sameTexts(IdentityColumns.RowIdentities seen, int n) {
      int at = 0;
      for (int i = 0; i < n; i++) {
        at = sameText(seen.nsKey(i), at);
        if (at < 0) {
          return false;
        }
        at = sameText(seen.idText(i), at);
        if (at < 0) {
          return false;
        }
      }
      return true;
    }

    /** Where the next text starts if {@code text} is the one at {@code at}, else -1. */
    private int sameText(UTF8String text, int at) {
      int length = text.numBytes();
      if ((int) INTS.get(texts, at) != length || !TextBytes.equalsAt(texts, at + 4, text)) {
        return -1;
      }
      return at + 4 + length;
    }

    private void remember(UTF8String text) {
      int length = text.numBytes();
      if (textBytes + 4 + length > texts.length) {
        texts = Arrays.copyOf(texts, Math.max(textBytes + 4 + length, texts.length * 2));
      }
      INTS.set(texts, textBytes, length);
      TextBytes.copy(text, texts, textBytes + 4);
      textBytes += 4 + length;
    }
  }

  /**
   * The identities and links a task emitted lately, in direct-mapped slots (a slot holds the last one whose hash
   * falls there), so that rows repeating them exactly can be left out: the events of one visitor, or records that
   * share an identity, near each other in a file. An identity whose texts do not fit a slot is never taken for seen.
   * Each slot keeps what its check reads side by side (an identity's hash, lengths and texts in 64 bytes; a link's
   * two ids in 16), and the slots are few (2K of each, 160 KB a task) so that they stay in the core's cache: a check
   * that misses it waits on memory, and with 32K slots (2.5 MB) the checks were a tenth of the graph pass. The rows it
   * catches are mostly near repeats (a visitor's events, one after another); at 3.3M generated profiles the graph
   * shuffle was 293 MiB with 32K slots and with 2K.
   */
  static final class Recent {
    private static final int SLOT_BITS = 11;
    private static final int SLOTS = 1 << SLOT_BITS;
    private static final int SLOT_BYTES = 64;
    /** An identity slot: its hash (8 bytes), its namespace key's and id's lengths (2 + 2), then their bytes. */
    private static final int LENGTHS_AT = 8;
    private static final int TEXTS_AT = 12;
    private static final int TEXT_BYTES = SLOT_BYTES - TEXTS_AT;
    /** The lengths of an empty slot: no texts have them. */
    private static final int EMPTY = -1;
    private final byte[] identities = new byte[SLOTS * SLOT_BYTES];
    /** A link slot: (a, b), a &lt; b; an empty slot (0, 0) is no link. */
    private final long[] links = new long[SLOTS * 2];

    Recent() {
      for (int s = 0; s < SLOTS; s++) {
        Platform.putInt(identities, Platform.BYTE_ARRAY_OFFSET + (long) s * SLOT_BYTES + LENGTHS_AT, EMPTY);
      }
    }

    private static int slot(long h) {
      long mixed = h * 0x9E3779B97F4A7C15L;
      return (int) (mixed >>> (64 - SLOT_BITS));  // the top bits
    }

    /** Whether the identity is in its slot; if not, it takes the slot. */
    boolean identitySeen(long h, UTF8String nsKey, UTF8String id) {
      int nsLength = nsKey.numBytes();
      int idLength = id.numBytes();
      if (nsLength + idLength > TEXT_BYTES) {
        return false;  // never held by a slot
      }
      int slotAt = slot(h) * SLOT_BYTES;
      long at = Platform.BYTE_ARRAY_OFFSET + slotAt;
      int lengths = nsLength << 16 | idLength;
      if (Platform.getLong(identities, at) == h && Platform.getInt(identities, at + LENGTHS_AT) == lengths
          && TextBytes.equalsAt(identities, slotAt + TEXTS_AT, nsKey)
          && TextBytes.equalsAt(identities, slotAt + TEXTS_AT + nsLength, id)) {
        return true;
      }
      Platform.putLong(identities, at, h);
      Platform.putInt(identities, at + LENGTHS_AT, lengths);
      TextBytes.copy(nsKey, identities, slotAt + TEXTS_AT);
      TextBytes.copy(id, identities, slotAt + TEXTS_AT + nsLength);
      return false;
    }

    /** Whether the link (a, b), a &lt; b, is in its slot; if not, it takes the slot. */
    boolean linkSeen(long a, long b) {
      int s = slot(a * 31 + b) * 2;
      if (links[s] == a && links[s + 1] == b) {
        return true;
      }
      links[s] = a;
      links[s + 1] = b;
      return false;
    }
  }

  /** Sorts the first {@code count} values and moves the distinct ones to the front; returns how many there are. */
  static int distinct(long[] values, int count) {
    // Most keys have none or one link: a call into Arrays.sort for each of millions of keys cost more than the scan.
    if (count < 2) {
      return count;
    }
    if (count <= 16) {
      for (int i = 1; i < count; i++) {
        long v = values[i];
        int j = i - 1;
        while (j >= 0 && values[j] > v) {
          values[j + 1] = values[j];
          j--;
        }
        values[j + 1] = v;
      }
    } else {
      Arrays.sort(values, 0, count);
    }
    int kept = 0;
    for (int n = 0; n < count; n++) {
      if (kept == 0 || values[n] != values[kept - 1]) {
        values[kept++] = values[n];
      }
    }
    return kept;
  }

  /**
   * The edges of a partition of emitted rows sorted by key, whose texts stay valid after the next row is read
   * ({@link KeySort}'s do): per key, its distinct links and one mark with the or of
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
        marks |= kind & ConnectedComponents.MARK_BITS;
        if ((kind & IDENTITY) != 0) {
          if (nsKey == null) {
            hashes++;
            nsKey = r.getUTF8String(3);  // kept as they are: a row's texts stay valid (KeySort)
            id = r.getUTF8String(4);
          } else if (!collided && !(nsKey.equals(r.getUTF8String(3)) && id.equals(r.getUTF8String(4)))) {
            collided = true;
            counters.collidingHashes().add(key);
          }
        }
        if ((kind & LINKED) != 0) {
          if (otherCount == others.length) {
            // Full: drop the copies first, so a key seen in millions of rows holds its distinct links only.
            otherCount = distinct(others, otherCount);
            if (otherCount > others.length / 2) {
              others = Arrays.copyOf(others, others.length * 2);
            }
          }
          others[otherCount++] = r.getLong(1);
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
          out.setInt(2, pendingMarks);  // the key's marks ride on its first link; LINK (none) on the others
          pendingMarks = 0;
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
