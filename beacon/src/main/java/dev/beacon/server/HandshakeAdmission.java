package dev.beacon.server;

import java.util.HashMap;
import java.util.Map;

/**
 * Which new connections may start a TLS handshake (docs/decisions/0009). A handshake costs the node the same CPU
 * whoever sends it, and the identity is known only once it is through, so the excess of a flood has to be turned
 * away before TLS, by source. Handshakes under way are counted per source:
 * <ul>
 *   <li>below half of {@code limit} every connection starts (a bridge's burst of data connections included);</li>
 *   <li>from half of it, a source that holds at least an even share of the handshakes under way (their number divided
 *       by the sources holding them) is refused: the heaviest sources are shed, a source with one or two is not;</li>
 *   <li>at {@code limit} every new connection is refused (many sources, each with few).</li>
 * </ul>
 * So the queue of handshake work a node holds, and with it the wait of the one a well-behaved client sends, stays
 * bounded however much is offered. Thread-safe: connections are accepted on every event loop.
 */
final class HandshakeAdmission {

    enum Verdict {
        ADMIT,
        /** the node is under pressure and this source holds at least its even share: reason "handshakes_source_share" */
        SOURCE_OVER_SHARE,
        /** {@code limits.maxHandshakesInProgress} reached: reason "handshakes_in_progress" */
        AT_LIMIT
    }

    private final int limit;
    private final int pressure;
    private final Map<String, int[]> bySource = new HashMap<>();
    private int total;

    HandshakeAdmission(int limit) {
        this.limit = limit;
        this.pressure = Math.max(1, limit / 2);
    }

    /** A new connection from {@code source}: ADMIT takes a slot, which {@link #release} gives back exactly once. */
    synchronized Verdict admit(String source) {
        if (total >= limit) return Verdict.AT_LIMIT;
        int[] held = bySource.get(source);
        int mine = held == null ? 0 : held[0];
        // mine * sources >= total: at least the average of the sources holding handshakes now
        if (total >= pressure && mine > 0 && (long) mine * bySource.size() >= total) return Verdict.SOURCE_OVER_SHARE;
        if (held == null) bySource.put(source, held = new int[1]);
        held[0]++;
        total++;
        return Verdict.ADMIT;
    }

    /** The handshake of an admitted connection finished, failed, or its connection closed. */
    synchronized void release(String source) {
        int[] held = bySource.get(source);
        if (held == null) return;
        total--;
        if (--held[0] == 0) bySource.remove(source);
    }

    synchronized int inProgress() {
        return total;
    }
}
