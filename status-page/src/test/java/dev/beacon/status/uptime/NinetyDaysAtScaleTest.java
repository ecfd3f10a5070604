package dev.beacon.status.uptime;

import dev.beacon.status.Status;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The full page at production size: 5 components x 3 locations x 90+ days (~650k component-minutes). Runs the whole
 * computation so accidentally quadratic code shows up as a test that never finishes; prints the time, asserts none.
 */
class NinetyDaysAtScaleTest {
    @Test
    void everyWindowForFiveComponentsOverNinetyDaysIsComputedInOneLinearPass() {
        ZoneId zone = ZoneId.of("Europe/Berlin");
        Instant now = Instant.parse("2024-11-05T12:00:00Z");
        Instant from = Instant.parse("2024-07-31T22:00:00Z"); // 2024-08-01 00:00 Berlin, before the first bar
        Instant to = Instant.parse("2024-11-30T23:00:00Z"); // end of November in Berlin
        String[] components = {"relay", "api", "dns", "bridge", "canary"};
        String[] locations = {"fra", "iad", "sin"};

        long t0 = System.nanoTime();
        UptimeHistory.Builder b = UptimeHistory.builder(from, to);
        SplittableRandom random = new SplittableRandom(11);
        Status[] results = Status.values();
        for (String c : components) {
            for (String l : locations) {
                for (Instant m = from; m.isBefore(now); m = m.plusSeconds(60)) {
                    int r = random.nextInt(100);
                    if (r < 97) {
                        b.result(c, l, m, r < 2 ? results[r + 1] : Status.UP);
                    } // 3% of minutes this location has no result
                }
            }
        }
        b.maintenance(MaintenanceWindow.forAll(Instant.parse("2024-10-01T02:00:00Z"),
                Instant.parse("2024-10-01T04:00:00Z")));
        UptimeHistory history = b.build();
        long t1 = System.nanoTime();

        List<UptimeReport> reports = new ArrayList<>();
        for (Timeline t : history.timelines()) {
            reports.add(UptimeReport.of(t, zone, now));
        }
        long t2 = System.nanoTime();
        for (Timeline t : history.timelines()) {
            UptimeReport.of(t, zone, now); // again, with the JIT warm
        }
        long t3 = System.nanoTime();
        List<IncidentEvent> incidents = new ArrayList<>();
        for (Timeline t : history.timelines()) {
            IncidentDetector d = new IncidentDetector(t.name());
            for (Instant m = from; m.isBefore(now); m = m.plusSeconds(60)) {
                d.accept(m, t.verdict(m)).ifPresent(incidents::add);
            }
        }
        long t4 = System.nanoTime();
        System.out.printf("uptime at scale: build %d ms; all windows for %d timelines %d ms cold, %d ms warm;"
                        + " incident scan %d ms (%d events)%n", (t1 - t0) / 1_000_000, reports.size(),
                (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000, incidents.size());

        assertEquals(1 + components.length, reports.size());
        for (UptimeReport r : reports) {
            assertEquals(UptimeReport.DAYS, r.days().size());
            // 90 d = 129,600 minutes, every one of them in exactly one count
            assertEquals(129600, r.rolling().get(RollingWindow.LAST_90_DAYS).minutes());
            // August .. November in Berlin
            assertEquals(4, r.months().size());
        }
    }
}
