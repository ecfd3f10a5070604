package dev.beacon.status.store;

import dev.beacon.status.Status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

class RetentionTest {
    private static final Instant DAY0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final Instant EPOCH = Instant.EPOCH;
    private static final Instant FAR = Instant.parse("2030-01-01T00:00:00Z");
    private static final LocalDate FIRST_DAY = LocalDate.of(1970, 1, 1);
    private static final LocalDate LAST_DAY = LocalDate.of(2030, 1, 1);

    @OnBothDatabases
    void purgeDeletesRawResultsAfterSevenDaysAndKeepsTheirRollups(TestDatabase db) {
        try (Store store = db.open()) {
            store.record(List.of(Results.up("fra", "relay", DAY0, 10),
                    Results.up("fra", "relay", DAY0.plus(Duration.ofDays(2)), 10)));
            assertEquals(new Store.Purged(0, 0, 0), store.purge(DAY0.plus(Duration.ofDays(7))));
            assertEquals(2, store.results("relay", EPOCH, FAR).size());

            Store.Purged purged = store.purge(DAY0.plus(Duration.ofDays(7)).plusSeconds(60));
            assertEquals(new Store.Purged(1, 0, 0), purged);
            assertEquals(List.of(DAY0.plus(Duration.ofDays(2))),
                    store.results("relay", EPOCH, FAR).stream().map(StoredResult::ts).toList());
            assertEquals(2, store.minutes(EPOCH, FAR).size());
            assertEquals(2, store.days(FIRST_DAY, LAST_DAY).size());
        }
    }

    @OnBothDatabases
    void purgeIsSafeToCallRepeatedly(TestDatabase db) {
        try (Store store = db.open()) {
            store.record(List.of(Results.up("fra", "relay", DAY0, 10)));
            Instant now = DAY0.plus(Duration.ofDays(30));
            assertEquals(new Store.Purged(1, 0, 0), store.purge(now));
            assertEquals(new Store.Purged(0, 0, 0), store.purge(now));
            assertEquals(new Store.Purged(0, 0, 0), store.purge(now.minus(Duration.ofDays(10))));
            assertEquals(1, store.minutes(EPOCH, FAR).size());
        }
    }

    @OnBothDatabases
    void rollupsAreKeptFourHundredDaysThenPurged(TestDatabase db) {
        try (Store store = db.open()) {
            store.record(List.of(Results.up("fra", "relay", DAY0, 10)));
            store.purge(DAY0.plus(Duration.ofDays(399)));
            assertEquals(1, store.minutes(EPOCH, FAR).size());
            assertEquals(1, store.days(FIRST_DAY, LAST_DAY).size());
            assertEquals(new Store.Purged(0, 1, 1), store.purge(DAY0.plus(Duration.ofDays(401))));
            assertEquals(List.of(), store.minutes(EPOCH, FAR));
            assertEquals(List.of(), store.days(FIRST_DAY, LAST_DAY));
        }
    }

    @OnBothDatabases
    void rawRetentionIsConfigurable(TestDatabase db) {
        Retention oneDay = new Retention(Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(400));
        try (Store store = db.open(oneDay)) {
            store.record(List.of(Results.up("fra", "relay", DAY0, 10)));
            assertEquals(new Store.Purged(1, 0, 0), store.purge(DAY0.plus(Duration.ofHours(25))));
            assertEquals(new Store.Purged(0, 1, 0), store.purge(DAY0.plus(Duration.ofDays(31))));
            assertEquals(1, store.days(FIRST_DAY, LAST_DAY).size());
        }
        assertThrows(IllegalArgumentException.class, () -> db.open(
                new Retention(Duration.ofDays(7), Duration.ofDays(7), Duration.ofDays(400))));
    }

    @OnBothDatabases
    void aLateResultOlderThanThePurgedHorizonIsRefusedSoItsMinuteIsNotRewrittenFromPartialRows(TestDatabase db) {
        try (Store store = db.open()) {
            store.record(List.of(Results.up("fra", "relay", DAY0, 10), Results.up("fra", "relay",
                    DAY0.plusSeconds(30), 10)));
            store.purge(DAY0.plus(Duration.ofDays(8)));
            Store.Recorded recorded = store.record(List.of(Results.down("fra", "relay", DAY0.plusSeconds(45)),
                    Results.up("fra", "relay", DAY0.plus(Duration.ofDays(8)), 10)));
            assertEquals(new Store.Recorded(1, 1), recorded);
            MinuteStatus minute = store.minutes(DAY0, DAY0.plusSeconds(60)).get(0);
            assertEquals(2, minute.probes());
            assertEquals(Status.UP, minute.status());
        }
    }
}
