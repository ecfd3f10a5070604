package dev.beacon.bridge;

import dev.beacon.admin.AdminServer;
import dev.beacon.runtime.Metrics;
import dev.beacon.splice.Transport;
import dev.beacon.tls.Identity;
import dev.beacon.tls.ReloadingTls;
import dev.beacon.tls.TlsContexts;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge agent: holds a control connection and a warm pool of data connections to each beacon address,
 * terminates the wrappers' inner TLS (refusing identities not on the allow-list), and forwards each stream's
 * plaintext to the upstream.
 */
public final class Bridge implements AutoCloseable {
    static final Logger LOG = LoggerFactory.getLogger("bridge");

    final BridgeConfig config;
    final Identity identity;
    final ReloadingTls outer;
    final ReloadingTls inner;
    final EventLoopGroup group;
    final PrometheusMeterRegistry meters = Metrics.registry();
    final BridgeMetrics metrics;
    /** Every channel the bridge opens, so shutdown closes them (and frees their buffers) before the loops stop. */
    final io.netty.channel.group.ChannelGroup channels =
            new io.netty.channel.group.DefaultChannelGroup("bridge", io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    /** How links dial and wait; unit tests put a fake here before any link starts. */
    NodeLink.Net net = new NodeLink.Tls(this);
    private final List<NodeLink> links = new java.util.concurrent.CopyOnWriteArrayList<>();
    private AdminServer admin;
    private dev.beacon.bridge.openbao.VaultProxy proxy;
    private volatile String upstream;

    public Bridge(BridgeConfig config) {
        this.config = config;
        this.outer = new ReloadingTls("beacon", config.tls.files(), m -> TlsContexts.client(m, true), meters);
        this.inner = new ReloadingTls("inner", config.inner.files(), m -> TlsContexts.server(m, config::allows), meters);
        this.identity = outer.material().identity()
                .filter(i -> i.role() == dev.beacon.tls.Role.BRIDGE)
                .orElseThrow(() -> new dev.beacon.config.ConfigException("tls.cert",
                        "is not a bridge certificate (needs a spiffe://<domain>/tenant/<tenant>/bridge/<id> URI SAN)"));
        this.group = Transport.group(Math.max(1, Runtime.getRuntime().availableProcessors()), "bridge");
        this.metrics = new BridgeMetrics(meters, () -> links.stream().mapToInt(NodeLink::idle).sum());
    }

    /** Which link holds which node: one control connection per node is enough. */
    private final Map<String, NodeLink> owners = new java.util.HashMap<>();

    /** A link registered on {@code node}; false when another link already holds it. */
    synchronized boolean claim(NodeLink link, String node) {
        NodeLink owner = owners.get(node);
        if (owner != null && owner != link) return false;
        owners.put(node, link);
        metrics.nodesHeld(owners.keySet());
        ensureSeedDialers();
        return true;
    }

    /**
     * While some node is not held, keep one more link dialling each configured address: when the nodes sit behind
     * one load-balanced address (their advertised addresses unreachable from here), that is how the others are found.
     */
    private void ensureSeedDialers() {
        if (!missingNodes() || links.size() >= 4 * (knownNodes.size() + config.beacon.addresses.size())) return;
        for (String seed : config.beacon.addresses) {
            boolean dialling = links.stream().anyMatch(l -> l.address().equals(seed) && !owners.containsValue(l) && !l.parked());
            if (dialling) continue;
            NodeLink parked = links.stream().filter(l -> l.address().equals(seed) && l.parked()).findFirst().orElse(null);
            if (parked != null) {
                parked.wake();
            } else {
                follow(seed);
            }
        }
    }

    synchronized void release(NodeLink link, String node) {
        if (owners.get(node) == link) owners.remove(node);
        metrics.nodesHeld(owners.keySet());
        ensureSeedDialers();
    }

    /** Nodes the beacon told us about that no link holds yet. */
    synchronized boolean missingNodes() {
        return !owners.keySet().containsAll(knownNodes.keySet());
    }

    private final Map<String, String> knownNodes = new java.util.HashMap<>();

    /** The beacon's live nodes: dial each one's advertised relay address that no link covers yet. */
    synchronized void learn(Map<String, String> nodes) {
        if (nodes.isEmpty() || !config.beacon.followMembers) return;
        knownNodes.clear();
        knownNodes.putAll(nodes);
        // A learned link whose node left and which holds nothing dials a dead address forever: drop it.
        for (NodeLink l : List.copyOf(links)) {
            boolean seed = config.beacon.addresses.contains(l.address());
            if (!seed && !owners.containsValue(l) && !nodes.containsValue(l.address())) {
                LOG.info("forgetting beacon address={} (its node left the cluster)", l.address());
                l.stop();
                links.remove(l);
            }
        }
        for (Map.Entry<String, String> n : nodes.entrySet()) {
            boolean covered = owners.containsKey(n.getKey())
                    || links.stream().anyMatch(l -> l.address().equals(n.getValue()));
            if (!covered) {
                LOG.info("learned beacon node node={} address={}", n.getKey(), n.getValue());
                follow(n.getValue());
            }
        }
        ensureSeedDialers();
    }

    /** Starts holding a link to {@code address} (package-private: unit tests start one without the admin port). */
    NodeLink follow(String address) {
        NodeLink l = new NodeLink(this, address);
        links.add(l);
        l.start();
        return l;
    }

    /** host:port each wrapper stream's plaintext goes to: the OpenBao proxy, or the fixed upstream. */
    String upstreamAddress() {
        return upstream;
    }

    public Bridge start() {
        if (config.openbao.enabled()) {
            proxy = new dev.beacon.bridge.openbao.VaultProxy(config.openbao, meters);
            upstream = proxy.address();
        } else {
            upstream = config.upstream.address;
        }
        outer.watch(config.tls.reloadInterval);
        inner.watch(config.inner.reloadInterval);
        outer.checkExpiry(config.tls.expiryCheckInterval, config.tls.expiryWarning);
        inner.checkExpiry(config.inner.expiryCheckInterval, config.inner.expiryWarning);
        Map<String, java.util.function.Supplier<Object>> views = new LinkedHashMap<>();
        views.put("/beacons", () -> links.stream().map(NodeLink::describe).toList());
        if (proxy != null) views.put("/openbao", () -> proxy.describe());
        views.put("/tls", () -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bridge", identity.uri());
            out.put("contexts", List.of(outer.describe(), inner.describe()));
            return out;
        });
        // The admin port first: a port conflict should stop the bridge before it registers anywhere.
        admin = new AdminServer(config.admin.host, config.admin.port, meters, this::ready,
                () -> proxy != null && !proxy.hasActive() ? "no active OpenBao node known"
                        : "no registered beacon connection with a warm data connection", views);
        for (String address : config.beacon.addresses) follow(address);
        LOG.info("bridge started bridge={} beacons={} upstream={} tls={}", identity, config.beacon.addresses,
                proxy != null ? "openbao " + config.openbao.addresses + config.openbao.dns : upstream, TlsContexts.provider());
        return this;
    }

    /** Nodes held right now (node id -> address dialled). */
    public synchronized Map<String, String> connectedNodes() {
        Map<String, String> out = new java.util.TreeMap<>();
        owners.forEach((n, l) -> out.put(n, l.address()));
        return out;
    }

    /** Ready when at least one beacon has our registration and a warm data connection. */
    public boolean ready() {
        return links.stream().anyMatch(l -> l.registered() && l.idle() > 0) && (proxy == null || proxy.hasActive());
    }

    public int adminPort() {
        return admin.port();
    }

    public Identity identity() {
        return identity;
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /**
     * Drains, then stops: closing the control and idle data connections first tells every node this bridge takes no
     * new stream (the beacon sends them to other replicas, or answers unknown_bridge), and streams under way get up to
     * {@code drain.gracePeriod} to finish before what is left is closed. Closing everything at once cut a stream in
     * flight whenever a bridge was stopped for an upgrade (UpgradeIT).
     */
    @Override
    public void close() {
        links.forEach(NodeLink::stop);
        long deadline = System.nanoTime() + config.drain.gracePeriod.toNanos();
        java.util.List<io.netty.channel.Channel> open = new java.util.ArrayList<>(channels);
        open.removeIf(c -> !c.isOpen());
        if (!open.isEmpty()) LOG.info("bridge draining: {} connections open, up to {}", open.size(), config.drain.gracePeriod);
        for (io.netty.channel.Channel c : open) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            c.closeFuture().awaitUninterruptibly(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left) + 1);
        }
        long cut = channels.stream().filter(io.netty.channel.Channel::isOpen).count();
        if (cut > 0) LOG.warn("bridge drain: grace period {} over, closing {} connections still open", config.drain.gracePeriod, cut);
        channels.close().awaitUninterruptibly(5_000);
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly(5_000);
        outer.close();
        inner.close();
        if (proxy != null) proxy.close();
        if (admin != null) admin.close();
    }
}
