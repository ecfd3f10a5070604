package dev.beacon.status.store;

import dev.beacon.status.Status;

import static dev.beacon.status.store.Results.T0;
import static dev.beacon.status.store.Results.down;
import static dev.beacon.status.store.Results.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

class RecordTest {
    private static final Instant HOUR = T0.plusSeconds(3600);

    @OnBothDatabases
    void theSameResultRecordedTwiceIsStoredOnce(TestDatabase db) {
        try (Store store = db.open()) {
            StoredResult r = up("fra", "relay", T0.plusMillis(250), 12);
            store.record(List.of(r));
            store.record(List.of(r));
            assertEquals(List.of(r), store.results("relay", T0, HOUR));
            MinuteStatus minute = store.minutes(T0, HOUR).get(0);
            assertEquals(1, minute.probes());
        }
    }

    @OnBothDatabases
    void aRestartReplayingABatchNeitherLosesNorDoublesResults(TestDatabase db) {
        List<StoredResult> first = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            first.add(up("fra", "relay", T0.plusSeconds(10L * i), 10 + i));
        }
        try (Store store = db.open()) {
            store.record(first);
        }
        // The prober restarts and replays its last five results with five new ones.
        List<StoredResult> replay = new ArrayList<>(first.subList(5, 10));
        for (int i = 10; i < 15; i++) {
            replay.add(up("fra", "relay", T0.plusSeconds(10L * i), 10 + i));
        }
        try (Store store = db.open()) {
            assertEquals(new Store.Recorded(10, 0), store.record(replay));
            assertEquals(15, store.results("relay", T0, HOUR).size());
            assertEquals(15, store.minutes(T0, HOUR).stream().mapToInt(MinuteStatus::probes).sum());
            assertEquals(15, store.days(Results.T0.atZone(java.time.ZoneOffset.UTC).toLocalDate(),
                    Results.T0.atZone(java.time.ZoneOffset.UTC).toLocalDate().plusDays(1)).get(0).probes());
        }
    }

    @OnBothDatabases
    void aResultRecordedAgainReplacesTheStoredOneAndItsRollups(TestDatabase db) {
        try (Store store = db.open()) {
            store.record(List.of(up("fra", "relay", T0, 12)));
            store.record(List.of(down("fra", "relay", T0)));
            List<StoredResult> stored = store.results("relay", T0, HOUR);
            assertEquals(1, stored.size());
            assertEquals(Status.DOWN, stored.get(0).status());
            assertNull(stored.get(0).latencyMs());
            assertEquals("connect timed out", stored.get(0).reason());
            MinuteStatus minute = store.minutes(T0, HOUR).get(0);
            assertEquals(Status.DOWN, minute.status());
            assertEquals(0, minute.up());
            assertEquals(1, minute.down());
        }
    }

    @OnBothDatabases
    void theLastOfTwoEqualKeysInOneBatchWins(TestDatabase db) {
        try (Store store = db.open()) {
            assertEquals(new Store.Recorded(1, 0),
                    store.record(List.of(up("fra", "relay", T0, 12), down("fra", "relay", T0))));
            assertEquals(Status.DOWN, store.results("relay", T0, HOUR).get(0).status());
        }
    }
}
