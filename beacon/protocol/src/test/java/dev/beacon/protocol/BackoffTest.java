package dev.beacon.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final long MIN = 100;
    private static final long MAX = 1600;

    private static Backoff backoff() {
        return new Backoff(Duration.ofMillis(MIN), Duration.ofMillis(MAX));
    }

    private static void assertWithin(long cap, long d, int attempt) {
        assertTrue(d >= cap / 2 && d <= cap, "attempt " + attempt + ": " + d + " not in [" + cap / 2 + ", " + cap + "]");
    }

    @Test
    void delaysGrowExponentiallyWithinHalfToFullCapAndStopAtMax() {
        for (int run = 0; run < 200; run++) {
            Backoff b = backoff();
            for (int attempt = 0; attempt < 12; attempt++) {
                long cap = Math.min(MAX, MIN << attempt);
                assertWithin(cap, b.nextMillis(), attempt);
                assertEquals(attempt + 1, b.attempts());
            }
        }
    }

    @Test
    void averageDelayDoublesUntilTheCap() {
        int runs = 400;
        double[] sum = new double[6];
        for (int run = 0; run < runs; run++) {
            Backoff b = backoff();
            for (int i = 0; i < sum.length; i++) sum[i] += b.nextMillis();
        }
        for (int i = 1; i < 5; i++) {
            assertTrue(sum[i] > sum[i - 1] * 1.6, "attempt " + i + " should wait about twice attempt " + (i - 1));
        }
        // attempts 4 and 5 both have cap MAX
        assertTrue(sum[5] / runs <= MAX && sum[5] / runs >= MAX / 2.0);
    }

    @Test
    void delaysAreJittered() {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Backoff b = backoff();
            for (int j = 0; j < 5; j++) b.nextMillis();
            seen.add(b.nextMillis());
        }
        assertTrue(seen.size() > 10, "reconnects after a restart must not arrive as one wave: " + seen);
    }

    @Test
    void manyAttemptsStayCappedWithoutOverflow() {
        Backoff b = backoff();
        for (int i = 0; i < 10_000; i++) {
            long d = b.nextMillis();
            assertTrue(d >= 0 && d <= MAX, "attempt " + i + ": " + d);
            if (i >= 4) assertWithin(MAX, d, i);
        }
    }

    @Test
    void hugeMaxIsStillFiniteAndPositive() {
        Backoff b = new Backoff(Duration.ofMillis(1), Duration.ofDays(365));
        for (int i = 0; i < 100; i++) {
            long d = b.nextMillis();
            assertTrue(d >= 0 && d <= Duration.ofDays(365).toMillis(), "attempt " + i + ": " + d);
        }
    }

    @Test
    void resetStartsOver() {
        for (int run = 0; run < 50; run++) {
            Backoff b = backoff();
            for (int i = 0; i < 8; i++) b.nextMillis();
            b.reset();
            assertEquals(0, b.attempts());
            assertWithin(MIN, b.nextMillis(), 0);
            assertWithin(2 * MIN, b.nextMillis(), 1);
        }
    }

    @Test
    void maxBelowMinIsTreatedAsMin() {
        Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofMillis(10));
        for (int i = 0; i < 20; i++) assertWithin(500, b.nextMillis(), i);
    }
}
