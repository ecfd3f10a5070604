package dev.beacon.status.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/** One message posted on an incident; its status becomes the incident's. id is 0 until stored. */
public record IncidentUpdate(long id, long incidentId, IncidentStatus status, String body, Instant at) {
    /** Longest body (the schema's VARCHAR(10000)); a longer one is refused rather than cut. */
    public static final int MAX_BODY = 10_000;

    public IncidentUpdate {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(body, "body");
        if (body.length() > MAX_BODY) {
            throw new IllegalArgumentException("body is " + body.length() + " characters, at most " + MAX_BODY);
        }
        at = Objects.requireNonNull(at, "at").truncatedTo(ChronoUnit.MICROS);
    }
}
