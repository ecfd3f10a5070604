package dev.beacon.gossip;

import dev.beacon.config.ConfigException;
import dev.beacon.gossip.PresenceCodec.NodeState;
import dev.beacon.gossip.PresenceMap.Applied;
import dev.beacon.tls.TlsFiles;
import io.atomix.cluster.ClusterMembershipEvent;
import io.atomix.cluster.MemberConfig;
import io.atomix.cluster.MemberId;
import io.atomix.cluster.messaging.ClusterCommunicationService;
import io.atomix.cluster.messaging.MessagingConfig;
import io.atomix.cluster.messaging.TlsConfig;
import io.atomix.cluster.protocol.SwimMembershipProtocolConfig;
import io.atomix.utils.net.Address;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership in the beacon cluster: Atomix SWIM failure detection on an mTLS messaging port that takes
 * node certificates only, and the presence map (which node holds which bridge), an anti-entropy gossip map in which
 * each node writes only its own entries. See README.md in this module.
 *
 * <p>Thread-safe. Reads ({@link #members()}, {@link #presence()}, {@link #locate}) are served from snapshots and
 * never block; listeners run on the cluster's gossip thread and must not block it.
 */
public final class Cluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    /** Bound on start-up (binding the port, loading the stores) and on close (leave message, stopping Atomix). */
    static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** How long close() waits for the leave message to be written to the other nodes. */
    private static final Duration LEAVE_SEND_TIMEOUT = Duration.ofSeconds(1);

    private final ClusterConfig cfg;
    private final String localId;
    private final Address self;
    private final Map<String, String> localProperties;
    private final ClusterTransport atomix;
    private final ClusterCommunicationService messages;
    private final ScheduledExecutorService gossip;
    private final Object lock = new Object();
    private final PresenceMap map;                                  // guarded by lock
    private boolean broadcastPending;                               // guarded by lock
    private StalledConnections stalled;                             // set in begin(), before anti-entropy runs
    private volatile boolean closed;
    private volatile List<Member> members;
    private volatile List<Presence> presence = List.of();
    private volatile Map<String, List<Presence>> byBridge = Map.of();
    private final List<Runnable> membershipListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> presenceListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong antiEntropyRounds = new AtomicLong();

    private final MeterRegistry meters;
    private final List<Meter> registered = new ArrayList<>();
    private final Timer convergence;
    private final Counter membershipChanges;

    private Cluster(ClusterConfig cfg, String localId, Address self, Map<String, String> properties,
                    ClusterTransport atomix, MeterRegistry meters) {
        this.cfg = cfg;
        this.localId = localId;
        this.self = self;
        this.localProperties = Map.copyOf(properties);
        this.atomix = atomix;
        this.messages = atomix.getCommunicationService();
        this.map = new PresenceMap(localId, System::currentTimeMillis);
        this.members = List.of(new Member(localId, self.host(), self.port(), localProperties, true));
        this.gossip = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "beacon-gossip-" + localId);
            t.setDaemon(true);
            return t;
        });
        this.meters = meters;
        this.convergence = register(Timer.builder("beacon_gossip_convergence_seconds")
                .description("From a presence entry's publication on its node to its arrival on this node (v2 entries)")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(meters));
        this.membershipChanges = register(Counter.builder("beacon_cluster_membership_changes_total")
                .description("Members joining, leaving, changing reachability or properties, as seen by this node").register(meters));
        register(Gauge.builder("beacon_cluster_members", this, c -> c.count(true)).tag("state", "reachable")
                .description("Cluster members this node reaches, itself included").strongReference(true).register(meters));
        register(Gauge.builder("beacon_cluster_members", this, c -> c.count(false)).tag("state", "unreachable")
                .description("Cluster members suspected down (not yet removed)").strongReference(true).register(meters));
    }

    /**
     * Starts messaging and SWIM with mTLS from the node's PEM files and returns once this member is up (it does not
     * wait for peers). Refuses to start, with a {@link dev.beacon.tls.TlsConfigException}, when a file is missing or
     * unreadable, or the certificate is not a node's ({@code spiffe://<td>/node/<id>}) or not valid under the CA
     * bundle; with a {@link ConfigException} for a bad config. {@code properties} are published with the member
     * (e.g. {@code relay -> host:port}).
     */
    public static Cluster start(ClusterConfig cfg, String nodeId, TlsFiles nodeTls, Map<String, String> properties, MeterRegistry meters) {
        return start(cfg, nodeId, nodeTls, properties, meters, true);
    }

    /** {@code checkCertificate=false} skips the node-identity and CA checks on our own certificate: tests only. */
    static Cluster start(ClusterConfig cfg, String nodeId, TlsFiles nodeTls, Map<String, String> properties, MeterRegistry meters,
                         boolean checkCertificate) {
        Objects.requireNonNull(cfg, "cfg");
        Objects.requireNonNull(nodeTls, "nodeTls");
        Objects.requireNonNull(meters, "meters");
        cfg.validate("cluster");
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            throw new IllegalArgumentException("invalid node id '" + nodeId + "': letters, digits, '.', '_', '-', up to 63");
        }
        Map<String, String> props = Map.copyOf(properties == null ? Map.of() : properties);
        NodeTrust.install();
        ClusterTls tls = ClusterTls.prepare(nodeTls, checkCertificate);
        if (checkCertificate && !tls.identity.name().equals(nodeId)) {
            LOG.warn("cluster node id '{}' differs from the node certificate's identity {}", nodeId, tls.identity);
        }
        ClusterTransport atomix = null;
        try {
            int port = cfg.port != 0 ? cfg.port : freePort(cfg.host);
            Address self = new Address(advertised(cfg), port);
            PeerDiscovery discovery = new PeerDiscovery(cfg.peers, cfg.peersDns, self);
            io.atomix.cluster.ClusterConfig ac = new io.atomix.cluster.ClusterConfig()
                    .setClusterId(cfg.clusterName)
                    .setNodeConfig(new MemberConfig().setId(nodeId).setAddress(self).setProperties(props))
                    .setDiscoveryConfig(discovery.config())
                    .setProtocolConfig(new SwimMembershipProtocolConfig()
                            .setProbeInterval(cfg.probeInterval)
                            .setProbeTimeout(cfg.probeTimeout)
                            .setFailureTimeout(cfg.failureTimeout)
                            .setGossipInterval(cfg.gossipInterval)
                            .setBroadcastUpdates(true)   // a suspicion reaches every member at once, not by gossip rounds
                            .setNotifySuspect(true))     // and the suspect, so a live one refutes it quickly
                    .setMessagingConfig(new MessagingConfig()
                            .setInterfaces(List.of(cfg.host))
                            .setPort(port)
                            .setTlsConfig(new TlsConfig().setEnabled(true)
                                    .setKeyStore(tls.keyStore.toString()).setKeyStorePassword(tls.password)
                                    .setTrustStore(tls.trustStore.toString()).setTrustStorePassword(tls.password)));
            atomix = ClusterTransport.create(ac);
            Cluster c = new Cluster(cfg, nodeId, self, props, atomix, meters);
            discovery.knownMembers(c::swimAddresses);
            c.begin();
            LOG.info("cluster node {} ({}) up on {}:{} as {}, peers {}{}", nodeId, tls.identity, cfg.host, port, self,
                    cfg.peers, cfg.peersDns.isBlank() ? "" : " and DNS " + cfg.peersDns);
            return c;
        } catch (RuntimeException e) {
            if (atomix != null) stopQuietly(atomix);
            throw e;
        } finally {
            tls.close(); // Atomix holds the key material in memory from here on
        }
    }

    private void begin() {
        messages.subscribe(PresenceCodec.SUBJECT, Cluster::decodeOrNull, this::onMessage, this::onGossipThread);
        atomix.getMembershipService().addListener(e -> onGossipThread(() -> onMembership(e)));
        try {
            atomix.start().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            shutdownLocal();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot start the cluster port " + cfg.host + ":" + self.port() + ": " + cause, cause);
        } catch (TimeoutException e) {
            shutdownLocal();
            throw new IllegalStateException("cluster port " + cfg.host + ":" + self.port() + " did not start within " + START_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdownLocal();
            throw new IllegalStateException("interrupted starting the cluster");
        }
        try {
            guard().install(atomix.messaging);
            stalled = new StalledConnections(atomix.messaging);
        } catch (RuntimeException e) {
            stop(System.nanoTime() + CLOSE_TIMEOUT.toNanos());
            throw e;
        }
        long every = cfg.antiEntropyInterval.toMillis();
        gossip.scheduleAtFixedRate(this::antiEntropy, every, every, TimeUnit.MILLISECONDS);
        onGossipThread(this::refresh);
    }

    private ClusterPortGuard guard() {
        String description = "Cluster-port connections closed before their TLS handshake was through, by reason";
        Counter pending = register(Counter.builder("beacon_cluster_connections_refused_total").tag("reason", "pending_handshakes_per_source")
                .description(description).register(meters));
        Counter timedOut = register(Counter.builder("beacon_cluster_connections_refused_total").tag("reason", "handshake_timeout")
                .description(description).register(meters));
        return new ClusterPortGuard(cfg.maxPendingHandshakesPerSource, cfg.handshakeTimeout, pending, timedOut);
    }

    public String localId() {
        return localId;
    }

    /** The messaging port actually bound (the configured one, or the one picked for port 0). */
    public int messagingPort() {
        return self.port();
    }

    /** Every known member, this one included (first), with SWIM's reachability; members that left are gone. */
    public List<Member> members() {
        return members;
    }

    public Optional<Member> member(String id) {
        for (Member m : members) {
            if (m.id().equals(id)) return Optional.of(m);
        }
        return Optional.empty();
    }

    /** Called (on the gossip thread) when a member joins, leaves, becomes (un)reachable or changes its properties. */
    public void onMembershipChange(Runnable listener) {
        membershipListeners.add(Objects.requireNonNull(listener));
    }

    /** Called (on the gossip thread) when {@link #presence()} changes. */
    public void onPresenceChange(Runnable listener) {
        presenceListeners.add(Objects.requireNonNull(listener));
    }

    /**
     * Announces that this node holds a bridge, replacing this node's entry for the same (trust domain, tenant,
     * bridge). {@code p.node()} must be {@link #localId()}; {@code publishedAtMillis} is stamped here. Visible in
     * {@link #presence()} on return; other nodes get it within a round trip. A no-op after {@link #close()}.
     */
    public void publish(Presence p) {
        Objects.requireNonNull(p, "presence");
        if (!p.node().equals(localId)) {
            throw new IllegalArgumentException("presence of node '" + p.node() + "' cannot be published by node '" + localId + "'");
        }
        Presence stamped = new Presence(p.trustDomain(), p.tenant(), p.bridgeId(), localId, p.sinceMillis(), p.bridgeVersion(),
                System.currentTimeMillis());
        localChange(() -> map.publish(stamped));
    }

    public void withdraw(String trustDomain, String tenant, String bridgeId) {
        localChange(() -> map.withdraw(trustDomain, tenant, bridgeId));
    }

    /** Draining: tell every node that this one holds no bridge. */
    public void withdrawAll() {
        localChange(map::withdrawAll);
    }

    /** Every entry of every reachable member, this one's included. */
    public List<Presence> presence() {
        return presence;
    }

    /** The entries for one bridge on reachable members (this one's included). */
    public List<Presence> locate(String trustDomain, String tenant, String bridgeId) {
        return byBridge.getOrDefault(bridgeKey(trustDomain, tenant, bridgeId), List.of());
    }

    /**
     * Leaves cleanly: withdraws every entry and tells the other nodes this one is leaving (they drop it at once
     * rather than after failure detection), then stops Atomix. Bounded by {@link #CLOSE_TIMEOUT}.
     */
    @Override
    public void close() {
        long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
        byte[] leave;
        synchronized (lock) {
            if (closed) return;
            closed = true; // from here on nothing else is sent: the leave message must be the last, newest set
            map.withdrawAll();
            leave = PresenceCodec.encode(map.localState(true), cfg.protocolVersion);
        }
        CompletableFuture<Void> sent = CompletableFuture.completedFuture(null);
        for (Member m : members) {
            if (!m.id().equals(localId)) sent = CompletableFuture.allOf(sent, send(m.id(), leave));
        }
        try {
            sent.get(Math.min(LEAVE_SEND_TIMEOUT.toNanos(), remaining(deadline)), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("leave message not delivered to every node: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop(deadline);
        LOG.info("cluster node {} left the cluster", localId);
    }

    /** Test hook: stops messaging and SWIM abruptly, without the leave message (as if the process were killed). */
    void crash() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
        }
        stop(System.nanoTime() + CLOSE_TIMEOUT.toNanos());
    }

    /** Test hook: anti-entropy rounds run so far. */
    long antiEntropyRounds() {
        return antiEntropyRounds.get();
    }

    // ---- internals ----------------------------------------------------------------------------------------------

    private void stop(long deadline) {
        try {
            atomix.stop().get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cluster node {}: Atomix did not stop cleanly: {}", localId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shutdownLocal();
    }

    private void shutdownLocal() {
        closed = true;
        gossip.shutdownNow();
        for (Meter m : registered) meters.remove(m);
        registered.clear();
    }

    private static void stopQuietly(ClusterTransport atomix) {
        try {
            atomix.stop().get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private <M extends Meter> M register(M m) {
        registered.add(m);
        return m;
    }

    private int count(boolean reachable) {
        int n = 0;
        for (Member m : members) {
            if (m.reachable() == reachable) n++;
        }
        return n;
    }

    /** Runs a task on the gossip thread; after close() tasks are dropped rather than refused with an exception. */
    private void onGossipThread(Runnable task) {
        try {
            gossip.execute(task);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private interface Change {
        boolean apply();
    }

    private void localChange(Change change) {
        boolean changed;
        synchronized (lock) {
            if (closed) return;
            changed = change.apply();
            if (changed) {
                refreshPresence();
                if (!broadcastPending) {
                    broadcastPending = true;
                    onGossipThread(this::broadcast);
                }
            }
        }
        if (changed) onGossipThread(() -> fire(presenceListeners));
    }

    /**
     * Sends this node's set to every other reachable member; changes made meanwhile ride along (one message per
     * burst). A member that becomes reachable again gets the set then.
     */
    private void broadcast() {
        byte[] state;
        synchronized (lock) {
            broadcastPending = false;
            if (closed) return;
            state = PresenceCodec.encode(map.localState(false), cfg.protocolVersion);
        }
        for (Member m : members) {
            if (!m.id().equals(localId) && m.reachable()) send(m.id(), state);
        }
    }

    private void antiEntropy() {
        try {
            stalled.sweep();
            byte[] state;
            synchronized (lock) {
                if (closed) return;
                state = PresenceCodec.encode(map.localState(false), cfg.protocolVersion);
                Set<String> ids = new HashSet<>();
                for (io.atomix.cluster.Member m : atomix.getMembershipService().getMembers()) ids.add(m.id().id());
                // sets from nodes SWIM never listed (or dropped long ago) go after a while
                map.dropStale(ids, System.currentTimeMillis() - cfg.failureTimeout.toMillis() - 2 * cfg.antiEntropyInterval.toMillis());
            }
            for (Member m : members) {
                if (!m.id().equals(localId) && m.reachable()) send(m.id(), state);
            }
            antiEntropyRounds.incrementAndGet();
        } catch (RuntimeException e) {
            LOG.warn("cluster node {}: anti-entropy round failed: {}", localId, e.toString());
        }
    }

    private CompletableFuture<Void> send(String memberId, byte[] state) {
        return messages.unicast(PresenceCodec.SUBJECT, state, b -> b, MemberId.from(memberId), true)
                .whenComplete((v, e) -> {
                    if (e != null) LOG.debug("presence to {} not sent: {}", memberId, e.toString());
                });
    }

    /** The messaging decoder: never throws (a bad message is logged and dropped, the connection stays). */
    private static NodeState decodeOrNull(byte[] bytes) {
        try {
            return PresenceCodec.decode(bytes);
        } catch (IllegalArgumentException e) {
            LOG.warn("dropped a malformed presence message: {}", e.getMessage());
            return null;
        }
    }

    private void onMessage(NodeState s) {
        if (s == null || closed) return;
        Applied a;
        boolean wasLeft;
        synchronized (lock) {
            wasLeft = map.hasLeft(s.node());
            a = map.apply(s);
            if (a == Applied.STALE) return;
        }
        if (s.version() >= Presence.CURRENT_VERSION && !a.first()) {
            long now = System.currentTimeMillis();
            for (Presence p : a.newEntries()) {
                if (p.publishedAtMillis() > 0) convergence.record(Math.max(0, now - p.publishedAtMillis()), TimeUnit.MILLISECONDS);
            }
        }
        if (s.leaving() && !wasLeft) {
            LOG.info("cluster node {} is leaving (clean shutdown)", s.node());
        } else if (wasLeft && !s.leaving()) {
            LOG.info("cluster node {} is back", s.node());
        }
        if (a.changed() || s.leaving() != wasLeft) refresh();
    }

    private void onMembership(ClusterMembershipEvent e) {
        String id = e.subject().id().id();
        if (id.equals(localId) || closed) return;
        io.atomix.cluster.Member m = e.subject();
        switch (e.type()) {
            case MEMBER_ADDED -> {
                LOG.info("cluster node {} joined ({})", id, m.address());
                sendStateTo(id);
            }
            case REACHABILITY_CHANGED -> {
                if (m.isReachable()) {
                    LOG.info("cluster node {} is reachable again", id);
                    sendStateTo(id);
                } else if (hasLeft(id)) {
                    LOG.debug("cluster node {} unreachable after leaving", id);
                } else {
                    LOG.warn("cluster node {} is unreachable ({}): its bridges no longer count", id, m.address());
                }
            }
            case MEMBER_REMOVED -> {
                boolean left;
                synchronized (lock) {
                    left = map.hasLeft(id);
                    map.drop(id);
                }
                if (left) {
                    LOG.debug("cluster node {} removed after leaving", id);
                } else {
                    LOG.warn("cluster node {} removed: failed for {}", id, cfg.failureTimeout);
                }
            }
            case METADATA_CHANGED -> LOG.debug("cluster node {} changed its properties", id);
        }
        refresh();
    }

    private boolean hasLeft(String id) {
        synchronized (lock) {
            return map.hasLeft(id);
        }
    }

    private void sendStateTo(String id) {
        byte[] state;
        synchronized (lock) {
            if (closed) return;
            state = PresenceCodec.encode(map.localState(false), cfg.protocolVersion);
        }
        send(id, state);
    }

    /** Recomputes the member and presence snapshots from SWIM and the map; fires listeners for what changed. */
    private void refresh() {
        boolean membersChanged;
        boolean presenceChanged;
        synchronized (lock) {
            List<Member> now = new ArrayList<>();
            now.add(new Member(localId, self.host(), self.port(), localProperties, true));
            List<Member> others = new ArrayList<>();
            for (io.atomix.cluster.Member m : atomix.getMembershipService().getMembers()) {
                String id = m.id().id();
                if (id.equals(localId) || map.hasLeft(id)) continue;
                others.add(new Member(id, m.address().host(), m.address().port(), properties(m.properties()), m.isReachable()));
            }
            others.sort(Comparator.comparing(Member::id));
            now.addAll(others);
            membersChanged = !now.equals(members);
            if (membersChanged) {
                members = List.copyOf(now);
                membershipChanges.increment();
            }
            presenceChanged = refreshPresence();
        }
        if (membersChanged) fire(membershipListeners);
        if (presenceChanged) fire(presenceListeners);
    }

    /** Recomputes the presence snapshot; caller holds the lock. */
    private boolean refreshPresence() {
        Set<String> counted = new HashSet<>();
        for (Member m : members) {
            if (m.reachable() && !m.id().equals(localId)) counted.add(m.id());
        }
        List<Presence> view = map.view(counted);
        view.sort(Comparator.comparing(Presence::trustDomain).thenComparing(Presence::tenant).thenComparing(Presence::bridgeId)
                .thenComparing(Presence::node));
        if (view.equals(presence)) return false;
        Map<String, List<Presence>> index = new HashMap<>();
        for (Presence p : view) {
            index.computeIfAbsent(bridgeKey(p.trustDomain(), p.tenant(), p.bridgeId()), k -> new ArrayList<>()).add(p);
        }
        index.replaceAll((k, v) -> List.copyOf(v));
        presence = List.copyOf(view);
        byBridge = Map.copyOf(index);
        return true;
    }

    private Set<Address> swimAddresses() {
        Set<Address> out = new HashSet<>();
        for (io.atomix.cluster.Member m : atomix.getMembershipService().getMembers()) {
            if (!m.id().id().equals(localId)) out.add(m.address());
        }
        return out;
    }

    private void fire(List<Runnable> listeners) {
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("cluster listener failed: {}", e.toString());
            }
        }
    }

    private static String bridgeKey(String trustDomain, String tenant, String bridgeId) {
        return trustDomain + '\u0000' + tenant + '\u0000' + bridgeId;
    }

    private static Map<String, String> properties(Properties p) {
        Map<String, String> out = new HashMap<>();
        for (String k : p.stringPropertyNames()) out.put(k, p.getProperty(k));
        return out;
    }

    private static String advertised(ClusterConfig cfg) {
        if (!cfg.advertiseHost.isBlank()) return cfg.advertiseHost;
        try {
            if (!InetAddress.getByName(cfg.host).isAnyLocalAddress()) return cfg.host;
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            throw new ConfigException("cluster.advertiseHost", "cannot work out this node's address (" + e.getMessage()
                    + "); set it to the address other nodes reach this one at");
        }
    }

    private static int freePort(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("cannot pick a free port on " + host + ": " + e.getMessage(), e);
        }
    }
}
