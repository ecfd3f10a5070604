package dev.beacon.protocol;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Jittered exponential backoff ("equal jitter"): attempt n waits between half and all of min*2^n, capped at max.
 * Spreads reconnects after a node restart so they do not arrive as one wave.
 */
public final class Backoff {
    private final long minMs;
    private final long maxMs;
    private int attempt;

    public Backoff(Duration min, Duration max) {
        this.minMs = Math.max(1, min.toMillis());
        this.maxMs = Math.max(minMs, max.toMillis());
    }

    /** The next delay, and counts the attempt. */
    public long nextMillis() {
        long cap = Math.min(maxMs, minMs << Math.min(attempt, 20));
        attempt++;
        return cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
    }

    public void reset() {
        attempt = 0;
    }

    public int attempts() {
        return attempt;
    }
}
