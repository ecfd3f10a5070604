package dev.beacon.status.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How long {@link Store#purge} keeps each kind of row. Minute roll-ups are the big table (components x locations
 * x 1,440 a day: 5 x 4 over 400 days is 11.5 million rows), so they can be kept shorter than the day roll-ups.
 */
public record Retention(Duration raw, Duration minutes, Duration days) {
    /** Raw results 7 days, roll-ups 400 days. */
    public static final Retention DEFAULT = new Retention(Duration.ofDays(7), Duration.ofDays(400),
            Duration.ofDays(400));

    public Retention {
        positive("raw", raw);
        positive("minutes", minutes);
        positive("days", days);
    }

    private static void positive(String key, Duration d) {
        if (Objects.requireNonNull(d, key).isNegative() || d.isZero()) {
            throw new IllegalArgumentException("retention." + key + " must be positive: " + d);
        }
    }
}
