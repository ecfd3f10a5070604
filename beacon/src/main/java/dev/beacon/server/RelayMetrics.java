package dev.beacon.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The relay's metrics, named after the events (a dashboard should read like a sentence). */
final class RelayMetrics {
    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();
    private final Map<String, Counter> handshakeFailures = new ConcurrentHashMap<>();
    private final Map<String, Counter> errorsSent = new ConcurrentHashMap<>();
    private final Map<String, Counter> streamsFailed = new ConcurrentHashMap<>();
    private final Map<String, Counter> registrationsRefused = new ConcurrentHashMap<>();
    private final Map<String, Counter> proxyHeaders = new ConcurrentHashMap<>();
    final Counter streamsOpened;
    final Counter streamsClosed;
    final Counter wrapperToBridgeBytes;
    final Counter bridgeToWrapperBytes;
    final Timer streamSetup;
    final Counter forwardedBytes;
    private final Map<String, Counter> forwarded = new ConcurrentHashMap<>();
    final AtomicInteger activeStreams = new AtomicInteger();
    final Counter refusalsNotLogged;
    final Counter unansweredStreams;
    private final Map<String, Counter> handshakes = new ConcurrentHashMap<>();
    private final Map<String, Counter> linksUsed = new ConcurrentHashMap<>();
    private final Counter staleLinks;

    RelayMetrics(MeterRegistry registry, Registry bridges) {
        this.registry = registry;
        for (String role : new String[] {"wrapper", "bridge_control", "bridge_data"}) connections(role);
        streamsOpened = Counter.builder("beacon_streams_opened_total").description("Wrapper streams spliced to a bridge").register(registry);
        streamsClosed = Counter.builder("beacon_streams_closed_total").description("Spliced streams that ended").register(registry);
        wrapperToBridgeBytes = Counter.builder("beacon_relayed_bytes_total").tag("direction", "wrapper_to_bridge")
                .description("Bytes relayed (ciphertext of the inner TLS)").register(registry);
        bridgeToWrapperBytes = Counter.builder("beacon_relayed_bytes_total").tag("direction", "bridge_to_wrapper")
                .description("Bytes relayed (ciphertext of the inner TLS)").register(registry);
        streamSetup = Timer.builder("beacon_stream_setup_seconds")
                .description("From a wrapper's CONNECT to CONNECTED (includes waiting for a bridge data connection)")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        refusalsNotLogged = Counter.builder("beacon_refusals_not_logged_total")
                .description("Refusals counted but not logged one by one (a flood): summed up in one log line per interval").register(registry);
        unansweredStreams = Counter.builder("beacon_bridge_unanswered_streams_total")
                .description("Streams a bridge data connection left unanswered for limits.bridgeAnswerTimeout after the wrapper's "
                        + "first bytes (a frozen or stalled replica): closed, with that bridge's idle pool on this node").register(registry);
        forwardedBytes = Counter.builder("beacon_forwarded_bytes_total")
                .description("Bytes carried over node-to-node links (both ways, counted on each node of the hop)").register(registry);
        staleLinks = Counter.builder("beacon_node_links_stale_total")
                .description("Pooled node-to-node links found closed when a stream took them (the stream tried another)").register(registry);
        Gauge.builder("beacon_streams_active", activeStreams, AtomicInteger::get).description("Spliced streams open now").register(registry);
        Gauge.builder("beacon_bridges_registered", bridges, Registry::registeredCount).description("Bridges with a control connection").register(registry);
        Gauge.builder("beacon_bridge_idle_data_connections", bridges, Registry::idleCount).description("Warm data connections waiting for a stream").register(registry);
    }

    void handshakesInProgress(HandshakeAdmission h) {
        Gauge.builder("beacon_handshakes_in_progress", h, HandshakeAdmission::inProgress)
                .description("Relay connections whose TLS handshake is under way (bounded by limits.maxHandshakesInProgress)").register(registry);
    }

    /** A TLS handshake on the relay port that completed with a valid identity, by the client's role. */
    void handshakeDone(String role) {
        count(handshakes, "beacon_handshakes_total", "role", role,
                "TLS handshakes completed on the relay port with a valid client identity, by role");
    }

    /** A forwarded stream's link: "pool" (pre-handshaked) or "dial" (a fresh connection, the pool had none). */
    void linkUsed(String from) {
        count(linksUsed, "beacon_node_links_used_total", "from", from,
                "Node-to-node links that carried a FORWARD, by where they came from: pool or dial");
    }

    void linkStale() {
        staleLinks.increment();
    }

    void idleLinks(Links links) {
        Gauge.builder("beacon_node_links_idle", links, Links::idle)
                .description("Pre-handshaked node-to-node links waiting for a forwarded stream (all peers)").register(registry);
    }

    AtomicInteger connections(String role) {
        return connections.computeIfAbsent(role, r -> {
            AtomicInteger n = new AtomicInteger();
            Gauge.builder("beacon_connections", n, AtomicInteger::get).tag("role", r)
                    .description("Open connections by role").register(registry);
            return n;
        });
    }

    void handshakeFailed(String reason) {
        count(handshakeFailures, "beacon_handshake_failures_total", "reason", reason,
                "Connections refused before or during the TLS handshake");
    }

    void errorSent(String code) {
        count(errorsSent, "beacon_errors_sent_total", "code", code,
                "ERROR frames sent, by code (streams refused, protocol violations)");
    }

    /** A trusted load balancer's PROXY header was read: command "proxy" (names a client) or "local" (its own check). */
    void proxyHeaderAccepted(String command) {
        count(proxyHeaders, "beacon_proxy_headers_accepted_total", "command", command,
                "PROXY protocol v2 headers accepted from trusted load balancers, by command");
    }

    /** A stream forwarded to another node ("out") or received from one ("in"). */
    void forwarded(String direction) {
        count(forwarded, "beacon_forwarded_streams_total", "direction", direction,
                "Streams carried one hop between nodes");
    }

    /** A bridge REGISTER that was refused: reason = a limit's name, or the error code. */
    void registrationRefused(String reason) {
        count(registrationsRefused, "beacon_bridge_registrations_refused_total", "reason", reason,
                "Bridge control connections (REGISTER) refused, by reason");
    }

    /** A wrapper stream that was refused (reason = error code) or broke after splicing (reason = "broken"). */
    void streamFailed(String reason) {
        count(streamsFailed, "beacon_streams_failed_total", "reason", reason,
                "Wrapper streams refused or broken, by reason");
    }

    /** Increments the counter {@code name{tag=value}}, registering it (with its description) on first use. */
    private void count(Map<String, Counter> byValue, String name, String tag, String value, String description) {
        byValue.computeIfAbsent(value, v -> Counter.builder(name).tag(tag, v).description(description).register(registry)).increment();
    }
}
