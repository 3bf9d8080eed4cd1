package io.profileexport.engine.stitch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class IdentityGraphSizingTest {
  @Test
  void localMastersGiveTheirThreadCount() {
    assertEquals(1, IdentityGraph.localThreads("local"));
    assertEquals(4, IdentityGraph.localThreads("local[4]"));
    assertEquals(3, IdentityGraph.localThreads("local[3,2]"));
    assertEquals(Runtime.getRuntime().availableProcessors(), IdentityGraph.localThreads("local[*]"));
    assertEquals(Runtime.getRuntime().availableProcessors(), IdentityGraph.localThreads("local[*,5]"));
  }

  @Test
  void tasksAreTheIdentitiesOverTheTaskSizeRoundedUp() {
    assertEquals(1, IdentityGraph.tasksFor(0, 1_000_000));
    assertEquals(1, IdentityGraph.tasksFor(1_000_000, 1_000_000));
    assertEquals(2, IdentityGraph.tasksFor(1_000_001, 1_000_000));
  }
}
