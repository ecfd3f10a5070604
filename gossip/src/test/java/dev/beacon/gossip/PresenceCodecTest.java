package dev.beacon.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.gossip.PresenceCodec.NodeState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PresenceCodecTest {

    static final Presence P1 = new Presence("beacon.test", "acme", "acme-bridge", "n1", 1_732_179_000_000L, 3, 1_732_180_000_000L);
    static final Presence P2 = new Presence("beacon.test", "globex", "gx-1", "n1", 5, 2, 6);

    @Test
    void v2RoundTripsEverything() {
        NodeState s = new NodeState(2, "n1", 1_732_180_000_000_001L, List.of(P1, P2), false);
        byte[] wire = PresenceCodec.encode(s, 2);
        assertEquals(s, PresenceCodec.decode(wire));
        String json = new String(wire, StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"v\":2,\"node\":\"n1\",\"seq\":1732180000000001"), json);
        assertTrue(json.contains("\"td\":\"beacon.test\",\"tenant\":\"acme\",\"bridge\":\"acme-bridge\",\"since\":1732179000000,\"bv\":3,\"at\":1732180000000"), json);

        NodeState leaving = new NodeState(2, "n1", 9, List.of(), true);
        assertEquals(leaving, PresenceCodec.decode(PresenceCodec.encode(leaving, 2)));
    }

    @Test
    void v1HasNoPublishTimeAndNoLeaveFlag() {
        NodeState s = new NodeState(2, "n1", 7, List.of(P1), true);
        byte[] wire = PresenceCodec.encode(s, 1);
        String json = new String(wire, StandardCharsets.UTF_8);
        assertFalse(json.contains("\"at\""), json);
        assertFalse(json.contains("leaving"), json);
        NodeState read = PresenceCodec.decode(wire);
        assertEquals(1, read.version());
        assertFalse(read.leaving());
        assertEquals(List.of(new Presence("beacon.test", "acme", "acme-bridge", "n1", 1_732_179_000_000L, 3, 0)), read.entries());
    }

    @Test
    void unknownFieldsAndNewerVersionsAreRead() {
        String v3 = "{\"v\":3,\"node\":\"n9\",\"seq\":12,\"zone\":\"eu-1\",\"digest\":{\"a\":[1,2]},"
                + "\"entries\":[{\"td\":\"t.test\",\"tenant\":\"a\",\"bridge\":\"b\",\"since\":1,\"bv\":2,\"at\":3,\"weight\":0.5,\"tags\":[\"x\"]}]}";
        NodeState s = PresenceCodec.decode(v3.getBytes(StandardCharsets.UTF_8));
        assertEquals(3, s.version());
        assertEquals(List.of(new Presence("t.test", "a", "b", "n9", 1, 2, 3)), s.entries());
        // a v1 reader's view of a v2 message is the same code: "at" and "leaving" are just read when present
        String v1 = "{\"v\":1,\"node\":\"n9\",\"seq\":12,\"entries\":[]}";
        assertEquals(new NodeState(1, "n9", 12, List.of(), false), PresenceCodec.decode(v1.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "not json", "[]", "null", "42", "\"text\"", "{}",
            "{\"v\":2,\"seq\":1,\"entries\":[]}",                              // no node
            "{\"v\":2,\"node\":\"\",\"seq\":1,\"entries\":[]}",                // empty node
            "{\"v\":2,\"node\":7,\"seq\":1,\"entries\":[]}",                   // node not a string
            "{\"v\":0,\"node\":\"n\",\"seq\":1,\"entries\":[]}",               // no such version
            "{\"v\":\"2\",\"node\":\"n\",\"seq\":1,\"entries\":[]}",           // version as text
            "{\"v\":2,\"node\":\"n\",\"seq\":\"1\",\"entries\":[]}",           // seq as text
            "{\"v\":2,\"node\":\"n\",\"seq\":-1,\"entries\":[]}",
            "{\"v\":2,\"node\":\"n\",\"seq\":1.5,\"entries\":[]}",
            "{\"v\":2,\"node\":\"n\",\"seq\":99999999999999999999999,\"entries\":[]}",
            "{\"v\":2,\"node\":\"n\",\"seq\":1}",                              // no entries
            "{\"v\":2,\"node\":\"n\",\"seq\":1,\"entries\":{}}",
            "{\"v\":2,\"node\":\"n\",\"seq\":1,\"entries\":[1]}",
            "{\"v\":2,\"node\":\"n\",\"seq\":1,\"entries\":[{\"tenant\":\"a\",\"bridge\":\"b\",\"since\":1,\"bv\":1}]}",
            "{\"v\":2,\"node\":\"n\",\"seq\":1,\"entries\":[{\"td\":\"t\",\"tenant\":\"a\",\"bridge\":\"b\",\"since\":1,\"bv\":4294967296}]}",
            "{\"v\":2,\"node\":\"n\",\"seq\":1,\"entries\":[{\"td\":\"t\",\"tenant\":\"a\",\"bridge\":\"b\",\"since\":1,\"bv\":1,\"at\":\"x\"}]}",
            "{\"v\":2,\"node\":\"n\",\"seq\":1,\"entries\":[]} trailing",
            "{\"v\":2,\"node\":\"n\",\"node\":\"m\",\"seq\":1,\"entries\":[]}", // duplicate key
            "{\"v\":2,\"node\":\"n\",\"seq\":1,\"entries\":[",
    })
    void garbageIsRefusedWithAnException(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PresenceCodec.decode(text.getBytes(StandardCharsets.UTF_8)));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void randomBytesAndTruncationsNeverCrash() {
        Random r = new Random(42);
        for (int i = 0; i < 5000; i++) {
            byte[] b = new byte[r.nextInt(200)];
            r.nextBytes(b);
            assertRefusedOrRead(b);
        }
        byte[] good = PresenceCodec.encode(new NodeState(2, "n1", 5, List.of(P1, P2), false), 2);
        for (int len = 0; len < good.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(good, len);
            assertThrows(IllegalArgumentException.class, () -> PresenceCodec.decode(cut));
        }
        for (int i = 0; i < 2000; i++) {
            byte[] flipped = good.clone();
            flipped[r.nextInt(flipped.length)] = (byte) r.nextInt(256);
            assertRefusedOrRead(flipped);
        }
    }

    @Test
    void tooLargeIsRefusedBeforeParsing() {
        assertThrows(IllegalArgumentException.class, () -> PresenceCodec.decode(new byte[PresenceCodec.MAX_MESSAGE_BYTES + 1]));
    }

    private static void assertRefusedOrRead(byte[] b) {
        try {
            PresenceCodec.decode(b);
        } catch (IllegalArgumentException expected) {
            // refused: fine
        }
    }
}
