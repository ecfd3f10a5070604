package dev.beacon.status.store;

import dev.beacon.status.Status;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * One probe of one component from one location. (location, component, ts) is its identity: recording it again
 * replaces it, never doubles it. ts is kept to the millisecond; reason is cut to {@link #MAX_REASON} characters.
 *
 * @param latencyMs null when the probe got no answer to time
 * @param reason    why it was not UP (null when it was): an error a person can act on, never a payload
 */
public record StoredResult(String location, String component, Instant ts, Status status, Integer latencyMs,
                          String reason) {
    /** Longest location or component name (the schema's VARCHAR(64)). */
    public static final int MAX_NAME = 64;
    /** Longest reason kept (the schema's VARCHAR(500)); a longer one is cut, not refused. */
    public static final int MAX_REASON = 500;

    public StoredResult {
        location = name("location", location);
        component = name("component", component);
        ts = Objects.requireNonNull(ts, "ts").truncatedTo(ChronoUnit.MILLIS);
        Objects.requireNonNull(status, "status");
        if (latencyMs != null && latencyMs < 0) {
            throw new IllegalArgumentException("latencyMs must not be negative: " + latencyMs);
        }
        if (reason != null && reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON);
        }
    }

    static String name(String what, String value) {
        Objects.requireNonNull(value, what);
        if (value.isBlank() || value.length() > MAX_NAME) {
            throw new IllegalArgumentException(what + " must be 1 to " + MAX_NAME + " characters: '" + value + "'");
        }
        return value;
    }

    /** The UTC minute this result rolls up into. */
    public Instant minute() {
        return ts.truncatedTo(ChronoUnit.MINUTES);
    }
}
