package dev.beacon.status.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.status.Status;
import dev.beacon.status.store.Store;
import dev.beacon.status.store.StoredResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The view's minute cache: after the first read, a refresh reads only the days written since, and sees every change. */
class MinuteCacheTest {
    private static final Instant DAY1 = Instant.parse("2026-03-01T00:00:00Z");
    private static final List<String> COMPONENTS = List.of("node/a/tls", "canary");
    private static final List<String> LOCATIONS = List.of("fra", "iad");

    @TempDir
    Path dir;

    @Test
    void afterTheFirstReadOnlyTheDaysWrittenSinceAreReadAgain() {
        try (Store store = Store.open(Store.h2Url(dir), "sa", "")) {
            store.record(everyMinute(DAY1, 3, new Random(1)));
            MinuteCache cache = new MinuteCache(Instant::now, Duration.ZERO);
            Instant to = DAY1.plus(3, ChronoUnit.DAYS);
            cache.sync(store, DAY1, to);
            assertEquals(3 * 1440 * 4, cache.rowsRead(), "the first sync reads the whole span");

            cache.sync(store, DAY1, to);
            assertEquals(0, cache.rowsRead(), "nothing was written since");

            Instant late = DAY1.plus(1, ChronoUnit.DAYS).plus(7, ChronoUnit.HOURS);
            store.record(List.of(new StoredResult("fra", "canary", late, Status.DOWN, null, "timeout after 5 s"),
                    new StoredResult("iad", "canary", late, Status.DOWN, null, "timeout after 5 s")));
            cache.sync(store, DAY1, to);
            assertEquals(1440 * 4, cache.rowsRead(), "only the second day, which a late result changed, is read again");
            assertEquals(fresh(store, DAY1, to), cache.snapshot());
        }
    }

    @Test
    void whateverIsWrittenBetweenSyncsTheCacheHoldsWhatAFullReadWould() {
        Random random = new Random(42);
        try (Store store = Store.open(Store.h2Url(dir), "sa", "")) {
            store.record(everyMinute(DAY1, 4, random));
            MinuteCache cache = new MinuteCache(Instant::now, Duration.ZERO);
            Instant from = DAY1;
            Instant to = DAY1.plus(4, ChronoUnit.DAYS);
            cache.sync(store, from, to);
            for (int round = 0; round < 6; round++) {
                // late results anywhere in the span, a new component, a new day's first minutes, and the span moving on
                List<StoredResult> batch = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    Instant at = from.plusSeconds(60L * random.nextInt((int) Duration.between(from, to).toMinutes()));
                    batch.add(new StoredResult(LOCATIONS.get(random.nextInt(2)), random.nextBoolean() ? "canary" : "tenant/acme",
                            at, Status.values()[random.nextInt(3)], 20, null));
                }
                batch.add(new StoredResult("fra", "canary", to.plusSeconds(30), Status.DOWN, null, "no bridge for canary"));
                store.record(batch);
                from = from.plus(7, ChronoUnit.HOURS);
                to = to.plus(7, ChronoUnit.HOURS);
                cache.sync(store, from, to);
                assertTrue(cache.rowsRead() < 4 * 1440 * 4, "round " + round + " read " + cache.rowsRead() + " rows");
                assertEquals(fresh(store, from, to), cache.snapshot(), "round " + round);
            }
        }
    }

    private static java.util.Map<String, String> fresh(Store store, Instant from, Instant to) {
        MinuteCache full = new MinuteCache(Instant::now);
        full.sync(store, from, to);
        return full.snapshot();
    }

    private static List<StoredResult> everyMinute(Instant start, int days, Random random) {
        List<StoredResult> out = new ArrayList<>();
        for (int m = 0; m < days * 1440; m++) {
            for (String c : COMPONENTS) {
                for (String l : LOCATIONS) {
                    Status s = random.nextInt(100) < 3 ? Status.DOWN : random.nextInt(100) < 5 ? Status.DEGRADED : Status.UP;
                    out.add(new StoredResult(l, c, start.plusSeconds(60L * m + 10), s, 30, null));
                }
            }
        }
        return out;
    }
}
