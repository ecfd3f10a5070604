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
 *   <li>from {@code limit} on, only a source with no handshake under way may start one.</li>
 * </ul>
 * A source with nothing under way is never refused: otherwise {@code limit} silent connections from as many
 * addresses would shut the relay port for everyone for a handshake timeout. So the queue of handshake work a few
 * sources can make the node hold stays bounded, and with it the wait of a well-behaved client's handshake.
 * Thread-safe: called from the accept thread and, behind a PROXY header, from the relay loops.
 */
final class HandshakeAdmission {

    enum Verdict {
        ADMIT,
        /** from half the limit: this source holds at least an even share; reason "handshakes_source_share" */
        SOURCE_OVER_SHARE,
        /** the limit is reached and this source already has a handshake under way; reason "handshakes_in_progress" */
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
        int[] held = bySource.get(source);
        if (held != null) {
            if (total >= limit) return Verdict.AT_LIMIT;
            // held * sources >= total: at least the average of the sources holding handshakes now
            if (total >= pressure && (long) held[0] * bySource.size() >= total) return Verdict.SOURCE_OVER_SHARE;
        } else {
            bySource.put(source, held = new int[1]);
        }
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
