package dev.beacon.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in config: {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h} (or ISO-8601). */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)");

    private Durations() {
    }

    /** Parses {@code s}; IllegalArgumentException when it is no duration or is too long to count in milliseconds. */
    public static Duration parse(String s) {
        Duration d = read(s);
        try {
            d.toMillis(); // timers and socket options take milliseconds: refuse here what would fail at start-up
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration too long: '" + s + "' (at most " + Long.MAX_VALUE + "ms)");
        }
        return d;
    }

    private static Duration read(String s) {
        String v = s.trim();
        Matcher m = SIMPLE.matcher(v);
        if (m.matches()) {
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("duration too long: '" + s + "'");
            }
            try {
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("duration too long: '" + s + "'");
            }
        }
        try {
            return Duration.parse(v);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration: '" + s + "' (use e.g. 250ms, 10s, 5m, 1h)");
        }
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }
}
