package dev.beacon.status.uptime;

/**
 * A component's state for one minute after the majority rule over the locations that reported that minute
 * (see {@link #ofMajority}). Maintenance is not a verdict: it is laid over verdicts by {@link Timeline}.
 */
public enum Verdict {
    /** No location reported this minute: left out of uptime, never counted as up. */
    NO_DATA,
    /** Not a majority degraded-or-down. Good. */
    UP,
    /** A strict majority saw it degraded or down, but not a strict majority down. Good for uptime. */
    DEGRADED,
    /** A strict majority of the reporting locations saw it down. Bad. */
    DOWN;

    /**
     * The majority rule. With n = up + degraded + down reporting locations: DOWN when 2·down &gt; n; else DEGRADED
     * when 2·(degraded + down) &gt; n; else UP; NO_DATA when n = 0. A tie is not a majority (1 of 2 down is not
     * down), and a location that did not report that minute does not count at all (1 of 1 down is down).
     */
    public static Verdict ofMajority(int up, int degraded, int down) {
        if (up < 0 || degraded < 0 || down < 0) {
            throw new IllegalArgumentException("negative count");
        }
        int n = up + degraded + down;
        if (n == 0) {
            return NO_DATA;
        }
        if (2 * down > n) {
            return DOWN;
        }
        // Degraded-or-down together: a slow location and a failing one agree the component is not healthy.
        if (2 * (degraded + down) > n) {
            return DEGRADED;
        }
        return UP;
    }

    /** Counts toward uptime's numerator (UP or DEGRADED). */
    public boolean isGood() {
        return this == UP || this == DEGRADED;
    }

    /** The worse of two verdicts, DOWN worst and NO_DATA least (used for the service as a whole). */
    public Verdict worse(Verdict other) {
        return ordinal() >= other.ordinal() ? this : other;
    }
}
