package dev.beacon.gossip;

import dev.beacon.config.HostPort;
import io.atomix.cluster.BootstrapService;
import io.atomix.cluster.Node;
import io.atomix.cluster.discovery.NodeDiscoveryConfig;
import io.atomix.cluster.discovery.NodeDiscoveryEvent;
import io.atomix.cluster.discovery.NodeDiscoveryEventListener;
import io.atomix.cluster.discovery.NodeDiscoveryProvider;
import io.atomix.utils.event.AbstractListenerManager;
import io.atomix.utils.net.Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where SWIM looks for peers it does not know yet: the static {@code peers} and every address {@code peersDns}
 * resolves to (re-resolved every {@link #DNS_INTERVAL}). Members SWIM already holds at an address are left out, so
 * probes go to each live node once rather than twice (once as a member, once as a bootstrap address), which keeps
 * failure detection quick; a dead member's address comes back and is probed until the node returns.
 */
final class PeerDiscovery extends AbstractListenerManager<NodeDiscoveryEvent, NodeDiscoveryEventListener>
        implements NodeDiscoveryProvider {

    private static final Logger LOG = LoggerFactory.getLogger(PeerDiscovery.class);
    /** DNS answers change when pods come and go; the JVM caches positive answers for 30 s by default anyway. */
    static final Duration DNS_INTERVAL = Duration.ofSeconds(5);

    private final Set<Address> staticPeers;
    private final String dnsName;
    private final int dnsPort;
    private final Address self;
    private final Config config = new Config(this);
    private final Map<Address, Node> dnsPeers = new LinkedHashMap<>();
    private volatile Set<Node> nodes = Set.of();
    private volatile Supplier<Set<Address>> knownMembers = Set::of;
    private volatile Map<Address, Address> staticIps = Map.of();
    private ScheduledExecutorService resolver;

    PeerDiscovery(List<String> peers, String peersDns, Address self) {
        this.self = self;
        Set<Address> s = new LinkedHashSet<>();
        for (String p : peers) {
            Address a = parse(p);
            if (!isSelf(a)) s.add(a);
        }
        this.staticPeers = Set.copyOf(s);
        if (peersDns == null || peersDns.isBlank()) {
            dnsName = null;
            dnsPort = 0;
        } else {
            Address a = parse(peersDns);
            dnsName = a.host();
            dnsPort = a.port();
        }
        recompute();
    }

    /** Addresses of the members SWIM holds (alive or suspected): they need no bootstrap probing. */
    void knownMembers(Supplier<Set<Address>> members) {
        this.knownMembers = members;
    }

    static Address parse(String hostPort) {
        HostPort h = HostPort.parse(hostPort);
        return new Address(h.host(), h.port());
    }

    @Override
    public NodeDiscoveryConfig config() {
        return config;
    }

    /** Called by SWIM every probe interval, on its only thread: no DNS lookups here. */
    @Override
    public Set<Node> getNodes() {
        Set<Address> known = knownMembers.get();
        if (known.isEmpty()) return nodes;
        Map<Address, Address> ips = staticIps;
        Set<Node> out = new LinkedHashSet<>();
        for (Node n : nodes) {
            Address ip = ips.get(n.address());
            if (!known.contains(n.address()) && (ip == null || !known.contains(ip))) out.add(n);
        }
        return out;
    }

    @Override
    public synchronized CompletableFuture<Void> join(BootstrapService bootstrap, Node localNode) {
        boolean namedPeers = staticPeers.stream().anyMatch(a -> !isIpLiteral(a.host()));
        if ((dnsName != null || namedPeers) && resolver == null) {
            resolver = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "beacon-cluster-dns");
                t.setDaemon(true);
                return t;
            });
            resolver.scheduleWithFixedDelay(() -> {
                resolveStatic();
                if (dnsName != null) resolve();
            }, 0, DNS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Static peers given by name, resolved: members advertise addresses, and a member is recognised by either. */
    private void resolveStatic() {
        Map<Address, Address> ips = new LinkedHashMap<>();
        for (Address a : staticPeers) {
            if (isIpLiteral(a.host())) continue;
            try {
                ips.put(a, new Address(InetAddress.getByName(a.host()).getHostAddress(), a.port()));
            } catch (UnknownHostException e) {
                LOG.debug("cluster peer {} does not resolve (yet)", a.host());
            }
        }
        staticIps = Map.copyOf(ips);
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
    }

    @Override
    public synchronized CompletableFuture<Void> leave(Node localNode) {
        if (resolver != null) {
            resolver.shutdownNow();
            resolver = null;
        }
        return CompletableFuture.completedFuture(null);
    }

    private void resolve() {
        InetAddress[] found;
        try {
            found = InetAddress.getAllByName(dnsName);
        } catch (UnknownHostException e) {
            LOG.debug("cluster peers DNS name {} does not resolve yet", dnsName);
            found = new InetAddress[0];
        } catch (RuntimeException e) {
            LOG.warn("cluster peers DNS lookup of {} failed: {}", dnsName, e.toString());
            return;
        }
        Set<Address> now = new LinkedHashSet<>();
        for (InetAddress ia : found) {
            Address a = new Address(ia.getHostAddress(), dnsPort);
            if (!isSelf(a)) now.add(a);
        }
        List<NodeDiscoveryEvent> events = new ArrayList<>();
        synchronized (this) {
            for (Address a : now) {
                if (!dnsPeers.containsKey(a) && !staticPeers.contains(a)) {
                    Node n = node(a);
                    dnsPeers.put(a, n);
                    events.add(new NodeDiscoveryEvent(NodeDiscoveryEvent.Type.JOIN, n));
                }
            }
            for (var it = dnsPeers.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!now.contains(e.getKey())) {
                    it.remove();
                    events.add(new NodeDiscoveryEvent(NodeDiscoveryEvent.Type.LEAVE, e.getValue()));
                }
            }
            recompute();
        }
        for (NodeDiscoveryEvent e : events) {
            LOG.debug("cluster peer {} {} via DNS {}", e.subject().address(), e.type() == NodeDiscoveryEvent.Type.JOIN ? "found" : "gone", dnsName);
            post(e);
        }
    }

    private synchronized void recompute() {
        Set<Node> all = new LinkedHashSet<>();
        for (Address a : staticPeers) all.add(node(a));
        all.addAll(dnsPeers.values());
        nodes = Set.copyOf(all);
    }

    /** Bootstrap nodes are named by address: their member ids are learnt from SWIM. */
    private static Node node(Address a) {
        return Node.builder().withId(a.host() + ":" + a.port()).withAddress(a).build();
    }

    /** This node's own address, spelled as advertised or as one of this machine's addresses with our port. */
    private boolean isSelf(Address a) {
        if (a.port() != self.port()) return false;
        if (a.host().equals(self.host())) return true;
        try {
            InetAddress ia = InetAddress.getByName(a.host());
            return ia.isAnyLocalAddress() || NetworkInterface.getByInetAddress(ia) != null;
        } catch (UnknownHostException | SocketException e) {
            return false;
        }
    }

    /** Atomix wants a typed config; this one hands out the provider instance it came from. */
    static final class Config extends NodeDiscoveryConfig {
        private final PeerDiscovery provider;

        Config(PeerDiscovery provider) {
            this.provider = provider;
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public NodeDiscoveryProvider.Type getType() {
            return new NodeDiscoveryProvider.Type<Config>() {
                @Override
                public String name() {
                    return "beacon-peers";
                }

                @Override
                public Config newConfig() {
                    return Config.this;
                }

                @Override
                public NodeDiscoveryProvider newProvider(Config c) {
                    return provider;
                }
            };
        }
    }
}
