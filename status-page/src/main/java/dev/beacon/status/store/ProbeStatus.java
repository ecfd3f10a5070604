package dev.beacon.status.store;

import java.util.Collection;

/** What one probe saw, worst last: {@link #worst} of a minute or a day is the status the page shows. */
public enum ProbeStatus {
    /** The component answered as a user expects. */
    UP,
    /** It answered, but slowly or partly (a canary over its latency bound, a readyz that says degraded). */
    DEGRADED,
    /** It did not answer, or answered wrong. */
    DOWN;

    public static ProbeStatus worst(Collection<ProbeStatus> statuses) {
        ProbeStatus worst = UP;
        for (ProbeStatus s : statuses) {
            if (s.compareTo(worst) > 0) {
                worst = s;
            }
        }
        return worst;
    }

    /** The worst status present in counts of each. */
    static ProbeStatus worstOf(long degraded, long down) {
        return down > 0 ? DOWN : degraded > 0 ? DEGRADED : UP;
    }
}
