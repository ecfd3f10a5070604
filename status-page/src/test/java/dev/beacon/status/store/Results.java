package dev.beacon.status.store;

import java.time.Instant;

/** Short ways to write probe results in tests. */
final class Results {
    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    private Results() {
    }

    static ProbeResult up(String location, String component, Instant ts, int latencyMs) {
        return new ProbeResult(location, component, ts, ProbeStatus.UP, latencyMs, null);
    }

    static ProbeResult degraded(String location, String component, Instant ts, int latencyMs) {
        return new ProbeResult(location, component, ts, ProbeStatus.DEGRADED, latencyMs, "slow: over 500 ms");
    }

    static ProbeResult down(String location, String component, Instant ts) {
        return new ProbeResult(location, component, ts, ProbeStatus.DOWN, null, "connect timed out");
    }
}
