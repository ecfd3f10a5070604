package dev.beacon.status;

import java.util.Collection;

/**
 * What a probe saw of a component, worst last: {@link #worst} of a minute or a day is the status the page shows. The one
 * vocabulary of the prober (a result), the store (raw rows and roll-ups) and the uptime math (one location, one minute).
 */
public enum Status {
    /** Answered as a user expects, within the latency threshold. */
    UP,
    /** Answered correctly but slower than the threshold: good for uptime, shown as degraded. */
    DEGRADED,
    /** Did not answer, or answered wrong, confirmed by a retry within the interval. */
    DOWN;

    public static Status worst(Collection<Status> statuses) {
        Status worst = UP;
        for (Status s : statuses) {
            if (s.compareTo(worst) > 0) {
                worst = s;
            }
        }
        return worst;
    }

    /** The worst status present in counts of each. */
    public static Status worstOf(long degraded, long down) {
        return down > 0 ? DOWN : degraded > 0 ? DEGRADED : UP;
    }
}
