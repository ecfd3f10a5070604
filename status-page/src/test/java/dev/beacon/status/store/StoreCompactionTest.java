package dev.beacon.status.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The embedded file's compaction: it shrinks the file, keeps every row, and other calls wait for it, not fail. */
class StoreCompactionTest {
    private static final Instant DAY0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final Instant EPOCH = Instant.EPOCH;
    private static final Instant FAR = Instant.parse("2030-01-01T00:00:00Z");
    private static final LocalDate FIRST_DAY = LocalDate.of(1970, 1, 1);
    private static final LocalDate LAST_DAY = LocalDate.of(2030, 1, 1);

    @Test
    void compactingShrinksTheFileAndKeepsEveryRow() {
        try (TestDatabase.H2 db = new TestDatabase.H2(); Store store = db.open()) {
            write(store, DAY0, Duration.ofDays(2));
            // ten days on, the purge deletes every raw row: dead space that H2 keeps in the open file, whatever its
            // background writer managed meanwhile (with only the roll-ups' rewrites, a busy machine's H2 had already
            // reclaimed them and the compaction found nothing to shrink)
            store.purge(DAY0.plus(Duration.ofDays(10)));
            List<MinuteStatus> minutes = store.minutes(EPOCH, FAR);
            List<DayRollup> days = store.days(FIRST_DAY, LAST_DAY);
            List<StoredResult> results = store.results("relay", EPOCH, FAR);

            Store.Compacted c = store.compact().orElseThrow();

            assertTrue(c.bytesAfter() > 0 && c.bytesAfter() < c.bytesBefore(), c.toString());
            assertEquals(c.bytesAfter(), size(db.dir()), "the file on disk is the size reported");
            assertEquals(minutes, store.minutes(EPOCH, FAR));
            assertEquals(days, store.days(FIRST_DAY, LAST_DAY));
            assertEquals(results, store.results("relay", EPOCH, FAR));
            write(store, DAY0.plus(Duration.ofDays(10)), Duration.ofHours(1)); // and it is writable again
            assertEquals(minutes.size() + 2 * 2 * 60, store.minutes(EPOCH, FAR).size());
        }
    }

    @Test
    void compactIfDueCompactsAtTheFirstCallThenOnceADay() {
        try (TestDatabase.H2 db = new TestDatabase.H2(); Store store = db.open()) {
            write(store, DAY0, Duration.ofHours(1));
            Instant now = DAY0.plus(Duration.ofHours(1));
            assertTrue(store.compactIfDue(now).isPresent());
            assertEquals(Optional.empty(), store.compactIfDue(now.plus(Duration.ofHours(23))));
            assertTrue(store.compactIfDue(now.plus(Store.COMPACT_EVERY)).isPresent());
        }
    }

    @OnBothDatabases
    void onlyTheEmbeddedFileIsCompacted(TestDatabase db) {
        try (Store store = db.open()) {
            write(store, DAY0, Duration.ofHours(1));
            assertEquals(db instanceof TestDatabase.H2, store.compact().isPresent());
            assertEquals(db instanceof TestDatabase.H2, store.compactIfDue(DAY0).isPresent());
        }
    }

    @Test
    void callsDuringACompactionWaitForItAndSucceed() throws Exception {
        try (TestDatabase.H2 db = new TestDatabase.H2(); Store store = db.open()) {
            write(store, DAY0, Duration.ofDays(1));
            Instant end = DAY0.plus(Duration.ofDays(1));
            int minutes = store.minutes(EPOCH, end).size();
            AtomicBoolean compacting = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<Integer>> readers = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    readers.add(pool.submit(() -> {
                        int reads = 0;
                        while (compacting.get()) {
                            assertEquals(minutes, store.minutes(EPOCH, end).size());
                            reads++;
                        }
                        return reads;
                    }));
                }
                Future<Integer> writer = pool.submit(() -> {
                    int writes = 0;
                    Instant t = end;
                    while (compacting.get()) {
                        store.record(List.of(Results.up("fra", "relay", t, 10)));
                        t = t.plusSeconds(30);
                        writes++;
                    }
                    return writes;
                });
                for (int i = 0; i < 3; i++) {
                    store.compact().orElseThrow();
                }
                compacting.set(false);
                for (Future<Integer> r : readers) {
                    assertTrue(r.get(30, TimeUnit.SECONDS) > 0);
                }
                int writes = writer.get(30, TimeUnit.SECONDS);
                assertEquals(writes, store.results("relay", end, FAR).stream()
                        .filter(r -> r.location().equals("fra")).count());
            } finally {
                compacting.set(false);
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aFileWrittenWithoutCompressionIsReadAndCompacted() {
        try (TestDatabase.H2 db = new TestDatabase.H2()) {
            List<MinuteStatus> minutes;
            try (Store old = Store.open(db.url().replace("COMPRESS=TRUE", "COMPRESS=FALSE"), db.user(), db.password())) {
                write(old, DAY0, Duration.ofHours(6));
                minutes = old.minutes(EPOCH, FAR);
            }
            try (Store store = db.open()) {
                assertEquals(minutes, store.minutes(EPOCH, FAR));
                write(store, DAY0.plus(Duration.ofHours(6)), Duration.ofHours(1));
                store.compact().orElseThrow();
                assertEquals(minutes.size() + 2 * 2 * 60, store.minutes(EPOCH, FAR).size());
            }
        }
    }

    /** Two components from two locations every 30 s over [from, from + span), in batches as the buffer writes them. */
    private static void write(Store store, Instant from, Duration span) {
        List<StoredResult> batch = new ArrayList<>();
        for (Instant t = from; t.isBefore(from.plus(span)); t = t.plusSeconds(30)) {
            for (String location : List.of("fra", "iad")) {
                for (String component : List.of("relay", "canary")) {
                    batch.add(Results.up(location, component, t.plusMillis(location.length() * 100L), 10 + t.getNano() % 7));
                    if (batch.size() == 500) {
                        store.record(batch);
                        batch.clear();
                    }
                }
            }
        }
        store.record(batch);
    }

    private static long size(Path dir) {
        try {
            return Files.size(dir.resolve("status.mv.db"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
