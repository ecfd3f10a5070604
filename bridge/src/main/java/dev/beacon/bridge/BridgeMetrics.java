package dev.beacon.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.Collection;
import java.util.function.IntSupplier;

/**
 * The bridge's own metrics (its links to the beacon and the streams they carry), named after the events; the OpenBao
 * proxy's are in OpenBaoMetrics, what every process reports in runtime's Metrics. docs/bridge.md lists them all.
 */
final class BridgeMetrics {
    private static final String STREAMS = "Wrapper streams the beacon handed to the bridge, by result: spliced to the upstream,"
            + " upstream_unreachable, or refused (inner TLS handshake or allow-list)";

    final Counter streamsSpliced;
    final Counter streamsUpstreamUnreachable;
    final Counter streamsRefused;
    private final MultiGauge beaconConnections;

    BridgeMetrics(MeterRegistry registry, IntSupplier idleDataConnections) {
        streamsSpliced = Counter.builder("bridge_streams_total").tag("result", "spliced").description(STREAMS).register(registry);
        streamsUpstreamUnreachable = Counter.builder("bridge_streams_total").tag("result", "upstream_unreachable")
                .description(STREAMS).register(registry);
        streamsRefused = Counter.builder("bridge_streams_total").tag("result", "refused").description(STREAMS).register(registry);
        beaconConnections = MultiGauge.builder("bridge_beacon_connections")
                .description("Registered control connections, by beacon node (1 while held)").register(registry);
        Gauge.builder("bridge_idle_data_connections", idleDataConnections::getAsInt)
                .description("Warm data connections waiting for a wrapper stream, all nodes").register(registry);
    }

    /** The beacon nodes a link holds now: one series each, and a released node's series goes. */
    void nodesHeld(Collection<String> nodes) {
        beaconConnections.register(nodes.stream().map(n -> MultiGauge.Row.of(Tags.of("node", n), 1)).toList(), true);
    }
}
