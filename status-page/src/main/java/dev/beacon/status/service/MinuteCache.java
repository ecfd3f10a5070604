package dev.beacon.status.service;

import dev.beacon.status.store.Store;
import dev.beacon.status.uptime.UptimeHistory;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The minute statuses of the page's span (about 120 days: one byte per component, location and minute), kept between
 * view refreshes so a refresh reads only the days that changed instead of two million minute rows.
 *
 * <p>What changed is learnt from the day roll-ups: a minute row is only ever written together with its day's
 * roll-up, which carries the writer's clock time ({@code probe_day.written_at}). Each sync re-reads, whole, every
 * UTC day written since the previous sync began, less a margin ({@link #SKEW} by default) for the clocks of other probers writing to the
 * same PostgreSQL and for transactions that committed late. A full read every {@link #FULL_READ} bounds what a
 * clock skewed beyond that could hide, and {@link #invalidate} forces one (after a purge removed minute rows).
 * Not thread-safe: the view refresher is its only user.
 */
final class MinuteCache {
    static final Duration SKEW = Duration.ofMinutes(5);
    static final Duration FULL_READ = Duration.ofHours(6);

    private final Supplier<Instant> wallClock;
    private final Duration skew;
    /** component -> location -> codes of the minutes [base, base + length) (see {@link UptimeHistory#code}). */
    private final Map<String, Map<String, byte[]>> codes = new LinkedHashMap<>();
    private long base;
    private int length;
    private Instant syncedAt;
    private Instant fullReadAt;
    private long rowsRead;

    MinuteCache(Supplier<Instant> wallClock) {
        this(wallClock, SKEW);
    }

    MinuteCache(Supplier<Instant> wallClock, Duration skew) {
        this.wallClock = wallClock;
        this.skew = skew;
    }

    /** What the cache holds: "component|location" to the codes of the span, for tests. */
    Map<String, String> snapshot() {
        Map<String, String> out = new java.util.TreeMap<>();
        byte[] none = new byte[length];
        codes.forEach((c, locations) -> locations.forEach((l, b) -> {
            if (!Arrays.equals(b, none)) out.put(c + "|" + l, base + ":" + Arrays.toString(b));
        }));
        return out;
    }

    /** Forgets everything: the next sync reads the whole span. */
    void invalidate() {
        syncedAt = null;
    }

    /** Rows read from the database by the last sync (for logs and tests). */
    long rowsRead() {
        return rowsRead;
    }

    /** Brings the cache up to date for the minutes starting in [from, to) (both whole minutes). */
    void sync(Store store, Instant from, Instant to) {
        Instant started = wallClock.get();
        long first = minute(from);
        int span = Math.toIntExact(minute(to) - first);
        rowsRead = 0;
        boolean full = syncedAt == null || first < base || started.isBefore(syncedAt)
                || !started.isBefore(fullReadAt.plus(FULL_READ));
        if (full) {
            syncedAt = null; // a read that fails half-way leaves the next sync a full one
            codes.clear();
            base = first;
            length = span;
            read(store, from, to);
            fullReadAt = started;
        } else {
            List<LocalDate> changed = store.daysWrittenSince(syncedAt.minus(skew));
            move(first, span);
            for (LocalDate day : changed) {
                Instant a = max(day.atStartOfDay(ZoneOffset.UTC).toInstant(), from);
                Instant b = min(day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(), to);
                if (!a.isBefore(b)) continue;
                int i = (int) (minute(a) - base);
                int j = (int) (minute(b) - base);
                for (Map<String, byte[]> locations : codes.values()) {
                    for (byte[] c : locations.values()) Arrays.fill(c, i, j, (byte) 0);
                }
                read(store, a, b);
            }
        }
        syncedAt = started;
    }

    /** Hands every location's minutes to the builder (whose span is the last sync's). */
    void feed(UptimeHistory.Builder history) {
        Instant first = Instant.ofEpochSecond(base * 60);
        codes.forEach((component, locations) -> locations.forEach((location, c) -> history.minutes(component, location, first, c)));
    }

    /** Components with at least one minute row in the span, in the order first seen. */
    Iterable<String> components() {
        return codes.keySet();
    }

    /** The start of the newest minute any location reported, or null when none did. */
    Instant newest() {
        int newest = -1;
        for (Map<String, byte[]> locations : codes.values()) {
            for (byte[] c : locations.values()) {
                for (int i = c.length - 1; i > newest; i--) {
                    if (c[i] != 0) {
                        newest = i;
                        break;
                    }
                }
            }
        }
        return newest < 0 ? null : Instant.ofEpochSecond((base + newest) * 60);
    }

    private void read(Store store, Instant from, Instant to) {
        store.scanMinutes(from, to, (component, location, minute, status) -> {
            long i = minute.getEpochSecond() / 60 - base;
            if (i < 0 || i >= length) return;
            codes.computeIfAbsent(component, k -> new LinkedHashMap<>())
                    .computeIfAbsent(location, k -> new byte[length])[(int) i] = UptimeHistory.code(status);
            rowsRead++;
        });
    }

    /** Slides the arrays to the span [first, first + span), keeping the minutes both spans hold. */
    private void move(long first, int span) {
        if (first == base && span == length) return;
        for (Map<String, byte[]> locations : codes.values()) {
            locations.replaceAll((location, old) -> {
                byte[] c = new byte[span];
                long lo = Math.max(first, base);
                long hi = Math.min(first + span, base + length);
                if (lo < hi) System.arraycopy(old, (int) (lo - base), c, (int) (lo - first), (int) (hi - lo));
                return c;
            });
        }
        base = first;
        length = span;
    }

    private static long minute(Instant t) {
        return Math.floorDiv(t.getEpochSecond(), 60);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
