package dev.beacon.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    @Test
    void burstOfTwiceTheRateIsAllowedThenRefused() {
        RateLimiter r = new RateLimiter(3);
        for (int i = 0; i < 6; i++) assertTrue(r.tryAcquire("10.0.0.1"), "call " + (i + 1) + " is within the burst");
        assertFalse(r.tryAcquire("10.0.0.1"), "7th call exceeds the burst of 2x3");
        assertFalse(r.tryAcquire("10.0.0.1"));
    }

    @Test
    void keysAreIndependent() {
        RateLimiter r = new RateLimiter(1);
        assertTrue(r.tryAcquire("a"));
        assertTrue(r.tryAcquire("a"));
        assertFalse(r.tryAcquire("a"));
        assertTrue(r.tryAcquire("b"), "another source has its own bucket");
        assertTrue(r.tryAcquire("b"));
        assertFalse(r.tryAcquire("b"));
        assertFalse(r.tryAcquire("a"));
    }

    @Test
    void refusedKeyIsAllowedAgainAfterRefill() {
        RateLimiter r = new RateLimiter(200); // one token every 5 ms
        int allowed = 0;
        while (r.tryAcquire("k")) {
            if (++allowed > 100_000) fail("bucket never ran dry");
        }
        assertTrue(allowed >= 400, "the burst of 2x200 was allowed, got " + allowed);
        assertTrue(waitUntilAllowed(r, "k", TimeUnit.SECONDS.toNanos(10)), "a token refilled within the deadline");
    }

    @Test
    void manyDistinctKeysDoNotBreakTheLimiter() {
        RateLimiter r = new RateLimiter(1);
        for (int i = 0; i < 10_000; i++) assertTrue(r.tryAcquire("ip-" + i), "new key " + i);
        assertTrue(r.tryAcquire("ip-0"));
        assertFalse(r.tryAcquire("ip-0"), "a key's state survives the periodic sweep while it is not full");
    }

    private static boolean waitUntilAllowed(RateLimiter r, String key, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (System.nanoTime() - deadline < 0) {
            if (r.tryAcquire(key)) return true;
            Thread.onSpinWait();
        }
        return false;
    }
}
