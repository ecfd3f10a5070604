package dev.beacon.status.uptime;

import java.util.OptionalDouble;

/**
 * Minutes of a time range by what they count as; every minute of the range is in exactly one of the five counts
 * (maintenance first, then the verdict).
 */
public record Tally(long up, long degraded, long down, long noData, long maintenance) {
    public static final Tally EMPTY = new Tally(0, 0, 0, 0, 0);

    /** Good minutes: up or degraded (degraded is slow, not broken). */
    public long good() {
        return up + degraded;
    }

    /** Bad minutes: down after the majority rule, outside maintenance. */
    public long bad() {
        return down;
    }

    /** All minutes of the range, including no data and maintenance. */
    public long minutes() {
        return up + degraded + down + noData + maintenance;
    }

    /** good / (good + bad); empty ("no data", never 100%) when good + bad = 0. */
    public OptionalDouble uptime() {
        long counted = good() + bad();
        return counted == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) good() / counted);
    }

    Tally plus(Tally o) {
        return new Tally(up + o.up, degraded + o.degraded, down + o.down, noData + o.noData,
                maintenance + o.maintenance);
    }
}
