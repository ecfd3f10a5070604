package dev.beacon.server;

import java.util.concurrent.ConcurrentHashMap;

/** Open (or pending) streams per wrapper identity, for the max-streams-per-identity limit. */
final class StreamCounts {
    private final int max;
    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();

    StreamCounts(int max) {
        this.max = max;
    }

    /** Takes a slot; false when the identity already has {@code max}. */
    boolean acquire(String identity) {
        boolean[] ok = {false};
        counts.compute(identity, (k, n) -> {
            int cur = n == null ? 0 : n;
            if (cur >= max) return cur;
            ok[0] = true;
            return cur + 1;
        });
        return ok[0];
    }

    void release(String identity) {
        counts.computeIfPresent(identity, (k, n) -> n <= 1 ? null : n - 1);
    }
}
