package dev.beacon.status.uptime;

import dev.beacon.status.Status;

import static dev.beacon.status.uptime.Verdict.DEGRADED;
import static dev.beacon.status.uptime.Verdict.DOWN;
import static dev.beacon.status.uptime.Verdict.NO_DATA;
import static dev.beacon.status.uptime.Verdict.UP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.status.uptime.IncidentEvent.Type;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Minute verdicts in, incident events out; minute i is 10:00 + i min. */
class IncidentDetectorTest {
    private static final Instant H = Instant.parse("2024-05-01T10:00:00Z");

    private static Instant at(int minute) {
        return H.plusSeconds(60L * minute);
    }

    /** Feeds verdicts for minutes 0, 1, 2, ... and returns every event. */
    private static List<IncidentEvent> feed(IncidentDetector d, Verdict... verdicts) {
        List<IncidentEvent> events = new ArrayList<>();
        for (int i = 0; i < verdicts.length; i++) {
            d.accept(at(i), verdicts[i]).ifPresent(events::add);
        }
        return events;
    }

    private static IncidentEvent opened(int at, int decidedAt) {
        return new IncidentEvent(Type.OPENED, "relay", at(at), at(decidedAt));
    }

    private static IncidentEvent resolved(int at, int decidedAt) {
        return new IncidentEvent(Type.RESOLVED, "relay", at(at), at(decidedAt));
    }

    @Test
    void twoConsecutiveDownMinutesOpenAnIncidentDatedFromTheFirst() {
        IncidentDetector d = new IncidentDetector("relay");
        assertEquals(List.of(opened(1, 2)), feed(d, UP, DOWN, DOWN));
        assertTrue(d.isOpen());
    }

    @Test
    void aSingleDownMinuteBetweenGoodOnesOpensNothing() {
        IncidentDetector d = new IncidentDetector("relay");
        assertEquals(List.of(), feed(d, DOWN, UP, DOWN, DEGRADED, DOWN, UP));
        assertFalse(d.isOpen());
    }

    @Test
    void twoConsecutiveGoodMinutesResolveItDegradedCountingAsGood() {
        // down 0-2 (opened at 0, decided at 1), up 3, down 4 (breaks the good run), up 5, degraded 6 -> resolved at 5
        IncidentDetector d = new IncidentDetector("relay");
        assertEquals(List.of(opened(0, 1), resolved(5, 6)), feed(d, DOWN, DOWN, DOWN, UP, DOWN, UP, DEGRADED));
        assertFalse(d.isOpen());
    }

    @Test
    void noDataBetweenDownMinutesNeitherExtendsNorBreaksTheRun() {
        // down, no data, no data, down: two down minutes in a row as far as evidence goes -> opened at 0, decided at 3
        IncidentDetector d = new IncidentDetector("relay");
        assertEquals(List.of(opened(0, 3)), feed(d, DOWN, NO_DATA, NO_DATA, DOWN));
    }

    @Test
    void noDataAloneNeverOpensOrResolves() {
        IncidentDetector d = new IncidentDetector("relay");
        assertEquals(List.of(), feed(d, DOWN, NO_DATA, NO_DATA, NO_DATA));
        IncidentDetector open = new IncidentDetector("relay", 2, 2, true);
        assertEquals(List.of(), feed(open, UP, NO_DATA, NO_DATA, NO_DATA));
        assertTrue(open.isOpen());
    }

    @Test
    void noDataBetweenGoodMinutesDoesNotBreakTheResolvingRunButADownMinuteDoes() {
        // 0-1 down -> opened (0, 1); 2 up, 3 no data, 4 down (run broken); 5 up, 6 no data, 7 up -> resolved (5, 7)
        IncidentDetector d = new IncidentDetector("relay");
        assertEquals(List.of(opened(0, 1), resolved(5, 7)),
                feed(d, DOWN, DOWN, UP, NO_DATA, DOWN, UP, NO_DATA, UP));
    }

    @Test
    void minutesNeverFedCountLikeNoData() {
        IncidentDetector d = new IncidentDetector("relay");
        assertTrue(d.accept(at(0), DOWN).isEmpty());
        // nothing fed for 10:01-10:09
        assertEquals(opened(0, 10), d.accept(at(10), DOWN).orElseThrow());
    }

    @Test
    void thresholdsAreConfigurable() {
        // open after 3 down (minutes 0, 1, 2 -> opened at 0, decided at 2; minute 3 keeps it open),
        // resolve after 1 good (minute 4)
        IncidentDetector d = new IncidentDetector("relay", 3, 1, false);
        assertEquals(List.of(opened(0, 2), resolved(4, 4)), feed(d, DOWN, DOWN, DOWN, DOWN, UP));
    }

    @Test
    void aSecondOutageOpensASecondIncident() {
        IncidentDetector d = new IncidentDetector("relay");
        assertEquals(List.of(opened(0, 1), resolved(2, 3), opened(4, 5)),
                feed(d, DOWN, DOWN, UP, UP, DOWN, DOWN));
    }

    @Test
    void minutesOutOfOrderAreRefused() {
        IncidentDetector d = new IncidentDetector("relay");
        d.accept(at(5), UP);
        assertThrows(IllegalArgumentException.class, () -> d.accept(at(5), DOWN));
        assertThrows(IllegalArgumentException.class, () -> d.accept(at(4), DOWN));
    }

    @Test
    void feedingATimelinesVerdictsFindsTheOutageTheMajoritySaw() {
        // 2 locations; minutes 0-2 both down (DOWN), 3-4 split (tie -> UP), 5-9 both up.
        UptimeHistory.Builder b = UptimeHistory.builder(H, at(10));
        Fill.range(b, "relay", "fra", at(0), at(10), Status.UP);
        Fill.range(b, "relay", "iad", at(0), at(10), Status.UP);
        Fill.range(b, "relay", "fra", at(0), at(5), Status.DOWN);
        Fill.range(b, "relay", "iad", at(0), at(3), Status.DOWN);
        Timeline relay = b.build().component("relay");
        IncidentDetector d = new IncidentDetector("relay");
        List<IncidentEvent> events = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            d.accept(at(i), relay.verdict(at(i))).ifPresent(events::add);
        }
        // opened at 0 (decided at 1); the tie minutes 3 and 4 are good -> resolved at 3 (decided at 4)
        assertEquals(List.of(opened(0, 1), resolved(3, 4)), events);
    }
}
