package dev.beacon.server;

import static dev.beacon.config.Checks.atLeast;
import static dev.beacon.config.Checks.port;
import static dev.beacon.config.Checks.positive;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.beacon.config.ConfigException;
import dev.beacon.config.Listen;
import dev.beacon.config.TlsSection;
import dev.beacon.config.Validated;
import dev.beacon.protocol.Protocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The beacon node's configuration: YAML file, then {@code BEACON_*} environment variables, then {@code --set}.
 * Every key is listed by {@code beacon.jar server --list-keys}.
 */
public class BeaconConfig implements Validated {

    public Node node = new Node();
    @JsonPropertyDescription("Relay port (wrappers, bridges, other nodes)")
    public RelayListen relay = new RelayListen("0.0.0.0", 8443);
    /**
     * Health, readiness, metrics, and /bridges and /cluster, which list every tenant's bridges: loopback unless an
     * operator opens it (Kubernetes probes need the pod address; the chart sets 0.0.0.0 behind a NetworkPolicy).
     */
    @JsonPropertyDescription("Admin port (health, metrics, /bridges, /cluster; loopback unless opened)")
    public Listen admin = new Listen("127.0.0.1", 9090);
    @JsonPropertyDescription("Node certificate (relay port, links, cluster port)")
    public TlsSection tls = new TlsSection();
    public Limits limits = new Limits();
    public Bridges bridges = new Bridges();
    public Drain drain = new Drain();
    public dev.beacon.gossip.ClusterConfig cluster = new dev.beacon.gossip.ClusterConfig();

    public static class Node {
        @JsonPropertyDescription("This node's id; empty means the name in the node certificate's identity")
        public String id = "";
        @JsonPropertyDescription("Accept only identities of this SPIFFE trust domain; empty accepts any the CA signed")
        public String trustDomain = "";
        @JsonPropertyDescription("host:port bridges and other nodes dial to reach this node's relay port; empty derives it from relay.host/port")
        public String advertiseRelay = "";
        @JsonPropertyDescription("Relay event-loop threads; 0 means one per core")
        public int ioThreads = 0;
    }

    /** The relay port: a listening address, and whether a load balancer in front of it speaks PROXY protocol. */
    public static class RelayListen extends Listen {
        public ProxyProtocol proxyProtocol = new ProxyProtocol();

        public RelayListen() {
        }

        public RelayListen(String host, int port) {
            super(host, port);
        }
    }

    /** Behind a load balancer the TCP peer is the balancer; its PROXY v2 header names the client (decision 0007). */
    public static class ProxyProtocol {
        @JsonPropertyDescription("Expect a PROXY protocol v2 header (binary, before the TLS hello) on relay connections from relay.proxyProtocol.trustedSources; "
                + "its source address then stands for the client in rate limits and logs")
        public boolean enabled = false;
        /** Only the balancers: a header from any other peer is refused as spoofed, since it could pick any address. */
        @JsonPropertyDescription("CIDR ranges (IPv4 or IPv6, comma-separated) of the load balancers whose PROXY headers are believed; "
                + "a peer in them must send one, a header from any other peer is refused")
        public List<String> trustedSources = new ArrayList<>();
    }

    public static class Limits {
        @JsonPropertyDescription("TLS handshake plus first frame must complete within this")
        public Duration handshakeTimeout = Duration.ofSeconds(10);
        @JsonPropertyDescription("A spliced stream with no bytes either way for this long is closed")
        public Duration idleTimeout = Duration.ofMinutes(5);
        @JsonPropertyDescription("How long a wrapper may wait for a free bridge data connection before it is refused as overloaded")
        public Duration streamSetupTimeout = Duration.ofSeconds(5);
        /**
         * A bridge answers a wrapper's inner ClientHello in milliseconds. One that stays silent this long after the
         * wrapper's first bytes is frozen or stalled (FM-19): the stream is closed (the wrapper retries, nothing was
         * sent) and the bridge's warm pool on this node with it, which live replicas refill at once and a frozen one
         * cannot. Below the reference wrapper's 5 s inner handshake timeout, so the node acts first.
         */
        @JsonPropertyDescription("A bridge data connection that sends nothing this long after a wrapper's first bytes is closed, "
                + "with that bridge's idle data connections on this node (a frozen replica's; live ones are replaced at once)")
        public Duration bridgeAnswerTimeout = Duration.ofSeconds(3);
        @JsonPropertyDescription("Open plus waiting streams one wrapper identity may have; more are refused as overloaded")
        public int maxStreamsPerIdentity = 256;
        /** Token bucket; the excess is closed before TLS, so a flood costs no handshakes. */
        @JsonPropertyDescription("New connections per second per source IP (burst is twice this), closed before TLS when exceeded")
        public int connectionsPerSecondPerSource = 100;
        /** Bridges are bounded by the idle-pool cap instead: a pool opens connections in bursts. */
        @JsonPropertyDescription("New connections per second per wrapper identity (burst is twice this); more are refused as overloaded")
        public int connectionsPerSecondPerIdentity = 50;
        /** Half of it is where fairness starts; 128 is about 60 ms of handshake work on one core (decisions/0009). */
        @JsonPropertyDescription("TLS handshakes under way at once; from half of this a source holding at least an even share is closed before TLS, from this on any source that already has one under way")
        public int maxHandshakesInProgress = 128;
        @JsonPropertyDescription("Largest control frame payload accepted (256-16384 bytes); a larger one is refused as frame_too_large")
        public int maxFrameBytes = Protocol.DEFAULT_MAX_FRAME_BYTES;
        @JsonPropertyDescription("Idle data connections kept per bridge (at least bridges.poolSize); more are refused as overloaded")
        public int maxIdleDataConnectionsPerBridge = 64;
        /** ~2 replicas per bridge id, each one per node, plus one reconnecting or dialling through a load balancer, with room. */
        @JsonPropertyDescription("REGISTERed control connections one bridge identity may hold on this node; more are refused as overloaded")
        public int maxControlConnectionsPerBridge = 8;
        @JsonPropertyDescription("Refusals of one kind (reason or error code) logged one by one per refusalLogInterval; the rest are counted and summed up in one line")
        public int refusalsLoggedPerInterval = 10;
        @JsonPropertyDescription("Interval of refusalsLoggedPerInterval; a flood of refused connections logs at most that many lines per kind, plus one summary line, per interval")
        public Duration refusalLogInterval = Duration.ofSeconds(10);
    }

    public static class Bridges {
        @JsonPropertyDescription("Idle data connections the beacon asks each bridge to keep open to this node")
        public int poolSize = 4;
        @JsonPropertyDescription("Heartbeat on bridge control connections (and pings on idle data connections)")
        public Duration heartbeatInterval = Duration.ofSeconds(15);
    }

    public static class Drain {
        @JsonPropertyDescription("On SIGTERM, open streams get this long to finish")
        public Duration gracePeriod = Duration.ofSeconds(30);
        @JsonPropertyDescription("Told to clients in DRAIN frames and draining errors: reconnect after this")
        public Duration reconnectHint = Duration.ofMillis(200);
    }

    @Override
    public void validate() {
        port("relay.port", relay.port);
        // A typo fails even while disabled, so turning it on later does not surprise.
        TrustedSources trusted = TrustedSources.parse("relay.proxyProtocol.trustedSources", relay.proxyProtocol.trustedSources);
        if (relay.proxyProtocol.enabled && trusted.isEmpty()) {
            throw new ConfigException("relay.proxyProtocol.trustedSources", "is empty, but relay.proxyProtocol.enabled is true:"
                    + " list the load balancers' ranges (for example 10.0.0.0/8), since a PROXY header is believed only from them");
        }
        port("admin.port", admin.port);
        tls.validate("tls");
        positive("limits.handshakeTimeout", limits.handshakeTimeout);
        positive("limits.idleTimeout", limits.idleTimeout);
        positive("limits.streamSetupTimeout", limits.streamSetupTimeout);
        positive("limits.bridgeAnswerTimeout", limits.bridgeAnswerTimeout);
        atLeast("limits.maxStreamsPerIdentity", limits.maxStreamsPerIdentity, 1);
        atLeast("limits.connectionsPerSecondPerSource", limits.connectionsPerSecondPerSource, 1);
        atLeast("limits.connectionsPerSecondPerIdentity", limits.connectionsPerSecondPerIdentity, 1);
        atLeast("limits.maxHandshakesInProgress", limits.maxHandshakesInProgress, 2);
        if (limits.maxFrameBytes < 256 || limits.maxFrameBytes > Protocol.DEFAULT_MAX_FRAME_BYTES) {
            throw new ConfigException("limits.maxFrameBytes", "must be between 256 and " + Protocol.DEFAULT_MAX_FRAME_BYTES);
        }
        atLeast("bridges.poolSize", bridges.poolSize, 1);
        atLeast("limits.maxIdleDataConnectionsPerBridge", limits.maxIdleDataConnectionsPerBridge, bridges.poolSize);
        atLeast("limits.maxControlConnectionsPerBridge", limits.maxControlConnectionsPerBridge, 1);
        atLeast("limits.refusalsLoggedPerInterval", limits.refusalsLoggedPerInterval, 0);
        positive("limits.refusalLogInterval", limits.refusalLogInterval);
        positive("bridges.heartbeatInterval", bridges.heartbeatInterval);
        if (drain.gracePeriod == null || drain.gracePeriod.isNegative()) throw new ConfigException("drain.gracePeriod", "must be >= 0");
        positive("drain.reconnectHint", drain.reconnectHint);
        atLeast("node.ioThreads", node.ioThreads, 0);
        if (cluster.enabled) cluster.validate("cluster");
    }
}
