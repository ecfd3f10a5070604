package dev.beacon.status.uptime;

import java.time.Duration;

/** The rolling windows the page shows, each ending at the last whole minute before "now". */
public enum RollingWindow {
    LAST_24_HOURS(Duration.ofHours(24)),
    LAST_7_DAYS(Duration.ofDays(7)),
    LAST_30_DAYS(Duration.ofDays(30)),
    LAST_90_DAYS(Duration.ofDays(90));

    /** Exact lengths in UTC (a rolling window does not care about the viewer's DST). */
    public final Duration length;

    RollingWindow(Duration length) {
        this.length = length;
    }
}
