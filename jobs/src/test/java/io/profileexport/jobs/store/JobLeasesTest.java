package io.profileexport.jobs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.profileexport.engine.error.ErrorKind;
import io.profileexport.engine.error.ProfileExportException;
import io.profileexport.engine.testing.MutableClock;
import io.profileexport.engine.testing.TestLakes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobLeasesTest {
  private static final long STALE_MS = 500;

  @TempDir
  java.nio.file.Path dir;

  @Test
  void driversRacingForOneLeaseHaveExactlyOneWinner() throws Exception {
    int drivers = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(drivers);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < drivers; i++) {
      String owner = "driver-" + i;
      results.add(pool.submit(() -> {
        JobLeases leases = new JobLeases(TestLakes.catalog(dir), java.time.Clock.systemUTC(), STALE_MS);
        start.await();
        try {
          leases.acquire(7, owner);
          return true;
        } catch (ProfileExportException e) {
          assertEquals(ErrorKind.HELD_ELSEWHERE, e.kind(), e.getMessage());
          return false;
        }
      }));
    }
    start.countDown();
    int winners = 0;
    for (Future<Boolean> r : results) {
      winners += r.get() ? 1 : 0;
    }
    pool.shutdown();
    assertEquals(1, winners, "exactly one driver holds the lease");
    assertEquals(1, new JobLeases(TestLakes.catalog(dir), java.time.Clock.systemUTC(), STALE_MS).currentEpoch(7));
  }

  @Test
  void aLeaseNotRenewedGoesStaleAndIsTakenOverWithAHigherEpoch() {
    MutableClock clock = new MutableClock(1_000_000);
    JobLeases leases = new JobLeases(TestLakes.catalog(dir), clock, STALE_MS);
    JobLeases.Lease first = leases.acquire(3, "first");
    assertEquals(1, first.epoch());
    clock.advance(STALE_MS);
    ProfileExportException held = assertThrows(ProfileExportException.class, () -> leases.acquire(3, "second"));
    assertEquals(ErrorKind.HELD_ELSEWHERE, held.kind(), "still live at exactly leaseStaleMs");
    assertTrue(held.getMessage().contains("first"), held.getMessage());

    assertTrue(first.renew(), "the holder renews");
    clock.advance(STALE_MS + 1);
    assertTrue(leases.liveLease(3).isEmpty(), "not renewed for longer than leaseStaleMs");
    JobLeases.Lease second = leases.acquire(3, "second");
    assertEquals(2, second.epoch(), "a takeover increments the epoch");
    assertEquals("second", leases.read(3).orElseThrow().owner());

    assertFalse(first.isCurrent(), "the old holder's epoch check fails");
    assertFalse(first.renew(), "and it cannot renew over its successor");
    assertEquals(2, leases.read(3).orElseThrow().epoch(), "the successor's lease is untouched");
    first.close();
    assertTrue(leases.read(3).isPresent(), "the old holder's release leaves the successor's lease alone");
    assertTrue(second.isCurrent());
    second.close();
    assertTrue(leases.liveLease(3).isEmpty(), "released");
    try (JobLeases.Lease third = leases.acquire(3, "third")) {
      assertEquals(3, third.epoch(), "a released lease is taken at the next epoch");
    }
  }
}
