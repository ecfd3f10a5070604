package dev.beacon.status.uptime;

import dev.beacon.status.Status;

import static dev.beacon.status.Status.DEGRADED;
import static dev.beacon.status.Status.DOWN;
import static dev.beacon.status.Status.UP;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The majority rule, fed through the history builder the way the store will feed it. */
class VerdictTest {
    private static final Instant T = Instant.parse("2024-05-01T10:00:00Z");

    /** The verdict of one minute reported by the given locations (fra, iad, sin, in that order). */
    private static Verdict minute(Status... perLocation) {
        UptimeHistory.Builder b = UptimeHistory.builder(T, T.plusSeconds(60)).component("relay");
        String[] locations = {"fra", "iad", "sin"};
        for (int i = 0; i < perLocation.length; i++) {
            b.result("relay", locations[i], T, perLocation[i]);
        }
        return b.build().component("relay").verdict(T);
    }

    @Test
    void twoLocationsSplitUpAndDownIsNotDownBecauseATieIsNoMajority() {
        // down 1 of 2: 2·1 > 2 is false -> not down; degraded-or-down 1 of 2: also a tie -> UP
        assertEquals(Verdict.UP, minute(UP, DOWN));
        assertEquals(Verdict.UP, minute(DOWN, UP));
    }

    @Test
    void twoLocationsSplitDownAndDegradedIsDegradedNotDown() {
        // down 1 of 2: tie -> not down; degraded-or-down 2 of 2 -> majority -> DEGRADED
        assertEquals(Verdict.DEGRADED, minute(DOWN, DEGRADED));
    }

    @Test
    void threeLocationsTwoDownOneUpIsDown() {
        // down 2 of 3: 2·2 = 4 > 3
        assertEquals(Verdict.DOWN, minute(DOWN, DOWN, UP));
        assertEquals(Verdict.DOWN, minute(UP, DOWN, DOWN));
    }

    @Test
    void threeLocationsOneDownTwoUpIsUp() {
        // down 1 of 3: 2 > 3 false; degraded-or-down 1 of 3: false -> UP
        assertEquals(Verdict.UP, minute(DOWN, UP, UP));
        assertEquals(Verdict.UP, minute(UP, UP, DOWN));
    }

    @Test
    void threeLocationsOneDownOneDegradedOneUpIsDegraded() {
        // down 1 of 3: not a majority; degraded-or-down 2 of 3: 4 > 3 -> DEGRADED
        assertEquals(Verdict.DEGRADED, minute(DOWN, DEGRADED, UP));
    }

    @Test
    void threeLocationsTwoDegradedOneUpIsDegradedAndOneDegradedIsUp() {
        assertEquals(Verdict.DEGRADED, minute(DEGRADED, DEGRADED, UP)); // 2 of 3 degraded-or-down
        assertEquals(Verdict.UP, minute(DEGRADED, UP, UP)); // 1 of 3
    }

    @Test
    void oneLocationOnlyDecidesAlone() {
        // 1 of 1 is a strict majority: 2·1 > 1
        assertEquals(Verdict.DOWN, minute(DOWN));
        assertEquals(Verdict.DEGRADED, minute(DEGRADED));
        assertEquals(Verdict.UP, minute(UP));
    }

    @Test
    void aMinuteNoLocationReportedIsNoDataNotUp() {
        assertEquals(Verdict.NO_DATA, minute());
        assertEquals(Verdict.NO_DATA, Verdict.ofMajority(0, 0, 0));
    }

    @Test
    void locationsThatDidNotReportDoNotCountAgainstTheMajority() {
        // Three locations exist, but this minute only fra reported (down): 1 of 1 reporting -> DOWN.
        UptimeHistory h = UptimeHistory.builder(T, T.plusSeconds(120))
                .result("relay", "fra", T, DOWN)
                .result("relay", "iad", T.plusSeconds(60), UP)
                .result("relay", "sin", T.plusSeconds(60), UP)
                .build();
        assertEquals(Verdict.DOWN, h.component("relay").verdict(T));
    }

    @Test
    void aLocationsLaterResultForTheSameMinuteReplacesItsEarlierOne() {
        // fra says DOWN at 10:00:05 and UP at 10:00:40: one say per location per minute, the last one -> 1 of 1 up.
        UptimeHistory h = UptimeHistory.builder(T, T.plusSeconds(60))
                .result("relay", "fra", T.plusSeconds(5), DOWN)
                .result("relay", "fra", T.plusSeconds(40), UP)
                .build();
        assertEquals(Verdict.UP, h.component("relay").verdict(T));
    }
}
