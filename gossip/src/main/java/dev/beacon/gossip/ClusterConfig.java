package dev.beacon.gossip;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.beacon.config.Checks;
import dev.beacon.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code cluster:} block of a beacon's configuration. Public fields with defaults, bound by Jackson; no getters
 * (the config loader would read them as keys).
 */
public class ClusterConfig {
    @JsonPropertyDescription("false: the beacon runs as one node, without a cluster")
    public boolean enabled = false;
    @JsonPropertyDescription("Bind address of the node-to-node messaging port")
    public String host = "0.0.0.0";
    @JsonPropertyDescription("The node-to-node messaging port (mTLS, node certificates only); 0 picks a free port")
    public int port = 7946;
    @JsonPropertyDescription("How other nodes reach this one; empty: cluster.host, or this machine's address when host is 0.0.0.0")
    public String advertiseHost = "";
    @JsonPropertyDescription("host:port of other nodes' messaging ports (static discovery)")
    public List<String> peers = new ArrayList<>();
    @JsonPropertyDescription("name:port; every address the name resolves to is a peer (a Kubernetes headless service), re-resolved periodically")
    public String peersDns = "";
    @JsonPropertyDescription("Nodes only talk to nodes of the same cluster name")
    public String clusterName = "beacon";
    @JsonPropertyDescription("How often SWIM probes one other member")
    public Duration probeInterval = Duration.ofMillis(200);
    @JsonPropertyDescription("A probe not answered within this is a failed probe (then other members are asked to probe)")
    public Duration probeTimeout = Duration.ofMillis(300);
    @JsonPropertyDescription("How long a member stays suspected (unreachable) before it is removed; longer than probeTimeout")
    public Duration failureTimeout = Duration.ofMillis(1500);
    @JsonPropertyDescription("How often SWIM gossips membership updates")
    public Duration gossipInterval = Duration.ofMillis(100);
    @JsonPropertyDescription("How often this node re-sends its presence entries to every other member (repairs lost updates)")
    public Duration antiEntropyInterval = Duration.ofSeconds(1);
    /** {@link Presence#PREVIOUS_VERSION} acts like the last release. */
    @JsonPropertyDescription("Gossip wire version to write: the current one, or the previous one during a rolling upgrade")
    public int protocolVersion = Presence.CURRENT_VERSION;
    /** Room for several nodes behind one address (NAT, tests on loopback), each opening up to 8 pooled connections at once. */
    @JsonPropertyDescription("Connections from one source IP whose TLS handshake on the cluster port is unfinished; more are closed at accept")
    public int maxPendingHandshakesPerSource = 32;
    /** Nodes handshake in milliseconds; a client that takes longer is broken or holding the port on purpose. */
    @JsonPropertyDescription("A cluster-port connection whose TLS handshake is not through within this is closed")
    public Duration handshakeTimeout = Duration.ofSeconds(3);

    /** Checks every key; the exception names {@code prefix + "." + key}. */
    public void validate(String prefix) {
        if (host == null || host.isBlank()) throw new ConfigException(prefix + ".host", "is required (0.0.0.0 binds every interface)");
        Checks.port(prefix + ".port", port);
        if (advertiseHost == null) throw new ConfigException(prefix + ".advertiseHost", "must be a host name or address, or empty");
        if (advertiseHost.indexOf(':') >= 0 && advertiseHost.indexOf(':') == advertiseHost.lastIndexOf(':')) {
            // one colon is host:port, and the port would silently be ignored (IPv6 literals have several)
            throw new ConfigException(prefix + ".advertiseHost", "must be a host without a port, got '" + advertiseHost + "'");
        }
        if (peers == null) throw new ConfigException(prefix + ".peers", "must be a list of host:port");
        for (int i = 0; i < peers.size(); i++) Checks.hostPort(prefix + ".peers[" + i + "]", peers.get(i));
        if (peersDns == null) throw new ConfigException(prefix + ".peersDns", "must be name:port, or empty");
        if (!peersDns.isBlank()) Checks.hostPort(prefix + ".peersDns", peersDns);
        if (clusterName == null || clusterName.isBlank()) throw new ConfigException(prefix + ".clusterName", "is required");
        Checks.positive(prefix + ".probeInterval", probeInterval);
        Checks.positive(prefix + ".probeTimeout", probeTimeout);
        Checks.positive(prefix + ".failureTimeout", failureTimeout);
        Checks.positive(prefix + ".gossipInterval", gossipInterval);
        Checks.positive(prefix + ".antiEntropyInterval", antiEntropyInterval);
        Checks.atLeast(prefix + ".maxPendingHandshakesPerSource", maxPendingHandshakesPerSource, 1);
        Checks.positive(prefix + ".handshakeTimeout", handshakeTimeout);
        if (failureTimeout.compareTo(probeTimeout) <= 0) {
            throw new ConfigException(prefix + ".failureTimeout", "must be longer than probeTimeout (" + probeTimeout.toMillis() + "ms)");
        }
        if (protocolVersion != Presence.CURRENT_VERSION && protocolVersion != Presence.PREVIOUS_VERSION) {
            throw new ConfigException(prefix + ".protocolVersion", "must be " + Presence.CURRENT_VERSION + " (current) or "
                    + Presence.PREVIOUS_VERSION + " (previous release, for rolling upgrades), got " + protocolVersion);
        }
    }
}
