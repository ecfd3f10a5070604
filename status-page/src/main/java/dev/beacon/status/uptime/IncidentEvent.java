package dev.beacon.status.uptime;

import java.time.Instant;

/**
 * An incident opening or resolving, for the caller to persist.
 *
 * @param at OPENED: the first down minute of the run that opened it; RESOLVED: the first good minute of the run that
 *     resolved it, so the incident covers [opened.at, resolved.at)
 * @param decidedAt the minute whose verdict completed the run (the N-th down or M-th good minute)
 */
public record IncidentEvent(Type type, String component, Instant at, Instant decidedAt) {
    public enum Type {
        /** N consecutive down minutes were seen. */
        OPENED,
        /** M consecutive good minutes were seen while an incident was open. */
        RESOLVED
    }
}
