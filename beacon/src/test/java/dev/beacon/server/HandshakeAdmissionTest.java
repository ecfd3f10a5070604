package dev.beacon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beacon.server.HandshakeAdmission.Verdict;
import org.junit.jupiter.api.Test;

class HandshakeAdmissionTest {

    @Test
    void belowHalfTheLimitOneSourceMayHoldEveryHandshakeItStarts() {
        HandshakeAdmission h = new HandshakeAdmission(16);
        for (int i = 0; i < 8; i++) assertEquals(Verdict.ADMIT, h.admit("bridge"), "a bridge's burst of data connections, #" + i);
        assertEquals(8, h.inProgress());
    }

    @Test
    void underPressureTheHeaviestSourceIsShedAndALightOneIsNot() {
        HandshakeAdmission h = new HandshakeAdmission(16);
        for (int i = 0; i < 8; i++) h.admit("flood");
        assertEquals(Verdict.SOURCE_OVER_SHARE, h.admit("flood"), "8 of 8 under way, at half the limit");
        assertEquals(Verdict.ADMIT, h.admit("modest"), "a source holding none starts at once");
        assertEquals(Verdict.ADMIT, h.admit("modest"), "1 of 9 is below an even share (4.5)");
        assertEquals(Verdict.SOURCE_OVER_SHARE, h.admit("flood"));
        h.release("flood");
        h.release("flood");
        h.release("flood");
        h.release("flood");
        assertEquals(Verdict.ADMIT, h.admit("flood"), "4 of 6: below half the limit again, no shedding");
    }

    @Test
    void fromTheLimitOnOnlyASourceWithNothingUnderWayMayStartOne() {
        HandshakeAdmission h = new HandshakeAdmission(4);
        for (int i = 0; i < 4; i++) assertEquals(Verdict.ADMIT, h.admit("s" + i), "one each: never over a share");
        assertEquals(Verdict.AT_LIMIT, h.admit("s0"), "s0 has one under way");
        assertEquals(Verdict.ADMIT, h.admit("newcomer"));
        h.release("s0");
        assertEquals(Verdict.ADMIT, h.admit("s0"), "nothing under way again");
    }

    @Test
    void silentConnectionsFromManySourcesDoNotShutOutANewOne() {
        HandshakeAdmission h = new HandshakeAdmission(8);
        for (int i = 0; i < 1000; i++) assertEquals(Verdict.ADMIT, h.admit("10.0." + i / 250 + "." + i % 250));
        assertEquals(Verdict.ADMIT, h.admit("well-behaved"), "a handshake timeout's worth of silence must not close the port");
        assertEquals(Verdict.AT_LIMIT, h.admit("well-behaved"), "but one at a time");
    }

    @Test
    void twoEqualFloodsAreHeldAtHalfTheLimitBetweenThem() {
        HandshakeAdmission h = new HandshakeAdmission(32);
        int admitted = 0;
        for (int i = 0; i < 100; i++) {
            if (h.admit("a") == Verdict.ADMIT) admitted++;
            if (h.admit("b") == Verdict.ADMIT) admitted++;
        }
        assertEquals(16, admitted);
        assertEquals(16, h.inProgress());
    }

    @Test
    void aReleaseForASourceWithoutSlotsChangesNothing() {
        HandshakeAdmission h = new HandshakeAdmission(4);
        h.release("nobody");
        assertEquals(0, h.inProgress());
    }
}
