package dev.beacon.status.uptime;

/** What one probe location saw of one component in one minute; failures are already confirmed by the prober. */
public enum Observation {
    /** Answered within the latency threshold. */
    UP,
    /** Answered, but slower than the threshold: good for uptime, shown as degraded. */
    DEGRADED,
    /** Did not answer correctly (confirmed). */
    DOWN
}
