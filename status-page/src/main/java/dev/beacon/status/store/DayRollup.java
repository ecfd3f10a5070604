package dev.beacon.status.store;

import dev.beacon.status.Status;

import java.time.LocalDate;

/**
 * One component over one UTC day, summed over its minute roll-ups of every location: a day of 3 locations probed
 * every minute has up to 4,320 location-minutes. Counts, not ratios, so the uptime math decides how to weigh them.
 *
 * @param status the worst minute status of the day
 */
public record DayRollup(String component, LocalDate day, Status status, int upMinutes, int degradedMinutes,
                        int downMinutes, int probes, int latencyCount, long latencySumMs, Integer latencyMaxMs) {
    /** Location-minutes with any probe. */
    public int minutes() {
        return upMinutes + degradedMinutes + downMinutes;
    }
}
