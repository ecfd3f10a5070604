package dev.beacon.bridge.openbao.sim;

import dev.beacon.bridge.openbao.sim.SimHttp.Exchange;
import dev.beacon.bridge.openbao.sim.SimHttp.Request;
import dev.beacon.bridge.openbao.sim.SimHttp.Response;
import dev.beacon.tls.TlsContexts;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SIMULATED OpenBao HA cluster for tests and local mode, faithful to {@code design/openbao-ha.md}. Not OpenBao.
 *
 * <p>N nodes share one store (what Raft replicates). Exactly one node is active except during an election window.
 * Each node has its own HTTP(S) listener; a killed node's listener is closed (connection refused) and its connections
 * are reset; a hung node accepts TCP (and queues requests) but never reads or answers until unhung.
 *
 * <p>Leader knowledge, in three phases after the active node is lost (kill, hang, seal: unclean; step-down, shutdown:
 * clean):
 * <ol>
 * <li>election window ({@link Options#electionTime} or {@link Options#stepDownElectionTime}): no node is active and no
 * standby knows a leader ({@code /v1/sys/leader} has an empty {@code leader_address});
 * <li>a new node is active (it knows at once); every other standby still points at the leader it knew before (possibly
 * dead) for {@link Options#standbyLeaderRecheck}: forwarding to it fails, so it answers 307 to the old address;
 * <li>the standbys' re-check: they point at the new leader.
 * </ol>
 * A node that restarts, unseals or resumes from a hang reads the current leader at once. A node that stepped down knows
 * no leader until the re-check. With {@link Options#requireQuorum} (default) a leader needs a majority of live,
 * unsealed, responsive nodes: losing it takes leadership away at once, and no election succeeds until it is back.
 * The successor is the first eligible node after the old leader in index order (deterministic).
 *
 * <p>Standby answers (from OpenBao's {@code handleRequestForwarding} / {@code respondStandby}):
 * <ul>
 * <li>forwarding (default), no leader known: 500 {@code local node not active but active cluster node not found};
 * <li>forwarding, leader known, forwarding works: the active node's response;
 * <li>forwarding fails (the leader it knows is dead, sealed, no longer active, or killed while hung): falls back to
 * respondStandby, i.e. a 307 to the leader it knows at that moment, or 503 {@code no active Vault instance found} if it
 * now knows none (the leader died mid-request) ({@link Options#redirectWhenForwardingFails}: false gives a 500 instead);
 * a forward to a hung leader waits, like the client, until the node resumes (then fails: it is no longer active);
 * <li>{@code X-Vault-No-Request-Forwarding} (or {@code requestForwarding=false}): 307 with {@code Location} = the
 * known leader's address + the original path and query, or 503 {@code no active Vault instance found} without one.
 * </ul>
 */
public final class OpenBaoSimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpenBaoSimulator.class);
    static final String NO_FORWARDING = "X-Vault-No-Request-Forwarding";
    static final String NO_LEADER_FORWARDING = "local node not active but active cluster node not found";
    static final String NO_LEADER_STANDBY = "no active Vault instance found";
    private static final Pattern NODE_ACTION = Pattern.compile("^/sim/nodes/(\\d+)/([a-z-]+)/?$");
    private static final Duration OP_TIMEOUT = Duration.ofSeconds(15);

    public static final class Options {
        public int nodes = 3;
        public String host = "127.0.0.1";
        /** Empty, or one entry per node; 0 = a free port. */
        public List<Integer> ports = List.of();
        /** null = plain http; else https with this server certificate (client certificates not requested). */
        public TlsFiles tls;
        /** Unclean leader loss (kill, hang, seal of the active node): no leader for this long. */
        public Duration electionTime = Duration.ofSeconds(2);
        /** Clean step-down or clean shutdown of the active node: no leader for this long. */
        public Duration stepDownElectionTime = Duration.ofMillis(300);
        /** Standbys re-read the leader this long after each leadership change (stale 307/forwarding window). */
        public Duration standbyLeaderRecheck = Duration.ofMillis(2500);
        /** A node that stepped down does not compete in elections for this long. */
        public Duration stepDownHoldOff = Duration.ofSeconds(10);
        /** Standbys forward requests to the active node unless the request has X-Vault-No-Request-Forwarding. */
        public boolean requestForwarding = true;
        public String rootToken = "root";
        /** >= 0: serve the control API on this port (0 = free port); -1 = none. */
        public int controlPort = -1;
        /** KV v2 path -> data written (as version 1, not counted by writes()) at start. */
        public Map<String, Map<String, Object>> seed = Map.of();
        /** Reported in health; 2.5 or later also makes standbys serve KV reads themselves (OpenBao 2.5+). */
        public String version = "2.1.0-sim";

        // ---- additions beyond the agreed API (defaults keep the agreed behaviour)

        /** OpenBao falls back to a 307 when forwarding fails; false answers 500 instead. */
        public boolean redirectWhenForwardingFails = true;
        /** Raft needs a majority of live, unsealed, responsive nodes to elect (and keep) a leader. */
        public boolean requireQuorum = true;
        /** TTL of tokens from auth/kubernetes/login (and of renew-self without an increment). */
        public Duration tokenTtl = Duration.ofHours(1);
        /** Renewals never extend a token beyond its issue time plus this. */
        public Duration tokenMaxTtl = Duration.ofHours(24);
    }

    /** A node failed (or is not active) while a request was forwarded to it. */
    private static final class CannotForward extends RuntimeException {
        CannotForward(String m) {
            super(m, null, false, false);
        }
    }

    /** The node handling a client's request was killed: the connection is being reset, nothing to answer. */
    private static final class NodeGone extends RuntimeException {
        NodeGone() {
            super("node killed", null, false, false);
        }
    }

    private record Pending(Runnable resume, Runnable onKill) {
    }

    private record KillHook(boolean applyFirst) {
    }

    private final class Node {
        final int index;
        final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        volatile int port;
        volatile String address;
        // guarded by lock
        Channel server;
        CompletableFuture<Void> down = CompletableFuture.completedFuture(null);
        boolean killed;
        boolean hung;
        boolean sealed;
        long heldOffUntil; // System.nanoTime(); 0 = not held off
        int view = -1; // the leader this node believes in: -1 in an election, stale for standbyLeaderRecheck after one
        int lastKnown = -1; // the last leader it learned (what it keeps pointing at until the re-check)
        final List<Pending> pending = new ArrayList<>();
        KillHook hook;

        Node(int index) {
            this.index = index;
        }

        boolean heldOff(long now) {
            return heldOffUntil != 0 && now - heldOffUntil < 0;
        }

        String state() {
            if (killed) return "killed";
            if (hung) return "hung";
            if (sealed) return "sealed";
            return active == index ? "active" : "standby";
        }
    }

    private final Options o;
    private final Object lock = new Object();
    private final EventLoopGroup group;
    private final ScheduledThreadPoolExecutor timer;
    private final SslContext ssl;
    private final SimStore store = new SimStore();
    private final VaultApi api;
    private final Node[] nodes;
    private final String clusterName;
    private final String clusterId = UUID.randomUUID().toString();
    private final boolean standbyReads;
    private final String advertisedHost;
    private final ChannelGroup controlChannels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile Channel control;

    // guarded by lock
    private int active = -1;
    private Instant activeSince;
    private int lastLeader = -1;
    private ScheduledFuture<?> electionTimer;
    private ScheduledFuture<?> recheckTimer;
    private long electionRounds;
    private boolean closed;

    private OpenBaoSimulator(Options given) {
        Options o = copy(given);
        this.o = o;
        if (o.nodes < 1) throw new IllegalArgumentException("nodes must be at least 1, got " + o.nodes);
        if (o.ports != null && !o.ports.isEmpty() && o.ports.size() != o.nodes) {
            throw new IllegalArgumentException("ports must be empty or have one entry per node (" + o.nodes + "), got " + o.ports);
        }
        for (Duration d : List.of(o.electionTime, o.stepDownElectionTime, o.standbyLeaderRecheck, o.stepDownHoldOff)) {
            if (d == null || d.isNegative()) throw new IllegalArgumentException("durations must be >= 0");
        }
        if (o.rootToken == null || o.rootToken.isEmpty()) throw new IllegalArgumentException("rootToken must not be empty");
        this.nodes = new Node[o.nodes];
        for (int i = 0; i < o.nodes; i++) nodes[i] = new Node(i);
        this.clusterName = "vault-cluster-" + clusterId.substring(0, 8);
        this.standbyReads = servesStandbyReads(o.version);
        this.advertisedHost = advertised(o.host);
        this.api = new VaultApi(store, o.tokenTtl, o.tokenMaxTtl, i -> stepDownQuietly(i));
        this.ssl = o.tls == null ? null : serverTls(o.tls);
        this.group = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("openbao-sim", true), NioIoHandler.newFactory());
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "openbao-sim-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    public static OpenBaoSimulator start(Options options) {
        OpenBaoSimulator sim = new OpenBaoSimulator(options);
        Options o = sim.o;
        try {
            sim.store.createToken(o.rootToken, List.of("root"), Map.of(), "auth/token/root", "root", Duration.ZERO, Duration.ZERO, false);
            o.seed.forEach((path, data) -> {
                try {
                    sim.store.write(path, data, null, false, new int[1]);
                } catch (SimStore.CasMismatch e) {
                    throw new IllegalStateException(e);
                }
            });
            for (Node n : sim.nodes) {
                int want = o.ports == null || o.ports.isEmpty() || o.ports.get(n.index) == null ? 0 : o.ports.get(n.index);
                n.port = want;
                Channel ch = join(sim.bind(n), "listen on " + o.host + ":" + want);
                n.port = ((InetSocketAddress) ch.localAddress()).getPort();
                n.address = (sim.ssl == null ? "http" : "https") + "://" + sim.advertisedHost + ":" + n.port;
                synchronized (sim.lock) {
                    n.server = ch;
                }
            }
            if (o.controlPort >= 0) {
                ChannelFuture f = SimHttp.bind(sim.group, o.host, o.controlPort, null, sim.controlChannels, ch -> { }, sim::onControl);
                sim.control = join(toCompletable(f), "listen on control port " + o.host + ":" + o.controlPort);
            }
            synchronized (sim.lock) {
                sim.elect(0);
                for (Node n : sim.nodes) learn(n, 0);
            }
            LOG.info("OpenBao SIMULATOR up: {} node(s) {}, control {}", o.nodes, sim.addresses(),
                    sim.control == null ? "off" : "http://" + sim.advertisedHost + ":" + sim.controlPort());
            return sim;
        } catch (RuntimeException e) {
            sim.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ public API

    public List<String> addresses() {
        List<String> a = new ArrayList<>();
        for (Node n : nodes) a.add(n.address);
        return a;
    }

    public String address(int i) {
        return node(i).address;
    }

    public int port(int i) {
        return node(i).port;
    }

    /** The control API's port, or -1 when it is off. */
    public int controlPort() {
        Channel c = control;
        return c == null ? -1 : ((InetSocketAddress) c.localAddress()).getPort();
    }

    public String rootToken() {
        return o.rootToken;
    }

    /** The active node's index, -1 while there is no leader (election window, or no quorum / no eligible node). */
    public int activeIndex() {
        synchronized (lock) {
            return active;
        }
    }

    /** {@code active}, {@code standby}, {@code sealed}, {@code killed} or {@code hung}. */
    public String state(int i) {
        synchronized (lock) {
            return node(i).state();
        }
    }

    /** The leader node {@code i} currently believes in (-1: none), which lags the truth on standbys. */
    public int knownLeader(int i) {
        synchronized (lock) {
            Node n = node(i);
            return active == i ? i : n.view;
        }
    }

    /** Blocks until some node is active; throws IllegalStateException after {@code timeout}. */
    public void awaitActive(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (active < 0) {
                if (closed) throw new IllegalStateException("simulator closed");
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new IllegalStateException("no active node after " + timeout + ": " + statusLine());
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for an active node");
                }
            }
        }
    }

    /** An unclean crash: the listener closes (connection refused), open connections are reset, nothing is answered. */
    public void kill(int i) {
        join(killAsync(node(i), false), "kill node " + i);
    }

    /**
     * A clean shutdown (SIGTERM): an active node steps down first (quick election, no hold-off), then the listener
     * closes and connections are closed normally. Afterwards the node is down like a killed one ({@link #restart}).
     */
    public void shutdown(int i) {
        join(killAsync(node(i), true), "shut down node " + i);
    }

    /** Starts a killed node again (a live one is killed first) on the same port: unsealed, standby, may win later elections. */
    public void restart(int i) {
        join(restartAsync(node(i)), "restart node " + i);
    }

    /** Like SIGSTOP: accepts TCP but reads and answers nothing; an active node loses leadership (unclean election). */
    public void hang(int i) {
        hangNow(node(i));
    }

    /** Like SIGCONT: queued requests are served (as a standby now); requests whose client left are dropped. */
    public void unhang(int i) {
        unhangNow(node(i));
    }

    /** 503 "Vault is sealed" to everything but health and seal-status; an active node loses leadership (unclean). */
    public void seal(int i) {
        sealNow(node(i));
    }

    public void unseal(int i) {
        unsealNow(node(i));
    }

    /** The active node steps down cleanly: election after stepDownElectionTime; it does not compete for stepDownHoldOff. */
    public void stepDown(int i) {
        stepDownNow(node(i));
    }

    /**
     * Test hook: the next KV v2 write that reaches node {@code i} (from a client, or forwarded to it) kills the node
     * like {@link #kill}. With {@code applyFirst} the write is applied (and counted) before the node dies and the
     * response is lost; without, the node dies before applying it. On a standby, "applied first" means forwarded to the
     * active node and applied there before the standby dies.
     */
    public void killDuringNextWrite(int i, boolean applyFirst) {
        synchronized (lock) {
            node(i).hook = new KillHook(applyFirst);
        }
    }

    /** How many KV v2 writes to this path were applied (seed data not counted). */
    public long writes(String kvPath) {
        return store.writes(kvPath);
    }

    /** The current data at a KV v2 path, or null. */
    public Map<String, Object> read(String kvPath) {
        return store.current(kvPath);
    }

    /** Election rounds run so far (a round may elect nobody: no quorum, or everyone held off). */
    public long electionRounds() {
        synchronized (lock) {
            return electionRounds;
        }
    }

    @Override
    public void close() {
        List<Channel> servers = new ArrayList<>();
        synchronized (lock) {
            if (closed) return;
            closed = true;
            if (electionTimer != null) electionTimer.cancel(false);
            for (Node n : nodes) {
                if (n.server != null) servers.add(n.server);
                n.pending.clear();
            }
            lock.notifyAll();
        }
        timer.shutdownNow();
        if (control != null) servers.add(control);
        for (Channel s : servers) s.close();
        for (Node n : nodes) n.channels.close();
        controlChannels.close();
        io.netty.util.concurrent.Future<?> f = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        if (!group.next().inEventLoop()) f.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ cluster state machine (all under lock)

    private Node node(int i) {
        if (i < 0 || i >= nodes.length) throw new IndexOutOfBoundsException("no node " + i + " (nodes: 0.." + (nodes.length - 1) + ")");
        return nodes[i];
    }

    private boolean hasQuorum() {
        if (!o.requireQuorum) return true;
        int voters = 0;
        for (Node n : nodes) if (!n.killed && !n.hung && !n.sealed) voters++;
        return voters > nodes.length / 2;
    }

    private void leaderLost(boolean clean, String why) {
        LOG.info("OpenBao sim: node {} lost leadership ({}); {} election in {} ms", active, why, clean ? "clean" : "unclean",
                (clean ? o.stepDownElectionTime : o.electionTime).toMillis());
        lastLeader = active;
        active = -1;
        activeSince = null;
        for (Node n : nodes) n.view = -1;
        scheduleElection(clean ? o.stepDownElectionTime : o.electionTime);
    }

    /** After a standby, seal or hang: a leader without a majority behind it steps down (Raft's CheckQuorum). */
    private void checkQuorum() {
        if (active >= 0 && !hasQuorum()) leaderLost(false, "lost quorum");
    }

    /** A node may have become eligible (restart, unseal, unhang): a leaderless cluster holds an election. */
    private void eligibilityChanged() {
        if (active < 0 && electionTimer == null && !closed) scheduleElection(o.electionTime);
    }

    private void scheduleElection(Duration after) {
        if (closed) return;
        if (electionTimer != null) electionTimer.cancel(false);
        electionTimer = timer.schedule(this::electionRound, after.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void electionRound() {
        synchronized (lock) {
            electionTimer = null;
            if (closed) return;
            electionRounds++;
            if (active >= 0) return;
            runElection();
            lock.notifyAll();
        }
    }

    private void runElection() {
        if (!hasQuorum()) {
            LOG.info("OpenBao sim: no quorum, no leader ({})", statusLine());
            return;
        }
        long now = System.nanoTime();
        int start = lastLeader < 0 ? 0 : lastLeader + 1;
        for (int k = 0; k < nodes.length; k++) {
            Node n = nodes[(start + k) % nodes.length];
            if (!n.killed && !n.hung && !n.sealed && !n.heldOff(now)) {
                elect(n.index);
                return;
            }
        }
        LOG.info("OpenBao sim: no eligible node, no leader ({})", statusLine());
    }

    private void elect(int i) {
        active = i;
        activeSince = Instant.now();
        learn(nodes[i], i);
        // The others keep pointing at the leader they knew (not themselves) until their re-check.
        for (Node n : nodes) if (n.index != i) n.view = n.lastKnown == n.index ? -1 : n.lastKnown;
        LOG.info("OpenBao sim: node {} is active ({}); standbys re-check in {} ms", i, nodes[i].address,
                o.standbyLeaderRecheck.toMillis());
        if (recheckTimer != null) recheckTimer.cancel(false);
        if (!closed) recheckTimer = timer.schedule(this::recheck, o.standbyLeaderRecheck.toNanos(), TimeUnit.NANOSECONDS);
        lock.notifyAll();
    }

    private void recheck() {
        synchronized (lock) {
            recheckTimer = null;
            for (Node n : nodes) if (!n.killed && !n.hung && !n.sealed) learn(n, active);
        }
    }

    /** The node reads the current leader (-1: none). */
    private static void learn(Node n, int leader) {
        n.view = leader;
        if (leader >= 0) n.lastKnown = leader;
    }

    private void holdOffExpired() {
        synchronized (lock) {
            if (closed || active >= 0 || electionTimer != null) return;
            runElection();
            lock.notifyAll();
        }
    }

    private String statusLine() {
        StringBuilder sb = new StringBuilder();
        for (Node n : nodes) sb.append(sb.length() == 0 ? "" : ", ").append(n.index).append('=').append(n.state());
        return sb.toString();
    }

    // ------------------------------------------------------------------ node operations

    private CompletableFuture<Channel> bind(Node n) {
        return toCompletable(SimHttp.bind(group, o.host, n.port, ssl, n.channels, ch -> accepted(n, ch), ex -> onRequest(n, ex)));
    }

    private void accepted(Node n, SocketChannel ch) {
        boolean killed;
        boolean hung;
        synchronized (lock) {
            killed = n.killed || closed;
            hung = n.hung;
        }
        if (killed) {
            SimHttp.reset(ch);
        } else if (hung) {
            ch.config().setAutoRead(false);
        }
    }

    private CompletableFuture<Void> killAsync(Node n, boolean clean) {
        List<Pending> drop;
        Channel server;
        CompletableFuture<Void> down = new CompletableFuture<>();
        synchronized (lock) {
            if (closed) throw new IllegalStateException("simulator closed");
            if (n.killed) return n.down;
            n.killed = true;
            n.hook = null;
            drop = new ArrayList<>(n.pending);
            n.pending.clear();
            server = n.server;
            n.server = null;
            n.down = down;
            LOG.info("OpenBao sim: node {} {}", n.index, clean ? "shutting down" : "killed");
            if (active == n.index) {
                leaderLost(clean, clean ? "shutdown" : "killed");
            } else {
                checkQuorum();
            }
            n.view = -1;
            n.hung = false;
        }
        for (Pending p : drop) if (p.onKill() != null) p.onKill().run();
        // Listener first, then the connections: whoever sees the reset then finds the port refusing.
        server.close().addListener(f -> {
            List<CompletableFuture<Void>> closes = new ArrayList<>();
            for (Channel ch : n.channels) {
                ChannelFuture cf = clean ? ch.close() : SimHttp.reset(ch);
                closes.add(toCompletable(cf).thenApply(c -> null));
            }
            CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> down.complete(null));
        });
        return down;
    }

    private CompletableFuture<Void> restartAsync(Node n) {
        CompletableFuture<Void> down;
        synchronized (lock) {
            if (closed) throw new IllegalStateException("simulator closed");
            down = n.killed ? n.down : null;
        }
        if (down == null) down = killAsync(n, false);
        return down.thenCompose(v -> bind(n)).thenAccept(ch -> {
            synchronized (lock) {
                n.server = ch;
                n.killed = false;
                n.hung = false;
                n.sealed = false;
                n.heldOffUntil = 0;
                learn(n, active); // a starting node reads the leader once, uncached
                LOG.info("OpenBao sim: node {} restarted as a standby", n.index);
                eligibilityChanged();
            }
        });
    }

    private void hangNow(Node n) {
        synchronized (lock) {
            if (n.killed) throw new IllegalStateException("node " + n.index + " is killed");
            if (n.hung) return;
            n.hung = true;
            LOG.info("OpenBao sim: node {} hung", n.index);
            if (active == n.index) {
                leaderLost(false, "hung");
            } else {
                checkQuorum();
            }
        }
        for (Channel ch : n.channels) ch.config().setAutoRead(false);
    }

    private void unhangNow(Node n) {
        List<Pending> run;
        synchronized (lock) {
            if (!n.hung) return;
            n.hung = false;
            learn(n, active);
            run = new ArrayList<>(n.pending);
            n.pending.clear();
            LOG.info("OpenBao sim: node {} resumed", n.index);
            eligibilityChanged();
        }
        long now = System.nanoTime();
        for (Channel ch : n.channels) {
            ch.attr(SimHttp.RESUMED).set(now);
            ch.config().setAutoRead(true);
        }
        for (Pending p : run) p.resume().run();
    }

    private void sealNow(Node n) {
        synchronized (lock) {
            if (n.killed) throw new IllegalStateException("node " + n.index + " is killed");
            if (n.sealed) return;
            n.sealed = true;
            LOG.info("OpenBao sim: node {} sealed", n.index);
            if (active == n.index) {
                leaderLost(false, "sealed");
            } else {
                checkQuorum();
            }
        }
    }

    private void unsealNow(Node n) {
        synchronized (lock) {
            if (n.killed) throw new IllegalStateException("node " + n.index + " is killed");
            if (!n.sealed) return;
            n.sealed = false;
            learn(n, active);
            LOG.info("OpenBao sim: node {} unsealed", n.index);
            eligibilityChanged();
        }
    }

    private void stepDownNow(Node n) {
        synchronized (lock) {
            if (active != n.index) throw new IllegalStateException("node " + n.index + " is not active (" + n.state() + ")");
            n.heldOffUntil = System.nanoTime() + o.stepDownHoldOff.toNanos();
            if (n.heldOffUntil == 0) n.heldOffUntil = 1;
            leaderLost(true, "stepped down");
            timer.schedule(this::holdOffExpired, o.stepDownHoldOff.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void stepDownQuietly(int i) {
        try {
            stepDownNow(nodes[i]);
        } catch (IllegalStateException ignored) {
            // lost leadership in the meantime
        }
    }

    // ------------------------------------------------------------------ request handling

    private void onRequest(Node n, Exchange ex) {
        synchronized (lock) {
            if (n.killed) return;
            if (n.hung) {
                n.pending.add(new Pending(() -> onRequest(n, ex), null));
                return;
            }
        }
        CompletableFuture<Response> f;
        try {
            f = handleAt(n, ex.request, false);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((resp, err) -> {
            Response r = resp;
            if (err != null) {
                Throwable c = unwrap(err);
                if (c instanceof NodeGone) return;
                LOG.warn("OpenBao sim: node {} failed on {} {}", n.index, ex.request.method(), ex.request.path(), c);
                r = Response.errors(500, "internal simulator error: " + c);
            }
            deliver(n, ex, r);
        });
    }

    private void deliver(Node n, Exchange ex, Response resp) {
        synchronized (lock) {
            if (n.killed) return;
            if (n.hung) {
                n.pending.add(new Pending(() -> deliver(n, ex, resp), null));
                return;
            }
        }
        ex.respond(resp);
    }

    private CompletableFuture<Response> handleAt(Node n, Request r, boolean forwarded) {
        KillHook hook = null;
        synchronized (lock) {
            if (n.killed) return CompletableFuture.failedFuture(forwarded ? new CannotForward("node down") : new NodeGone());
            if (n.hook != null && VaultApi.isKvWrite(r)) {
                hook = n.hook;
                n.hook = null;
            }
        }
        if (hook != null && !hook.applyFirst()) {
            LOG.info("OpenBao sim: killing node {} as a write arrives (not applied)", n.index);
            killAsync(n, false);
            return CompletableFuture.failedFuture(new NodeGone());
        }
        CompletableFuture<Response> f = route(n, r, forwarded);
        if (hook == null) return f;
        return f.handle((resp, err) -> {
            LOG.info("OpenBao sim: killing node {} after the write was handled ({})", n.index, err == null ? resp.status() : err);
            killAsync(n, false);
            throw new CompletionException(new NodeGone());
        });
    }

    private CompletableFuture<Response> route(Node n, Request r, boolean forwarded) {
        String p = r.path();
        switch (p) {
            case "/v1/sys/health":
                return CompletableFuture.completedFuture(health(n, r));
            case "/v1/sys/leader":
                return CompletableFuture.completedFuture(leader(n, r));
            case "/v1/sys/seal-status":
                return CompletableFuture.completedFuture(sealStatus(n, r));
            default:
                break;
        }
        boolean sealed;
        boolean isActive;
        int view;
        synchronized (lock) {
            sealed = n.sealed;
            isActive = active == n.index;
            view = n.view;
        }
        if (forwarded) {
            if (sealed || !isActive) return CompletableFuture.failedFuture(new CannotForward("node " + n.index + " is not active"));
            return CompletableFuture.completedFuture(api.serve(n.index, r));
        }
        if (!p.startsWith("/v1/")) return CompletableFuture.completedFuture(Response.errors(404));
        if (sealed) return CompletableFuture.completedFuture(Response.errors(503, "Vault is sealed"));
        if (isActive || (standbyReads && VaultApi.isStandbyRead(r))) return CompletableFuture.completedFuture(api.serve(n.index, r));
        if (!o.requestForwarding || r.header(NO_FORWARDING) != null) return CompletableFuture.completedFuture(respondStandby(n, r));
        if (view < 0 || view == n.index) return CompletableFuture.completedFuture(Response.errors(500, NO_LEADER_FORWARDING));
        return forward(nodes[view], r).handle((resp, err) -> {
            if (err == null) return resp;
            LOG.info("OpenBao sim: node {} could not forward {} {} to node {}: {}", n.index, r.method(), r.path(), view,
                    unwrap(err).getMessage());
            if (o.redirectWhenForwardingFails) return respondStandby(n, r);
            return Response.errors(500, "error forwarding request to the active node: " + unwrap(err).getMessage());
        });
    }

    private CompletableFuture<Response> forward(Node to, Request r) {
        synchronized (lock) {
            if (to.killed) return CompletableFuture.failedFuture(new CannotForward("connection refused"));
            if (to.hung) {
                CompletableFuture<Response> f = new CompletableFuture<>();
                to.pending.add(new Pending(
                        () -> handleAt(to, r, true).whenComplete((x, e) -> {
                            if (e != null) f.completeExceptionally(unwrap(e));
                            else f.complete(x);
                        }),
                        () -> f.completeExceptionally(new CannotForward("connection reset"))));
                return f;
            }
        }
        return handleAt(to, r, true);
    }

    /** OpenBao's respondStandby: 307 to the leader this node knows, or 503 when it knows none. */
    private Response respondStandby(Node n, Request r) {
        int view;
        synchronized (lock) {
            view = active == n.index ? n.index : n.view;
        }
        if (view < 0 || view == n.index) return Response.errors(503, NO_LEADER_STANDBY);
        return Response.empty(307, Map.of("Location", nodes[view].address + r.uri()));
    }

    private Response health(Node n, Request r) {
        boolean head = r.isHead();
        if (!head && !"GET".equals(r.method())) return Response.errors(405);
        boolean standbyOk = false;
        boolean bad = false;
        if (r.query().containsKey("standbyok")) {
            Boolean b = GoDuration.parseBool(r.param("standbyok") == null ? "" : r.param("standbyok"));
            if (b == null) bad = true;
            else standbyOk = b;
        }
        if (r.query().containsKey("perfstandbyok") && GoDuration.parseBool(nullToEmpty(r.param("perfstandbyok"))) == null) bad = true;
        int uninitCode = code(r, "uninitcode", 501);
        int sealedCode = code(r, "sealedcode", 503);
        int standbyCode = code(r, "standbycode", 429);
        int activeCode = code(r, "activecode", 200);
        if (code(r, "drsecondarycode", 472) < 0 || code(r, "performancestandbycode", 473) < 0) bad = true;
        if (bad || uninitCode < 0 || sealedCode < 0 || standbyCode < 0 || activeCode < 0) {
            return head ? Response.empty(400, Map.of()) : Response.errors(400);
        }
        boolean sealed;
        boolean standby;
        synchronized (lock) {
            sealed = n.sealed;
            standby = sealed || active != n.index;
        }
        int code = sealed ? sealedCode : standby && !standbyOk ? standbyCode : activeCode;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("initialized", true);
        body.put("sealed", sealed);
        body.put("standby", standby);
        body.put("performance_standby", false);
        body.put("replication_performance_mode", "disabled");
        body.put("replication_dr_mode", "disabled");
        body.put("server_time_utc", Instant.now().getEpochSecond());
        body.put("version", o.version);
        if (!sealed) {
            body.put("cluster_name", clusterName);
            body.put("cluster_id", clusterId);
        }
        Response resp = Response.json(code, body);
        return head ? resp.head() : resp;
    }

    /** Go's strconv.Atoi on a status-code parameter: absent = the default, invalid = -1 (400). */
    private static int code(Request r, String name, int dflt) {
        if (!r.query().containsKey(name)) return dflt;
        try {
            int c = Integer.parseInt(nullToEmpty(r.param(name)));
            return c < 100 || c > 999 ? -1 : c; // Go's net/http would panic on such a code
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private Response leader(Node n, Request r) {
        if (!"GET".equals(r.method())) return Response.errors(405);
        boolean sealed;
        boolean self;
        int view;
        Instant since;
        synchronized (lock) {
            sealed = n.sealed;
            self = active == n.index;
            view = self ? n.index : n.view;
            since = activeSince;
        }
        if (sealed) return Response.errors(503, "Vault is sealed");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ha_enabled", true);
        body.put("is_self", self);
        if (self && since != null) body.put("active_time", since.toString());
        body.put("leader_address", view >= 0 ? nodes[view].address : "");
        body.put("leader_cluster_address", view >= 0 ? "https://" + advertisedHost + ":" + clusterPort(view) : "");
        body.put("performance_standby", false);
        long idx = store.raftIndex();
        body.put("raft_committed_index", idx);
        body.put("raft_applied_index", idx);
        return Response.json(200, body);
    }

    /** A made-up cluster port (api port + 1 conventionally is 8201 for 8200); nothing listens there. */
    private int clusterPort(int i) {
        return nodes[i].port + 1 > 65535 ? nodes[i].port : nodes[i].port + 1;
    }

    private Response sealStatus(Node n, Request r) {
        if (!"GET".equals(r.method())) return Response.errors(405);
        boolean sealed;
        synchronized (lock) {
            sealed = n.sealed;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "shamir");
        body.put("initialized", true);
        body.put("sealed", sealed);
        body.put("t", 1);
        body.put("n", 1);
        body.put("progress", 0);
        body.put("nonce", "");
        body.put("version", o.version);
        body.put("build_date", "");
        body.put("migration", false);
        if (!sealed) {
            body.put("cluster_name", clusterName);
            body.put("cluster_id", clusterId);
        }
        body.put("recovery_seal", false);
        body.put("storage_type", "raft");
        return Response.json(200, body);
    }

    // ------------------------------------------------------------------ control API

    /** Node states, leader and election state, as the control API's {@code GET /sim/status} shows them. */
    public Map<String, Object> status() {
        synchronized (lock) {
            long now = System.nanoTime();
            List<Map<String, Object>> ns = new ArrayList<>();
            for (Node n : nodes) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("index", n.index);
                m.put("address", n.address);
                m.put("state", n.state());
                boolean held = n.heldOff(now);
                m.put("held_off", held);
                m.put("held_off_ms", held ? TimeUnit.NANOSECONDS.toMillis(n.heldOffUntil - now) : 0);
                int view = active == n.index ? n.index : n.view;
                m.put("known_leader", n.killed || view < 0 ? "" : nodes[view].address);
                ns.add(m);
            }
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("simulator", "OpenBao HA simulator (not OpenBao)");
            s.put("leader", active);
            s.put("leader_address", active >= 0 ? nodes[active].address : "");
            s.put("election_pending", electionTimer != null);
            s.put("election_rounds", electionRounds);
            s.put("nodes", ns);
            return s;
        }
    }

    private void onControl(Exchange ex) {
        Request r = ex.request;
        String p = r.path();
        if (p.equals("/sim/status") || p.equals("/sim/status/")) {
            ex.respond("GET".equals(r.method()) ? Response.json(200, status()) : Response.json(405, Map.of("error", "use GET")));
            return;
        }
        if (p.startsWith("/sim/kv/")) {
            String path = p.substring("/sim/kv/".length());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", SimStore.normalise(path));
            m.put("writes", writes(path));
            m.put("data", read(path));
            ex.respond(Response.json(200, m));
            return;
        }
        Matcher m = NODE_ACTION.matcher(p);
        if (!m.matches()) {
            ex.respond(Response.json(404, Map.of("error", "not found", "endpoints", List.of("GET /sim/status",
                    "POST /sim/nodes/{i}/kill|restart|hang|unhang|seal|unseal|step-down|shutdown", "GET /sim/kv/{path}"))));
            return;
        }
        if (!"POST".equals(r.method()) && !"PUT".equals(r.method())) {
            ex.respond(Response.json(405, Map.of("error", "use POST")));
            return;
        }
        int i;
        try {
            i = Integer.parseInt(m.group(1));
            node(i);
        } catch (RuntimeException e) {
            ex.respond(Response.json(404, Map.of("error", "no node " + m.group(1) + " (nodes: 0.." + (nodes.length - 1) + ")")));
            return;
        }
        CompletableFuture<Void> op;
        try {
            op = switch (m.group(2)) {
                case "kill" -> killAsync(nodes[i], false);
                case "shutdown" -> killAsync(nodes[i], true);
                case "restart" -> restartAsync(nodes[i]);
                case "hang" -> run(() -> hangNow(nodes[i]));
                case "unhang" -> run(() -> unhangNow(nodes[i]));
                case "seal" -> run(() -> sealNow(nodes[i]));
                case "unseal" -> run(() -> unsealNow(nodes[i]));
                case "step-down" -> run(() -> stepDownNow(nodes[i]));
                default -> null;
            };
        } catch (RuntimeException e) {
            op = CompletableFuture.failedFuture(e);
        }
        if (op == null) {
            ex.respond(Response.json(404, Map.of("error", "unknown action '" + m.group(2)
                    + "' (kill, restart, hang, unhang, seal, unseal, step-down, shutdown)")));
            return;
        }
        op.whenComplete((v, e) -> {
            if (e == null) {
                ex.respond(Response.json(200, status()));
            } else {
                Throwable c = unwrap(e);
                ex.respond(Response.json(c instanceof IllegalStateException ? 409 : 500, Map.of("error", String.valueOf(c.getMessage()))));
            }
        });
    }

    private static CompletableFuture<Void> run(Runnable r) {
        r.run();
        return CompletableFuture.completedFuture(null);
    }

    // ------------------------------------------------------------------ helpers

    private static SslContext serverTls(TlsFiles files) {
        TlsMaterial m = TlsMaterial.load(files);
        try {
            return SslContextBuilder.forServer(m.key(), m.chain().toArray(X509Certificate[]::new))
                    .clientAuth(ClientAuth.NONE)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .sslProvider(TlsContexts.provider())
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalArgumentException("cannot build the simulator's TLS context from " + files + ": " + e.getMessage(), e);
        }
    }

    /** The simulator keeps its own copy: later changes to the caller's Options have no effect. */
    private static Options copy(Options g) {
        Options o = new Options();
        o.nodes = g.nodes;
        o.host = g.host;
        o.ports = g.ports == null ? List.of() : new ArrayList<>(g.ports);
        o.tls = g.tls;
        o.electionTime = g.electionTime;
        o.stepDownElectionTime = g.stepDownElectionTime;
        o.standbyLeaderRecheck = g.standbyLeaderRecheck;
        o.stepDownHoldOff = g.stepDownHoldOff;
        o.requestForwarding = g.requestForwarding;
        o.rootToken = g.rootToken;
        o.controlPort = g.controlPort;
        o.seed = g.seed == null ? Map.of() : new LinkedHashMap<>(g.seed);
        o.version = g.version;
        o.redirectWhenForwardingFails = g.redirectWhenForwardingFails;
        o.requireQuorum = g.requireQuorum;
        o.tokenTtl = g.tokenTtl;
        o.tokenMaxTtl = g.tokenMaxTtl;
        return o;
    }

    static boolean servesStandbyReads(String version) {
        Matcher m = Pattern.compile("^v?(\\d+)\\.(\\d+)").matcher(version == null ? "" : version);
        if (!m.find()) return false;
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 2 || (major == 2 && minor >= 5);
    }

    private static String advertised(String host) {
        if (host == null || host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) return "127.0.0.1";
        if (host.contains(":") && !host.startsWith("[")) return "[" + host + "]";
        return host;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static CompletableFuture<Channel> toCompletable(ChannelFuture f) {
        CompletableFuture<Channel> c = new CompletableFuture<>();
        f.addListener(x -> {
            if (x.isSuccess()) c.complete(f.channel());
            else c.completeExceptionally(x.cause());
        });
        return c;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }

    private static <T> T join(CompletableFuture<T> f, String what) {
        try {
            return f.get(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out: " + what);
        } catch (ExecutionException e) {
            Throwable c = unwrap(e);
            if (c instanceof RuntimeException re && !(c instanceof CompletionException)) {
                if (c instanceof IllegalStateException || c instanceof IllegalArgumentException) throw re;
            }
            throw new IllegalStateException("cannot " + what + ": " + c.getMessage(), c);
        }
    }
}
