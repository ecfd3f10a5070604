package dev.beacon.status.probe;

/** What a person reading the status page should conclude about one component at one moment. */
public enum Status {
    /** Answered correctly within the latency threshold. */
    UP,
    /** Answered correctly, but slower than the configured threshold. */
    DEGRADED,
    /** Failed twice in one interval (a failure counts only once a retry confirms it). */
    DOWN
}
