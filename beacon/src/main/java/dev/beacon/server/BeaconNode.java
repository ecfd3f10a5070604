package dev.beacon.server;

import dev.beacon.admin.AdminServer;
import dev.beacon.runtime.Metrics;
import dev.beacon.splice.Transport;
import dev.beacon.tls.ReloadingTls;
import dev.beacon.tls.TlsContexts;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One beacon node: the relay port, the admin port, certificate reload, metrics, and drain on shutdown. */
public final class BeaconNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("beacon.node");

    private final BeaconConfig config;
    private final PrometheusMeterRegistry meters = Metrics.registry();
    private final ReloadingTls tls;
    private final Relay relay;
    private final String nodeId;
    private final ReloadingTls linkTls;
    private AdminServer admin;
    private InetSocketAddress relayAddress;
    private volatile boolean ready;

    public BeaconNode(BeaconConfig config) {
        this.config = config;
        this.tls = new ReloadingTls("relay", config.tls.files(), TlsContexts::server, meters);
        dev.beacon.tls.Identity self = tls.material().identity()
                .filter(i -> i.role() == dev.beacon.tls.Role.NODE)
                .orElseThrow(() -> new dev.beacon.config.ConfigException("tls.cert", config.tls.cert
                        + " is not a node certificate (needs a spiffe://<domain>/node/<id> URI SAN)"));
        if (!config.node.id.isEmpty() && !config.node.id.equals(self.name())) {
            throw new dev.beacon.config.ConfigException("node.id", "is '" + config.node.id + "' but the node certificate says '"
                    + self.name() + "'; peers and bridges check the certificate, so leave node.id empty or make them equal");
        }
        this.nodeId = self.name();
        this.relay = new Relay(config, nodeId, tls, meters);
        this.linkTls = new ReloadingTls("link", config.tls.files(), m -> TlsContexts.client(m, false), meters);
        relay.links = new Links(relay, linkTls);
        relay.metrics.idleLinks(relay.links);
        new NettyAllocatorMetrics(relay.allocator).bindTo(meters);
        io.micrometer.core.instrument.Gauge.builder("beacon_buffered_bytes", relay, Relay::bufferedBytes).baseUnit("bytes")
                .description("Relayed bytes queued in the beacon, waiting for a slow reader").register(meters);
    }

    /** The material the cluster port loaded at start (it is not reloaded: a restart picks up new files). */
    private dev.beacon.tls.TlsMaterial clusterTls;
    private java.time.Instant clusterLoadedAt;

    /** {@code /tls}: each TLS context, the certificate it serves and the CAs it trusts. */
    private Map<String, Object> describeTls() {
        java.util.List<Object> contexts = new java.util.ArrayList<>();
        contexts.add(tls.describe());
        contexts.add(linkTls.describe());
        if (clusterTls != null) {
            Map<String, Object> c = dev.beacon.tls.Certificates.describe("cluster", clusterTls);
            c.put("loaded_at", clusterLoadedAt.toString());
            c.put("reload", "restart only");
            contexts.add(c);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node", nodeId);
        out.put("contexts", contexts);
        return out;
    }

    public BeaconNode start() throws InterruptedException {
        relayAddress = relay.start();
        if (config.cluster.enabled) {
            clusterTls = dev.beacon.tls.TlsMaterial.load(config.tls.files());
            clusterLoadedAt = java.time.Instant.now();
        }
        String advertised = advertisedRelay();
        relay.cluster = config.cluster.enabled
                ? new GossipClusterView(dev.beacon.gossip.Cluster.start(config.cluster, nodeId, config.tls.files(),
                        Map.of(GossipClusterView.RELAY, advertised, "protocol_versions", dev.beacon.protocol.Protocol.SUPPORTED_VERSIONS.toString()),
                        meters))
                : new ClusterView.SingleNode(nodeId, advertised);
        relay.cluster.onNodesChanged(relay::membersChanged);
        relay.membersChanged(); // the members known at start
        relay.open();
        tls.watch(config.tls.reloadInterval);
        linkTls.watch(config.tls.reloadInterval);
        tls.checkExpiry(config.tls.expiryCheckInterval, config.tls.expiryWarning); // link serves the same files
        Map<String, java.util.function.Supplier<Object>> views = new LinkedHashMap<>();
        views.put("/bridges", () -> Map.of("node", nodeId, "bridges", relay.registry.describe()));
        views.put("/cluster", () -> relay.cluster.describe());
        views.put("/tls", this::describeTls);
        admin = new AdminServer(config.admin.host, config.admin.port, meters, () -> ready && !relay.draining,
                () -> relay.draining ? "draining" : "starting", views);
        ready = true;
        LOG.info("beacon node ready node={} relay={} admin={}:{} transport={} tls={}", nodeId, relayAddress,
                config.admin.host, admin.port(), Transport.name(), TlsContexts.provider());
        return this;
    }

    /** The relay address others dial: node.advertiseRelay, else relay.host (or this host's address for 0.0.0.0) and the bound port. */
    private String advertisedRelay() {
        if (!config.node.advertiseRelay.isEmpty()) return config.node.advertiseRelay;
        String host = config.relay.host;
        if (host.equals("0.0.0.0") || host.equals("::")) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostAddress();
            } catch (java.net.UnknownHostException e) {
                host = "127.0.0.1";
            }
        }
        return host + ":" + relayAddress.getPort();
    }

    public String nodeId() {
        return nodeId;
    }

    public InetSocketAddress relayAddress() {
        return relayAddress;
    }

    public int adminPort() {
        return admin.port();
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /** Bytes queued for slow readers right now. */
    public long bufferedBytes() {
        return relay.bufferedBytes();
    }

    /** Direct memory held by the relay's buffer pool (pooled chunks, so coarse). */
    public long relayDirectMemory() {
        return relay.allocator.metric().usedDirectMemory();
    }

    public int activeStreams() {
        return relay.activeStreams.get();
    }

    /** Reloads certificates now instead of at the next poll. */
    public boolean reloadTlsNow() {
        return tls.checkNow();
    }

    /**
     * Drains: stops accepting, tells bridges to reconnect elsewhere, refuses new streams with {@code draining},
     * and waits for open streams up to the grace period. Returns the streams still open when it gave up.
     */
    public int drain() throws InterruptedException {
        long start = System.nanoTime();
        relay.beginDrain();
        Duration grace = config.drain.gracePeriod;
        LOG.info("draining node={} open_streams={} grace={}s", nodeId, relay.activeStreams.get(), grace.toSeconds());
        long deadline = start + grace.toNanos();
        synchronized (this) {
            while (relay.activeStreams.get() > 0 && System.nanoTime() < deadline) {
                wait(50); // streams end on event loops; a short poll here keeps the drain path simple
            }
        }
        int left = relay.activeStreams.get();
        io.micrometer.core.instrument.Timer.builder("beacon_drain_duration_seconds")
                .description("From SIGTERM to the last stream finished (or the grace period ran out)")
                .register(meters).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        LOG.info("drained node={} took_ms={} streams_cut={}", nodeId, (System.nanoTime() - start) / 1_000_000, left);
        return left;
    }

    @Override
    public void close() {
        ready = false;
        relay.cluster.close();
        relay.stop();
        tls.close();
        linkTls.close();
        if (admin != null) admin.close();
    }
}
