package dev.beacon.status.store;

import dev.beacon.status.Status;

import java.time.Instant;

/** Short ways to write probe results in tests. */
final class Results {
    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    private Results() {
    }

    static StoredResult up(String location, String component, Instant ts, int latencyMs) {
        return new StoredResult(location, component, ts, Status.UP, latencyMs, null);
    }

    static StoredResult degraded(String location, String component, Instant ts, int latencyMs) {
        return new StoredResult(location, component, ts, Status.DEGRADED, latencyMs, "slow: over 500 ms");
    }

    static StoredResult down(String location, String component, Instant ts) {
        return new StoredResult(location, component, ts, Status.DOWN, null, "connect timed out");
    }
}
