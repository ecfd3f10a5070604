package dev.beacon.status.uptime;

import dev.beacon.status.Status;

import java.time.Instant;

/** Writes one location's result into every minute of [from, to), so a test states a table as a few ranges. */
final class Fill {
    private Fill() {
    }

    static UptimeHistory.Builder range(UptimeHistory.Builder b, String component, String location, Instant from,
            Instant to, Status result) {
        for (Instant m = from; m.isBefore(to); m = m.plusSeconds(60)) {
            b.result(component, location, m, result);
        }
        return b;
    }
}
