package dev.beacon.bridge.openbao;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The OpenBao proxy's metrics (VaultProxy and OpenBaoNodes), named after the events; docs/bridge.md lists them.
 * Registered only when the bridge follows an OpenBao cluster.
 */
final class OpenBaoMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final Timer held;
    private final Counter leaderChanges;
    private final Timer failoverDetection;

    /** {@code bufferedBytes}: the request body bytes the proxy holds now, which it also keeps below its bound. */
    OpenBaoMetrics(MeterRegistry registry, AtomicLong bufferedBytes) {
        this.registry = registry;
        held = Timer.builder("bridge_openbao_held_request_seconds")
                .description("Whole time (arrival to answer) of wrapper requests that waited for a leader or were retried")
                .publishPercentileHistogram().register(registry);
        leaderChanges = Counter.builder("bridge_openbao_leader_changes_total")
                .description("Times the bridge switched to a new active OpenBao node (the first one found counts too)").register(registry);
        failoverDetection = Timer.builder("bridge_openbao_failover_detection_seconds")
                .description("From the last moment the old leader was seen healthy to knowing the new one (detection plus election)")
                .publishPercentileHistogram().register(registry);
        Gauge.builder("bridge_openbao_buffered_bytes", bufferedBytes, AtomicLong::get)
                .description("Request body bytes the OpenBao proxy holds now, all requests together (at most openbao.maxBufferedBytes)")
                .register(registry);
    }

    /** One gauge per node state, read from {@code nodes} at each scrape. */
    void nodesByState(OpenBaoNodes nodes) {
        for (OpenBaoNodes.State s : OpenBaoNodes.State.values()) {
            Gauge.builder("bridge_openbao_nodes", nodes, n -> n.count(s)).tag("state", s.name().toLowerCase(Locale.ROOT))
                    .description("OpenBao nodes by the state the bridge last saw").register(registry);
        }
    }

    /** A wrapper request answered (ok, status_4xx, no_leader, too_large, ...); {@code heldNanos} &lt; 0 if it went straight through. */
    void requestAnswered(String outcome, long heldNanos) {
        requests.computeIfAbsent(outcome, o -> Counter.builder("bridge_openbao_requests_total").tag("outcome", o)
                .description("Wrapper requests to OpenBao by outcome").register(registry)).increment();
        if (heldNanos >= 0) held.record(heldNanos, TimeUnit.NANOSECONDS);
    }

    /** A new active node; {@code detectionNanos} &lt; 0 when there was no previous leader to time from. */
    void leaderChanged(long detectionNanos) {
        leaderChanges.increment();
        if (detectionNanos >= 0) failoverDetection.record(detectionNanos, TimeUnit.NANOSECONDS);
    }
}
