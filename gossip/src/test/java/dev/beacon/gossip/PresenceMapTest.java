package dev.beacon.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.gossip.PresenceCodec.NodeState;
import dev.beacon.gossip.PresenceMap.Applied;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PresenceMapTest {

    final AtomicLong clock = new AtomicLong(1_000);
    final PresenceMap map = new PresenceMap("n1", clock::get);

    static Presence on(String node, String bridge, int version) {
        return new Presence("beacon.test", "acme", bridge, node, 1, version, 0);
    }

    static NodeState state(String node, long seq, boolean leaving, Presence... entries) {
        return new NodeState(2, node, seq, List.of(entries), leaving);
    }

    @Test
    void localChangesBumpTheSeqOnlyWhenSomethingChanged() {
        long s0 = map.localState(false).seq();
        assertTrue(s0 >= 1_000_000, "seq starts at the clock in microseconds: " + s0);
        assertTrue(map.publish(on("n1", "b", 1)));
        long s1 = map.localState(false).seq();
        assertTrue(s1 > s0);
        assertFalse(map.publish(on("n1", "b", 1)), "same entry again");
        assertEquals(s1, map.localState(false).seq());
        assertTrue(map.publish(on("n1", "b", 2)), "same bridge, new version: replaces");
        assertEquals(List.of(on("n1", "b", 2)), map.localState(false).entries());
        assertFalse(map.withdraw("beacon.test", "acme", "other"));
        assertTrue(map.withdraw("beacon.test", "acme", "b"));
        assertFalse(map.withdrawAll());
        assertThrows(IllegalArgumentException.class, () -> map.publish(on("n2", "b", 1)));
    }

    @Test
    void aRestartedNodesSeqSupersedesItsPreviousRun() {
        PresenceMap before = new PresenceMap("n2", clock::get);
        for (int i = 0; i < 500; i++) before.publish(on("n2", "b", i)); // many changes within one millisecond
        clock.addAndGet(5);
        PresenceMap after = new PresenceMap("n2", clock::get);
        assertTrue(after.localState(false).seq() > before.localState(false).seq());
    }

    @Test
    void onlyNewerSetsApply() {
        Applied first = map.apply(state("n2", 10, false, on("n2", "a", 1)));
        assertTrue(first.changed() && first.first());
        assertEquals(List.of(on("n2", "a", 1)), first.newEntries());
        assertSame(Applied.STALE, map.apply(state("n2", 10, false, on("n2", "x", 1))), "same seq");
        assertSame(Applied.STALE, map.apply(state("n2", 9, false)), "older seq");

        Applied second = map.apply(state("n2", 11, false, on("n2", "a", 1), on("n2", "b", 1)));
        assertTrue(second.changed());
        assertFalse(second.first());
        assertEquals(List.of(on("n2", "b", 1)), second.newEntries(), "only what is new counts for convergence");

        Applied repeat = map.apply(state("n2", 12, false, on("n2", "a", 1), on("n2", "b", 1)));
        assertFalse(repeat.changed(), "anti-entropy resend of the same set");
        assertTrue(repeat.newEntries().isEmpty());
        assertSame(Applied.STALE, map.apply(state("n1", 99, false, on("n1", "z", 1))), "our own id is never applied from outside");
    }

    @Test
    void viewCountsOnlyTheGivenNodes() {
        map.publish(on("n1", "l", 1));
        map.apply(state("n2", 1, false, on("n2", "a", 1)));
        map.apply(state("n3", 1, false, on("n3", "b", 1)));
        assertEquals(Set.of(on("n1", "l", 1), on("n2", "a", 1), on("n3", "b", 1)), Set.copyOf(map.view(Set.of("n2", "n3"))));
        assertEquals(Set.of(on("n1", "l", 1), on("n3", "b", 1)), Set.copyOf(map.view(Set.of("n3"))));
        assertTrue(map.drop("n3"));
        assertFalse(map.drop("n3"));
        assertEquals(Set.of(on("n1", "l", 1)), Set.copyOf(map.view(Set.of("n3"))));
    }

    @Test
    void leavingEmptiesANodeUntilItComesBack() {
        map.apply(state("n2", 1, false, on("n2", "a", 1)));
        Applied left = map.apply(state("n2", 2, true, on("n2", "ignored", 1)));
        assertTrue(left.changed());
        assertTrue(map.hasLeft("n2"));
        assertTrue(map.view(Set.of("n2")).isEmpty());
        assertSame(Applied.STALE, map.apply(state("n2", 1, false, on("n2", "a", 1))), "a late message from before the leave");
        assertTrue(map.hasLeft("n2"));
        map.apply(state("n2", 3, false, on("n2", "a", 2)));
        assertFalse(map.hasLeft("n2"));
        assertEquals(List.of(on("n2", "a", 2)), map.view(Set.of("n2")));
    }

    @Test
    void setsOfNodesThatAreNoMembersExpire() {
        map.apply(state("n2", 1, false, on("n2", "a", 1)));
        map.apply(state("ghost", 1, false, on("ghost", "a", 1)));
        clock.addAndGet(10_000);
        map.dropStale(Set.of("n2"), clock.get() - 5_000);
        assertEquals(Set.of("n2"), map.remoteNodes());
    }
}
