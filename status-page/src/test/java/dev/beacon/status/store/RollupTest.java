package dev.beacon.status.store;

import dev.beacon.status.Status;

import static dev.beacon.status.store.Results.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

class RollupTest {
    private static final List<String> COMPONENTS = List.of("relay", "readyz", "canary");
    private static final List<String> LOCATIONS = List.of("fra", "iad");
    /** Spans midnight UTC, so two days. */
    private static final Instant START = Instant.parse("2026-03-01T23:50:00Z");
    private static final Instant END = START.plus(20, ChronoUnit.MINUTES);

    @OnBothDatabases
    void minuteRollupsMatchTheRawRowsOfEachComponentLocationAndMinute(TestDatabase db) {
        List<StoredResult> raw = probes(new Random(11));
        try (Store store = db.open()) {
            recordShuffledInBatches(store, raw);
            assertEquals(expectedMinutes(raw), store.minutes(START, END));
            assertEquals(expectedMinutes(raw.stream().filter(r -> r.component().equals("canary")).toList()),
                    store.minutes("canary", START, END));
        }
    }

    @OnBothDatabases
    void dayRollupsSumTheMinutesOfEveryLocation(TestDatabase db) {
        List<StoredResult> raw = probes(new Random(12));
        try (Store store = db.open()) {
            recordShuffledInBatches(store, raw);
            LocalDate first = LocalDate.of(2026, 3, 1);
            List<DayRollup> days = store.days(first, first.plusDays(2));
            assertEquals(expectedDays(store.minutes(START, END)), days);
            assertEquals(COMPONENTS.size() * 2, days.size());
            DayRollup relayFirstDay = store.days("relay", first, first.plusDays(1)).get(0);
            // 10 minutes before midnight, from 2 locations.
            assertEquals(20, relayFirstDay.minutes());
            assertEquals(raw.stream().filter(r -> r.component().equals("relay") && r.ts().isBefore(
                    Instant.parse("2026-03-02T00:00:00Z"))).count(), relayFirstDay.probes());
        }
    }

    @OnBothDatabases
    void aDayIsListedAsWrittenFromTheMomentOneOfItsResultsIsRecorded(TestDatabase db) throws InterruptedException {
        try (Store store = db.open()) {
            store.record(List.of(Results.up("fra", "relay", T0, 10), Results.up("fra", "relay", T0.plus(1, ChronoUnit.DAYS), 10)));
            Instant between = Instant.now();
            assertEquals(List.of(T0.atOffset(ZoneOffset.UTC).toLocalDate(), T0.atOffset(ZoneOffset.UTC).toLocalDate().plusDays(1)),
                    store.daysWrittenSince(between.minusSeconds(60)));
            // a late result of the first day, recorded after "between": only that day changed
            while (!Instant.now().isAfter(between)) Thread.onSpinWait();
            store.record(List.of(Results.down("iad", "relay", T0.plusSeconds(300))));
            assertEquals(List.of(T0.atOffset(ZoneOffset.UTC).toLocalDate()), store.daysWrittenSince(between));
        }
    }

    @OnBothDatabases
    void aMinuteIsAsBadAsItsWorstProbeAndCountsEachStatus(TestDatabase db) {
        try (Store store = db.open()) {
            store.record(List.of(Results.up("fra", "relay", T0, 10), Results.degraded("fra", "relay",
                    T0.plusSeconds(20), 700), Results.up("fra", "relay", T0.plusSeconds(40), 30)));
            MinuteStatus m = store.minutes(T0, T0.plusSeconds(60)).get(0);
            assertEquals(new MinuteStatus("relay", "fra", T0, Status.DEGRADED, 3, 2, 1, 0, 3, 740, 700), m);
            store.record(List.of(Results.down("fra", "relay", T0.plusSeconds(50))));
            m = store.minutes(T0, T0.plusSeconds(60)).get(0);
            assertEquals(new MinuteStatus("relay", "fra", T0, Status.DOWN, 4, 2, 1, 1, 3, 740, 700), m);
            assertEquals(Status.DOWN, store.days(LocalDate.of(2026, 3, 1), LocalDate.of(2026, 3, 2)).get(0)
                    .status());
        }
    }

    /** Every component from every location every 20 s, a tenth of them degraded or down. */
    private static List<StoredResult> probes(Random random) {
        List<StoredResult> out = new ArrayList<>();
        for (Instant t = START; t.isBefore(END); t = t.plusSeconds(20)) {
            for (String c : COMPONENTS) {
                for (String l : LOCATIONS) {
                    Instant ts = t.plusMillis(random.nextInt(5000));
                    int roll = random.nextInt(20);
                    out.add(roll == 0 ? Results.down(l, c, ts)
                            : roll == 1 ? Results.degraded(l, c, ts, 600 + random.nextInt(400))
                            : Results.up(l, c, ts, 5 + random.nextInt(100)));
                }
            }
        }
        return out;
    }

    private static void recordShuffledInBatches(Store store, List<StoredResult> raw) {
        List<StoredResult> shuffled = new ArrayList<>(raw);
        Collections.shuffle(shuffled, new Random(3));
        for (int i = 0; i < shuffled.size(); i += 17) {
            store.record(shuffled.subList(i, Math.min(i + 17, shuffled.size())));
        }
    }

    private static List<MinuteStatus> expectedMinutes(List<StoredResult> raw) {
        Map<String, List<StoredResult>> byKey = new TreeMap<>();
        for (StoredResult r : raw) {
            byKey.computeIfAbsent(r.component() + "|" + r.location() + "|" + r.minute(), k -> new ArrayList<>())
                    .add(r);
        }
        List<MinuteStatus> out = new ArrayList<>();
        for (List<StoredResult> rs : byKey.values()) {
            StoredResult first = rs.get(0);
            int up = 0;
            int degraded = 0;
            int down = 0;
            int latencies = 0;
            long sum = 0;
            Integer max = null;
            for (StoredResult r : rs) {
                switch (r.status()) {
                    case UP -> up++;
                    case DEGRADED -> degraded++;
                    case DOWN -> down++;
                }
                if (r.latencyMs() != null) {
                    latencies++;
                    sum += r.latencyMs();
                    max = max == null ? r.latencyMs() : Math.max(max, r.latencyMs());
                }
            }
            out.add(new MinuteStatus(first.component(), first.location(), first.minute(),
                    Status.worst(rs.stream().map(StoredResult::status).toList()), rs.size(), up, degraded, down,
                    latencies, sum, max));
        }
        return out;
    }

    private static List<DayRollup> expectedDays(List<MinuteStatus> minutes) {
        Map<String, List<MinuteStatus>> byKey = new TreeMap<>();
        for (MinuteStatus m : minutes) {
            byKey.computeIfAbsent(m.component() + "|" + LocalDate.ofInstant(m.minute(), ZoneOffset.UTC),
                    k -> new ArrayList<>()).add(m);
        }
        List<DayRollup> out = new ArrayList<>();
        for (List<MinuteStatus> ms : byKey.values()) {
            int up = 0;
            int degraded = 0;
            int down = 0;
            int probes = 0;
            int latencies = 0;
            long sum = 0;
            Integer max = null;
            for (MinuteStatus m : ms) {
                switch (m.status()) {
                    case UP -> up++;
                    case DEGRADED -> degraded++;
                    case DOWN -> down++;
                }
                probes += m.probes();
                latencies += m.latencyCount();
                sum += m.latencySumMs();
                if (m.latencyMaxMs() != null) {
                    max = max == null ? m.latencyMaxMs() : Math.max(max, m.latencyMaxMs());
                }
            }
            out.add(new DayRollup(ms.get(0).component(), LocalDate.ofInstant(ms.get(0).minute(), ZoneOffset.UTC),
                    Status.worst(ms.stream().map(MinuteStatus::status).toList()), up, degraded, down, probes,
                    latencies, sum, max));
        }
        return out;
    }
}
