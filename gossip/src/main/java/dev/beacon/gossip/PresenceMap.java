package dev.beacon.gossip;

import dev.beacon.gossip.PresenceCodec.NodeState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The anti-entropy presence map: this node's own entries (the only ones it writes) and the latest complete set
 * received from every other node. Not thread-safe: {@link Cluster} confines it to its gossip thread.
 */
final class PresenceMap {

    /** What applying a remote set did. */
    record Applied(boolean changed, boolean first, List<Presence> newEntries) {
        static final Applied STALE = new Applied(false, false, List.of());
    }

    private record Remote(long seq, List<Presence> entries, boolean leaving, long receivedAtMillis) {
    }

    private record Key(String trustDomain, String tenant, String bridgeId) {
        static Key of(Presence p) {
            return new Key(p.trustDomain(), p.tenant(), p.bridgeId());
        }
    }

    private final String localId;
    private final LongSupplier clock;
    private final Map<Key, Presence> local = new LinkedHashMap<>();
    private final Map<String, Remote> remote = new HashMap<>();
    private long seq;

    PresenceMap(String localId, LongSupplier clock) {
        this.localId = localId;
        this.clock = clock;
        this.seq = nextSeq(0);
    }

    /** Replaces this node's entry for the same bridge; returns false when nothing changed. */
    boolean publish(Presence p) {
        if (!p.node().equals(localId)) throw new IllegalArgumentException("presence for node " + p.node() + " published on " + localId);
        Presence old = local.put(Key.of(p), p);
        if (p.equals(old)) return false;
        seq = nextSeq(seq);
        return true;
    }

    boolean withdraw(String trustDomain, String tenant, String bridgeId) {
        if (local.remove(new Key(trustDomain, tenant, bridgeId)) == null) return false;
        seq = nextSeq(seq);
        return true;
    }

    boolean withdrawAll() {
        if (local.isEmpty()) return false;
        local.clear();
        seq = nextSeq(seq);
        return true;
    }

    /** This node's complete set, to send. {@code leaving} bumps the seq so it supersedes everything sent before. */
    NodeState localState(boolean leaving) {
        if (leaving) seq = nextSeq(seq);
        return new NodeState(Presence.CURRENT_VERSION, localId, seq, new ArrayList<>(local.values()), leaving);
    }

    /** Applies a remote node's set if it is newer than the one held. */
    Applied apply(NodeState s) {
        if (s.node().equals(localId)) return Applied.STALE; // our own set echoed back, or a node with our id
        Remote old = remote.get(s.node());
        if (old != null && s.seq() <= old.seq()) return Applied.STALE;
        List<Presence> entries = s.leaving() ? List.of() : s.entries();
        remote.put(s.node(), new Remote(s.seq(), entries, s.leaving(), clock.getAsLong()));
        List<Presence> fresh = new ArrayList<>();
        Set<Presence> before = old == null ? Set.of() : Set.copyOf(old.entries());
        for (Presence p : entries) {
            if (!before.contains(p)) fresh.add(p);
        }
        boolean changed = old == null || !old.entries().equals(entries) || old.leaving() != s.leaving();
        return new Applied(changed, old == null, fresh);
    }

    /** Whether the node's latest set says it left. */
    boolean hasLeft(String node) {
        Remote r = remote.get(node);
        return r != null && r.leaving();
    }

    /** Forgets a node's set (it left or was removed); returns whether anything was held. */
    boolean drop(String node) {
        return remote.remove(node) != null;
    }

    /** Forgets sets of nodes not in {@code members} received before {@code olderThanMillis}. */
    void dropStale(Set<String> members, long olderThanMillis) {
        remote.entrySet().removeIf(e -> !members.contains(e.getKey()) && e.getValue().receivedAtMillis() < olderThanMillis);
    }

    /** Every entry that counts: this node's and those of {@code counted} nodes. */
    List<Presence> view(Set<String> counted) {
        List<Presence> out = new ArrayList<>(local.values());
        for (Map.Entry<String, Remote> e : remote.entrySet()) {
            if (counted.contains(e.getKey())) out.addAll(e.getValue().entries());
        }
        return out;
    }

    Set<String> remoteNodes() {
        return Set.copyOf(remote.keySet());
    }

    /** Microseconds since the epoch at least, so a restarted node's sets supersede those of its previous run. */
    private long nextSeq(long previous) {
        return Math.max(previous + 1, clock.getAsLong() * 1000);
    }
}
