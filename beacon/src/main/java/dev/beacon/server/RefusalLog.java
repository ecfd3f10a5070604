package dev.beacon.server;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Keeps a flood of refused connections from becoming a flood of log lines: per interval, the first {@code perKind}
 * refusals of each kind are logged one by one, the rest only counted and summed up in one line when the interval
 * ends ("refused 2,345 more connections in the last 10 s: rate_limited=2,300 handshake/not_tls=45"). Metrics count
 * every refusal regardless; this only decides about log lines. Thread-safe.
 */
final class RefusalLog {
    private final int perKind;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Consumer<String> summaries;
    private final Runnable onSuppressed;
    private final Map<String, Integer> logged = new TreeMap<>();   // guarded by this; kinds are a few codes and reasons
    private final Map<String, Long> suppressed = new TreeMap<>();  // guarded by this
    private long windowStart;                                     // guarded by this

    /**
     * @param summaries gets the summary line of an interval in which some refusals were not logged
     * @param onSuppressed runs for every refusal that is not logged (a metric)
     */
    RefusalLog(int perKind, java.time.Duration interval, LongSupplier nanoClock, Consumer<String> summaries, Runnable onSuppressed) {
        this.perKind = perKind;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.summaries = summaries;
        this.onSuppressed = onSuppressed;
        this.windowStart = nanoClock.getAsLong();
    }

    /** A refusal of this kind happened: true if the caller should log it individually. */
    boolean admit(String kind) {
        String summary;
        boolean admit;
        synchronized (this) {
            summary = rollOver();
            int n = logged.getOrDefault(kind, 0);
            admit = n < perKind;
            if (admit) {
                logged.put(kind, n + 1);
            } else {
                suppressed.merge(kind, 1L, Long::sum);
            }
        }
        if (summary != null) summaries.accept(summary);
        if (!admit) onSuppressed.run();
        return admit;
    }

    /** Called periodically, so that the last interval of a flood is summed up even when refusals stop. */
    void tick() {
        String summary;
        synchronized (this) {
            summary = rollOver();
        }
        if (summary != null) summaries.accept(summary);
    }

    /** Starts a new interval if the current one is over; returns its summary line, or null if nothing was held back. */
    private String rollOver() {
        long now = nanoClock.getAsLong();
        long elapsed = now - windowStart;
        if (elapsed < intervalNanos) return null;
        windowStart = now;
        logged.clear();
        if (suppressed.isEmpty()) return null;
        long total = 0;
        StringBuilder kinds = new StringBuilder();
        for (Map.Entry<String, Long> e : suppressed.entrySet()) {
            total += e.getValue();
            kinds.append(' ').append(e.getKey()).append('=').append(String.format(Locale.ROOT, "%,d", e.getValue()));
        }
        suppressed.clear();
        return String.format(Locale.ROOT, "refused %,d more connections in the last %d s:%s", total,
                Math.max(1, Math.round(elapsed / 1e9)), kinds);
    }
}
