package dev.beacon.status.store;

import static dev.beacon.status.store.Results.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

class ResultBufferTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Instant END = T0.plusSeconds(3600);

    private static ResultBuffer.Options options(int capacity, int batchSize) {
        return new ResultBuffer.Options(capacity, batchSize, Duration.ofMillis(20), Duration.ofMillis(200),
                Duration.ofSeconds(5));
    }

    @ParameterizedTest(name = "on {0}")
    @ArgumentsSource(Outage.Both.class)
    void keepsResultsWhileTheDatabaseIsDownAndWritesThemWhenItIsBack(Outage db) throws Exception {
        try (Store store = db.open(); ResultBuffer buffer = new ResultBuffer(store, options(1000, 50))) {
            buffer.offer(Results.up("fra", "relay", T0, 10));
            assertTrue(buffer.awaitWritten(DEADLINE));

            db.stop();
            for (int i = 1; i <= 100; i++) {
                buffer.offer(Results.up("fra", "relay", T0.plusSeconds(i), 10));
            }
            waitFor(() -> buffer.failedWrites() > 0, "a failed write");
            assertEquals(100, buffer.pending());
            assertEquals(1, buffer.written());

            db.start();
            assertTrue(buffer.awaitWritten(DEADLINE), "written once the database is back");
            assertEquals(101, store.results("relay", T0, END).size());
            assertEquals(101, buffer.written());
            assertEquals(0, buffer.dropped());
        }
    }

    @ParameterizedTest(name = "on {0}")
    @ArgumentsSource(Outage.Both.class)
    void dropsTheOldestBeyondItsBoundAndCountsThem(Outage db) throws Exception {
        try (Store store = db.open(); ResultBuffer buffer = new ResultBuffer(store, options(10, 5))) {
            db.stop();
            buffer.offer(IntStream.rangeClosed(1, 25)
                    .mapToObj(i -> Results.up("fra", "relay", T0.plusSeconds(i), 10)).toList());
            waitFor(() -> buffer.failedWrites() > 0, "a failed write");
            buffer.offer(Results.up("fra", "relay", T0.plusSeconds(26), 10));
            assertEquals(10, buffer.pending());
            assertEquals(16, buffer.dropped());

            db.start();
            assertTrue(buffer.awaitWritten(DEADLINE), "written once the database is back");
            List<Instant> stored = store.results("relay", T0, END).stream().map(StoredResult::ts).toList();
            assertEquals(IntStream.rangeClosed(17, 26).mapToObj(T0::plusSeconds).toList(), stored,
                    "the newest 10 are kept");
            assertEquals(16, buffer.dropped());
        }
    }

    @Test
    void offerReturnsAtOnceWhileAWriteHangs() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        List<StoredResult> written = new ArrayList<>();
        Recorder hanging = results -> {
            writing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (written) {
                written.addAll(results);
            }
            return new Store.Recorded(results.size(), 0);
        };
        try (ResultBuffer buffer = new ResultBuffer(hanging, options(100, 1))) {
            buffer.offer(Results.up("fra", "relay", T0, 10));
            assertTrue(writing.await(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                for (int i = 1; i <= 10_000; i++) {
                    buffer.offer(Results.up("fra", "relay", T0.plusMillis(i), 10));
                }
            });
            assertEquals(101, buffer.pending(), "100 queued and one being written");
            assertEquals(9_900, buffer.dropped());
            release.countDown();
            assertTrue(buffer.awaitWritten(DEADLINE));
            assertEquals(101, written.size());
        }
    }

    @Test
    void aBoundOrBatchBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> options(0, 5));
        assertThrows(IllegalArgumentException.class, () -> options(5, 0));
    }

    /** Waits for a condition the buffer reaches on its own thread, with a deadline instead of a fixed sleep. */
    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "waited " + DEADLINE + " for " + what);
            Thread.sleep(10);
        }
    }
}
