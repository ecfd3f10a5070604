package dev.beacon.status.uptime;

import static dev.beacon.status.Status.DEGRADED;
import static dev.beacon.status.Status.DOWN;
import static dev.beacon.status.Status.UP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Tallies of one hour, 10:00-11:00 UTC, with the expected counts worked out by hand. */
class TimelineTest {
    private static final Instant H = Instant.parse("2024-05-01T10:00:00Z");

    private static Instant at(int minute) {
        return H.plusSeconds(60L * minute);
    }

    private static UptimeHistory.Builder hour() {
        return UptimeHistory.builder(H, at(60));
    }

    @Test
    void minutesWithNoReportAreNoDataAndLeftOutOfTheDenominator() {
        // 10:00-10:49 up (50), 10:50-10:51 down (2), 10:52-10:59 nothing (8)
        UptimeHistory.Builder b = hour();
        Fill.range(b, "relay", "fra", at(0), at(50), UP);
        Fill.range(b, "relay", "fra", at(50), at(52), DOWN);
        Tally t = b.build().component("relay").tally(H, at(60));
        assertEquals(new Tally(50, 0, 2, 8, 0), t);
        // 50 / (50 + 2) = 0.9615384...; not 58/60, the 8 no-data minutes are not "up"
        assertEquals(0.961538, t.uptime().getAsDouble(), 1e-6);
    }

    @Test
    void degradedMinutesCountAsGood() {
        // 40 up + 15 degraded good, 5 down: 55 / 60 = 0.916667
        UptimeHistory.Builder b = hour();
        Fill.range(b, "relay", "fra", at(0), at(40), UP);
        Fill.range(b, "relay", "fra", at(40), at(55), DEGRADED);
        Fill.range(b, "relay", "fra", at(55), at(60), DOWN);
        Tally t = b.build().component("relay").tally(H, at(60));
        assertEquals(new Tally(40, 15, 5, 0, 0), t);
        assertEquals(55, t.good());
        assertEquals(0.916667, t.uptime().getAsDouble(), 1e-6);
    }

    @Test
    void aRangeWithOnlyNoDataHasNoUptimeRatherThanHundredPercent() {
        Tally t = hour().component("relay").build().component("relay").tally(H, at(60));
        assertEquals(new Tally(0, 0, 0, 60, 0), t);
        assertTrue(t.uptime().isEmpty());
    }

    @Test
    void aRangeWithOnlyMaintenanceHasNoUptime() {
        UptimeHistory.Builder b = hour();
        Fill.range(b, "relay", "fra", at(0), at(60), DOWN);
        b.maintenance(MaintenanceWindow.forAll(H, at(60)));
        Tally t = b.build().component("relay").tally(H, at(60));
        assertEquals(new Tally(0, 0, 0, 0, 60), t);
        assertTrue(t.uptime().isEmpty());
    }

    @Test
    void maintenanceOverlappingAnOutageRemovesTheOverlapFromTheDenominator() {
        // Outage 10:00-10:10 (minutes 0-9 down), up 10:10-11:00; maintenance [10:05, 10:20).
        // down outside maintenance: 0-4 = 5; maintenance: 5-19 = 15; up outside maintenance: 20-59 = 40
        // uptime = 40 / (40 + 5) = 0.888889
        UptimeHistory.Builder b = hour();
        Fill.range(b, "relay", "fra", at(0), at(10), DOWN);
        Fill.range(b, "relay", "fra", at(10), at(60), UP);
        b.maintenance(MaintenanceWindow.forComponent("relay", at(5), at(20)));
        Timeline relay = b.build().component("relay");
        assertEquals(new Tally(40, 0, 5, 0, 15), relay.tally(H, at(60)));
        assertEquals(0.888889, relay.tally(H, at(60)).uptime().getAsDouble(), 1e-6);
        // The verdict under maintenance is still what the probes saw (for the incident log).
        assertEquals(Verdict.DOWN, relay.verdict(at(7)));
        assertTrue(relay.inMaintenance(at(7)));
        assertFalse(relay.inMaintenance(at(20)));
    }

    @Test
    void maintenanceForOneComponentDoesNotExcludeAnother() {
        UptimeHistory.Builder b = hour();
        Fill.range(b, "relay", "fra", at(0), at(60), UP);
        Fill.range(b, "api", "fra", at(0), at(60), UP);
        b.maintenance(MaintenanceWindow.forComponent("api", at(0), at(30)));
        UptimeHistory h = b.build();
        assertEquals(new Tally(60, 0, 0, 0, 0), h.component("relay").tally(H, at(60)));
        assertEquals(new Tally(30, 0, 0, 0, 30), h.component("api").tally(H, at(60)));
    }

    @Test
    void theServiceIsDownWhenAnyComponentIsDownAfterTheMajorityRule() {
        // relay: 3 locations, minutes 0-9 two of three down -> DOWN; minutes 10-19 one of three down -> UP.
        // api: up all hour, degraded 30-39. Service: 10 down, 10 degraded, 40 up -> 50 / 60 = 0.833333
        UptimeHistory.Builder b = hour();
        for (String loc : new String[] {"fra", "iad", "sin"}) {
            Fill.range(b, "relay", loc, at(0), at(60), UP);
        }
        Fill.range(b, "relay", "fra", at(0), at(20), DOWN);
        Fill.range(b, "relay", "iad", at(0), at(10), DOWN);
        Fill.range(b, "api", "fra", at(0), at(60), UP);
        Fill.range(b, "api", "fra", at(30), at(40), DEGRADED);
        UptimeHistory h = b.build();
        assertEquals(new Tally(50, 0, 10, 0, 0), h.component("relay").tally(H, at(60)));
        Tally service = h.service().tally(H, at(60));
        assertEquals(new Tally(40, 10, 10, 0, 0), service);
        assertEquals(0.833333, service.uptime().getAsDouble(), 1e-6);
    }

    @Test
    void theServiceHasNoDataOnlyWhenNoComponentHasData() {
        // relay reports minutes 0-29, api reports 20-39; nobody reports 40-59.
        // service: 0-39 have data (40 up), 40-59 no data (20)
        UptimeHistory.Builder b = hour();
        Fill.range(b, "relay", "fra", at(0), at(30), UP);
        Fill.range(b, "api", "fra", at(20), at(40), UP);
        assertEquals(new Tally(40, 0, 0, 20, 0), b.build().service().tally(H, at(60)));
    }

    @Test
    void aComponentInMaintenanceIsLeftOutOfTheServiceAndTheServiceIsInMaintenanceOnlyWhenAllAre() {
        // relay down 0-29 but in maintenance [0,30); api up all hour, in maintenance [20,40).
        // service: 0-19 only api counts -> up (20); 20-29 both in maintenance -> maintenance (10);
        // 30-39 only relay counts -> up (10); 40-59 both up (20). up 50, maintenance 10.
        UptimeHistory.Builder b = hour();
        Fill.range(b, "relay", "fra", at(0), at(30), DOWN);
        Fill.range(b, "relay", "fra", at(30), at(60), UP);
        Fill.range(b, "api", "fra", at(0), at(60), UP);
        b.maintenance(MaintenanceWindow.forComponent("relay", at(0), at(30)));
        b.maintenance(MaintenanceWindow.forComponent("api", at(20), at(40)));
        assertEquals(new Tally(50, 0, 0, 0, 10), b.build().service().tally(H, at(60)));
    }

    @Test
    void minutesOutsideTheSpanCountAsNoData() {
        UptimeHistory.Builder b = hour();
        Fill.range(b, "relay", "fra", at(0), at(60), UP);
        // [09:30, 10:30): 30 before the span (no data) + 30 up
        assertEquals(new Tally(30, 0, 0, 30, 0), b.build().component("relay").tally(at(-30), at(30)));
    }

    @Test
    void aResultOutsideTheSpanIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> hour().result("relay", "fra", at(60), UP));
    }
}
