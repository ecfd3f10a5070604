package dev.beacon.bridge.openbao.sim;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations the way OpenBao and its CLI write them: {@code 500ms}, {@code 2s}, {@code 1m30s}, {@code 1.5h}; a bare
 * integer is seconds (as in TTL fields such as {@code "increment": 3600}); ISO-8601 ({@code PT2S}) is accepted too.
 */
final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    private GoDuration() {
    }

    static Duration parse(String s) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException("empty duration");
        String t = s.trim();
        if (t.matches("\\d+")) return Duration.ofSeconds(Long.parseLong(t));
        if (t.startsWith("P") || t.startsWith("p")) {
            try {
                return Duration.parse(t);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("invalid duration '" + s + "'");
            }
        }
        Matcher m = PART.matcher(t);
        int at = 0;
        BigDecimal nanos = BigDecimal.ZERO;
        while (at < t.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("invalid duration '" + s + "' (use e.g. 500ms, 2s, 1m30s)");
            }
            BigDecimal n = new BigDecimal(m.group(1).startsWith(".") ? "0" + m.group(1) : m.group(1));
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos = nanos.add(n.multiply(BigDecimal.valueOf(unit)));
            at = m.end();
        }
        return Duration.ofNanos(nanos.longValue());
    }

    /** Go's {@code strconv.ParseBool}. */
    static Boolean parseBool(String s) {
        return switch (s) {
            case "1", "t", "T", "TRUE", "true", "True" -> Boolean.TRUE;
            case "0", "f", "F", "FALSE", "false", "False" -> Boolean.FALSE;
            default -> null;
        };
    }
}
