package dev.beacon.status.uptime;

import java.time.Instant;

/** Minutes as epoch-minute numbers: minute m is [m·60 s, (m+1)·60 s) UTC. */
final class Minutes {
    private Minutes() {
    }

    /** The minute an instant falls in (a result stamped 10:00:37 belongs to minute 10:00). */
    static long containing(Instant t) {
        return Math.floorDiv(t.getEpochSecond(), 60);
    }

    /** The first minute starting at or after t, so a range [a, b) holds the minutes [ceil(a), ceil(b)). */
    static long ceil(Instant t) {
        long m = containing(t);
        return (t.getEpochSecond() % 60 == 0 && t.getNano() == 0) ? m : m + 1;
    }

    static Instant start(long minute) {
        return Instant.ofEpochSecond(minute * 60);
    }
}
