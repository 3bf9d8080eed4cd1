package io.profileexport.engine.stitch;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The graph pass over rows as read, called for each row from the scan's generated code: the row's identity map, its
 * candidate flag, file and row index are read where the scan's column batches hold them, and what the row emits is
 * packed for the shuffle ({@link PackedGraphRows}) right there. The scan's rows are not copied into Spark's row format
 * for a partition function to read (with the rows' nested identity maps, that copy was about a quarter of the pass):
 * the call is the condition of a filter that lets a row through only when a packed buffer is ready, and
 * {@link #packedRows} then takes the task's ready buffers, and all the rest once its rows are read.
 *
 * <p>The call and the partition function run in the same task, each with its own deserialized copy of what it
 * holds, so the task's packing lives in a table keyed by the task attempt, removed when the task completes.
 */
public final class GraphScan implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Each running task's packings (one per scan the task ran), by task attempt id. */
  private static final ConcurrentHashMap<Long, List<Task>> TASKS = new ConcurrentHashMap<>();

  private final GraphRows rows;
  private final IdentityColumns.Reader reader;
  private final boolean record;
  private final PackedGraphRows packing;
  private final SmallestIdsByRow positions;
  private transient Task task;

  /** A task's state: the row the reader reads the identity map from, the emitter and the packing. */
  private static final class Task {
    final long attempt;
    final Thread thread = Thread.currentThread();
    final GenericInternalRow row = new GenericInternalRow(1);
    final GraphRows.AsRead emitter;
    final PackedGraphRows.Packer packer;
    /** Where the emitter hands each emitted row: made once, not a method reference for each row. */
    final java.util.function.Consumer<InternalRow> packed;
    boolean finished;

    Task(long attempt, GraphRows.AsRead emitter, PackedGraphRows.Packer packer) {
      this.attempt = attempt;
      this.emitter = emitter;
      this.packer = packer;
      this.packed = packer::add;
    }

    void finish() {
      if (!finished) {
        finished = true;
        emitter.finish();
        packer.shipAll();
      }
    }
  }

  /**
   * @param reader reads the identity map as the only field of a row ({@link IdentityColumns#reader} of a schema of
   *     just {@code identityMap}); it counts the rows
   * @param record whether the rows are records, which mark their primary identity
   * @param positions where records read with their file and row write their smallest ids, or null
   */
  GraphScan(GraphRows rows, IdentityColumns.Reader reader, boolean record, PackedGraphRows packing,
      SmallestIdsByRow positions) {
    this.rows = rows;
    this.reader = reader;
    this.record = record;
    this.packing = packing;
    this.positions = positions;
  }

  /**
   * Takes one row as read; true when a packed buffer is ready, for the filter to let one row through.
   *
   * @param identityMap the row's identity map, or null
   * @param candidate whether it meets the fragment condition
   * @param file its data file, or null when its smallest id is not to be written
   * @param rowIndex its index in {@code file}
   */
  public boolean take(MapData identityMap, boolean candidate, UTF8String file, long rowIndex) {
    Task t = task();
    t.row.update(0, identityMap);
    t.emitter.take(t.row, candidate, file, rowIndex, t.packed);
    t.row.update(0, null);
    return t.packer.hasReady();
  }

  private Task task() {
    // Each task deserializes its own copy of this object, so its state is the task's; the thread is checked (a
    // cheap test, where asking for the task context for each row was 4% of the pass) in case a copy is ever shared.
    Task t = task;
    if (t != null && t.thread == Thread.currentThread()) {
      return t;
    }
    TaskContext context = TaskContext.get();
    if (context == null) {
      throw new IllegalStateException("the graph pass's scan runs only in a Spark task");
    }
    long attempt = context.taskAttemptId();
    if (t != null && t.attempt == attempt) {
      throw new IllegalStateException("one task's graph pass ran on two threads");
    }
    t = new Task(attempt, rows.asRead(reader, record, positions != null ? positions.writer() : null),
        packing.packer());
    List<Task> tasks = TASKS.computeIfAbsent(attempt, a -> {
      context.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) done -> TASKS.remove(a));
      return new ArrayList<>();
    });
    tasks.add(t);
    task = t;
    return t;
  }

  /**
   * The partition function over the filter's rows ({@link PackedGraphRows#PACKED} rows): each row let through
   * stands for the packed buffers the task's scan made ready, and once they are all read the rest are shipped.
   */
  static Iterator<InternalRow> packedRows(Iterator<InternalRow> signals) {
    long attempt = TaskContext.get().taskAttemptId();
    return new Iterator<>() {
      private boolean read;

      @Override
      public boolean hasNext() {
        while (true) {
          for (Task t : TASKS.getOrDefault(attempt, List.of())) {
            if (t.packer.hasReady()) {
              return true;
            }
          }
          if (read) {
            return false;
          }
          if (signals.hasNext()) {
            signals.next();
          } else {
            TASKS.getOrDefault(attempt, List.of()).forEach(Task::finish);
            read = true;
          }
        }
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        for (Task t : TASKS.getOrDefault(attempt, List.of())) {
          if (t.packer.hasReady()) {
            return t.packer.poll();
          }
        }
        throw new IllegalStateException("a ready buffer vanished");
      }
    };
  }
}
