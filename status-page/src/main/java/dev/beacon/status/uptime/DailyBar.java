package dev.beacon.status.uptime;

import java.time.LocalDate;

/**
 * One day of the 90-day bar chart in the viewer's zone.
 *
 * @param minutesInDay the day's real length: 1,440, or 1,380 / 1,500 on a DST change
 * @param tally the day's minutes up to "now" (today's bar is partial); uptime, downtime (down), degraded and
 *     no-data minutes are read from it
 */
public record DailyBar(LocalDate day, long minutesInDay, Tally tally) {
}
