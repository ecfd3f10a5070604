package dev.beacon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The refusal log on a clock the test moves: no sleeps. */
class RefusalLogTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<String> summaries = new ArrayList<>();
    private final AtomicLong notLogged = new AtomicLong();
    private final RefusalLog log = new RefusalLog(3, Duration.ofSeconds(10), now::get, summaries::add, notLogged::incrementAndGet);

    @Test
    void theFirstFewOfEachKindAreLoggedThenCountedAndSummedUpOncePerInterval() {
        int admitted = 0;
        for (int i = 0; i < 2345; i++) {
            if (log.admit("rate_limited")) admitted++;
        }
        for (int i = 0; i < 5; i++) {
            if (log.admit("handshake/not_tls")) admitted++;
        }
        assertEquals(6, admitted, "three of each kind");
        assertEquals(2345 + 5 - 6, notLogged.get(), "every one held back is counted");
        assertTrue(summaries.isEmpty(), "no summary before the interval ends");

        now.addAndGet(Duration.ofSeconds(10).toNanos());
        log.tick();
        assertEquals(List.of("refused 2,344 more connections in the last 10 s: handshake/not_tls=2 rate_limited=2,342"), summaries);

        log.tick();
        assertEquals(1, summaries.size(), "one summary per interval");
        assertTrue(log.admit("rate_limited"), "a new interval logs the first ones again");
    }

    @Test
    void aQuietIntervalWritesNoSummary() {
        assertTrue(log.admit("forbidden"));
        assertTrue(log.admit("forbidden"));
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        log.tick();
        assertTrue(summaries.isEmpty(), "nothing was held back: " + summaries);
        assertEquals(0, notLogged.get());
    }

    @Test
    void theNextRefusalAfterTheIntervalWritesTheSummaryWithoutATick() {
        for (int i = 0; i < 4; i++) log.admit("overloaded");
        now.addAndGet(Duration.ofSeconds(12).toNanos());
        assertTrue(log.admit("overloaded"));
        assertEquals(List.of("refused 1 more connections in the last 12 s: overloaded=1"), summaries);
    }

    @Test
    void withZeroPerKindNothingIsLoggedOneByOne() {
        RefusalLog silent = new RefusalLog(0, Duration.ofSeconds(1), now::get, summaries::add, notLogged::incrementAndGet);
        assertFalse(silent.admit("timeout"));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        silent.tick();
        assertEquals(List.of("refused 1 more connections in the last 1 s: timeout=1"), summaries);
    }
}
