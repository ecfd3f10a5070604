package dev.beacon.status.probe;

import dev.beacon.status.Status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every metric of the probes, in Prometheus terms (each tagged with the probing {@code location}):
 * <ul>
 *   <li>{@code status_probe_success{component}}: 1 when the last confirmed result was UP or DEGRADED, 0 when DOWN.</li>
 *   <li>{@code status_probe_results_total{component,status}}: confirmed results, for success ratios over any window.</li>
 *   <li>{@code status_probe_latency_seconds{component}}: a histogram of the latency each result reports.</li>
 *   <li>{@code status_node_certificate_expiry_seconds{node}}: the node certificate's notAfter as Unix time, read by
 *       every TLS probe (also from an expired one); alert when it is less than 30 days ahead, since renewal is
 *       promised by then.</li>
 * </ul>
 */
final class ProbeMetrics {
    private final MeterRegistry meters;
    private final String location;
    private final Map<String, AtomicLong> success = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> notAfter = new ConcurrentHashMap<>();

    ProbeMetrics(MeterRegistry meters, String location) {
        this.meters = meters;
        this.location = location;
    }

    void result(ProbeResult r) {
        success.computeIfAbsent(r.component(), c -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder("status.probe.success", v, AtomicLong::get)
                    .description("1 when the component's last confirmed probe result was up (or degraded), 0 when down")
                    .tags("location", location, "component", c).register(meters);
            return v;
        }).set(r.status() == Status.DOWN ? 0 : 1);
        Counter.builder("status.probe.results").description("Confirmed probe results, by status")
                .tags("location", location, "component", r.component(), "status", r.status().name().toLowerCase(java.util.Locale.ROOT))
                .register(meters).increment();
        Timer.builder("status.probe.latency").description("Latency of the attempt each probe result is based on")
                .tags("location", location, "component", r.component())
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(meters).record(Duration.ofMillis(r.latencyMillis()));
    }

    void nodeCertificate(String node, Instant expiry) {
        notAfter.computeIfAbsent(node, n -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder("status.node.certificate.expiry", v, AtomicLong::get).baseUnit("seconds")
                    .description("notAfter of the node's relay certificate as seen by the TLS probe, Unix time")
                    .tags("location", location, "node", n).register(meters);
            return v;
        }).set(expiry.getEpochSecond());
    }
}
