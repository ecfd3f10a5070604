package dev.beacon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StreamCountsTest {

    private static final String W = "spiffe://beacon.test/tenant/acme/wrapper/demo";

    @Test
    void acquiresUpToMaxThenRefuses() {
        StreamCounts c = new StreamCounts(3);
        assertTrue(c.acquire(W));
        assertTrue(c.acquire(W));
        assertTrue(c.acquire(W));
        assertFalse(c.acquire(W));
        assertFalse(c.acquire(W), "a refusal does not take a slot either");
    }

    @Test
    void releaseFreesASlot() {
        StreamCounts c = new StreamCounts(2);
        assertTrue(c.acquire(W));
        assertTrue(c.acquire(W));
        assertFalse(c.acquire(W));
        c.release(W);
        assertTrue(c.acquire(W));
        assertFalse(c.acquire(W));
        c.release(W);
        c.release(W);
        assertTrue(c.acquire(W));
        assertTrue(c.acquire(W));
        assertFalse(c.acquire(W));
    }

    @Test
    void identitiesAreCountedSeparately() {
        StreamCounts c = new StreamCounts(1);
        assertTrue(c.acquire(W));
        assertTrue(c.acquire("spiffe://beacon.test/tenant/acme/wrapper/other"));
        assertFalse(c.acquire(W));
    }

    @Test
    void extraReleasesDoNotGrantExtraSlots() {
        StreamCounts c = new StreamCounts(2);
        c.release(W);
        assertTrue(c.acquire(W));
        c.release(W);
        c.release(W);
        c.release(W);
        assertTrue(c.acquire(W));
        assertTrue(c.acquire(W));
        assertFalse(c.acquire(W), "still at most max after unbalanced releases");
    }

    @Test
    void concurrentAcquiresNeverExceedMax() throws Exception {
        int max = 50;
        StreamCounts c = new StreamCounts(max);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                tasks.add(() -> {
                    int n = 0;
                    for (int i = 0; i < 100; i++) if (c.acquire(W)) n++;
                    return n;
                });
            }
            int total = 0;
            for (Future<Integer> f : pool.invokeAll(tasks, 30, TimeUnit.SECONDS)) total += f.get();
            assertEquals(max, total);
        } finally {
            pool.shutdownNow();
        }
    }
}
