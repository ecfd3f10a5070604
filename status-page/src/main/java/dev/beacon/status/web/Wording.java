package dev.beacon.status.web;

import dev.beacon.status.Status;
import dev.beacon.status.uptime.RollingWindow;
import dev.beacon.status.uptime.Tally;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How numbers, times and states read on the page, the feed and the badges; one place so they all say the same. */
final class Wording {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ENGLISH);
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private Wording() {
    }

    /**
     * The tally's uptime as a percentage with two decimals, rounded down so a month with one bad minute never reads
     * "100.00%"; "no data" when nothing was counted (never 100%).
     */
    static String percent(Tally t) {
        long counted = t.good() + t.bad();
        if (counted == 0) {
            return "no data";
        }
        if (t.bad() == 0) {
            return "100%";
        }
        // Exact decimal arithmetic: 0.9995 as a double times 100 is 99.94999..., which would floor to 99.94.
        return BigDecimal.valueOf(t.good()).multiply(HUNDRED)
                .divide(BigDecimal.valueOf(counted), 2, RoundingMode.FLOOR).toPlainString() + "%";
    }

    /** Minutes with at most one decimal: "43.2 min", "3 min". */
    static String minutes(double minutes) {
        BigDecimal m = BigDecimal.valueOf(minutes).setScale(1, RoundingMode.HALF_UP).stripTrailingZeros();
        return m.toPlainString() + " min";
    }

    /** A moment in the view's zone, e.g. "2024-05-31 14:00 CEST". */
    static String time(Instant at, ZoneId zone) {
        return TIME.format(at.atZone(zone));
    }

    /** A probe state in words; null (no location reported lately) is "No data". */
    static String state(Status s) {
        if (s == null) {
            return "No data";
        }
        return switch (s) {
            case UP -> "Operational";
            case DEGRADED -> "Degraded performance";
            case DOWN -> "Down";
        };
    }

    /** The service row's state: the words of the banner, for what the probes see (see StatusView.probeIndicator). */
    static String serviceState(dev.beacon.status.view.StatusView.Indicator i) {
        return switch (i) {
            case NONE -> "Operational";
            case MINOR -> "Degraded performance";
            case MAJOR -> "Partial outage";
            case CRITICAL -> "Major outage";
        };
    }

    /** The CSS class of a state's colour. */
    static String stateClass(Status s) {
        if (s == null) {
            return "nodata";
        }
        return switch (s) {
            case UP -> "up";
            case DEGRADED -> "degraded";
            case DOWN -> "down";
        };
    }

    /** "24 h", "7 d", ... for a window's label. */
    static String window(RollingWindow w) {
        return switch (w) {
            case LAST_24_HOURS -> "24 h";
            case LAST_7_DAYS -> "7 d";
            case LAST_30_DAYS -> "30 d";
            case LAST_90_DAYS -> "90 d";
        };
    }

    /** An enum constant as a word: RESOLVED -> "Resolved". */
    static String word(Enum<?> e) {
        String n = e.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        return Character.toUpperCase(n.charAt(0)) + n.substring(1);
    }
}
