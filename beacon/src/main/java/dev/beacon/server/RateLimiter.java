package dev.beacon.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Token buckets per key (source IP, identity): {@code rate} per second, bursts up to twice that. Bounded memory. */
final class RateLimiter {
    private static final int MAX_KEYS = 100_000;

    private final double ratePerNano;
    private final double burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();

    RateLimiter(int perSecond) {
        this.ratePerNano = perSecond / 1e9;
        this.burst = perSecond * 2.0;
    }

    boolean tryAcquire(String key) {
        long now = System.nanoTime();
        if ((calls.incrementAndGet() & 4095) == 0 || buckets.size() > MAX_KEYS) sweep(now);
        Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(burst, now));
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (now - b.last) * ratePerNano);
            b.last = now;
            if (b.tokens < 1) return false;
            b.tokens -= 1;
            return true;
        }
    }

    /** Drops buckets that have refilled completely: they would behave exactly like a new one. */
    private void sweep(long now) {
        buckets.entrySet().removeIf(e -> {
            Bucket b = e.getValue();
            synchronized (b) {
                return b.tokens + (now - b.last) * ratePerNano >= burst;
            }
        });
    }

    private static final class Bucket {
        double tokens;
        long last;

        Bucket(double tokens, long last) {
            this.tokens = tokens;
            this.last = last;
        }
    }
}
