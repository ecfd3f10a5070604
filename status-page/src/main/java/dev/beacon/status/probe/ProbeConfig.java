package dev.beacon.status.probe;

import dev.beacon.config.ConfigException;
import dev.beacon.config.HostPort;
import dev.beacon.tls.Identity;
import dev.beacon.tls.Role;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the probes look at and how often: the beacon's nodes (relay port and admin URL each), the public address and
 * the canary's bridge behind it, the timing, and the status page's own certificates (all of the canary tenant). The
 * CLI will fill it from a file, environment and flags; {@link #validate()} names the bad key.
 *
 * @param location where these probes run ("eu-west"); every result and metric carries it
 * @param nodes    each node probed by TLS handshake and /readyz
 * @param canary   the end-to-end path, or null for none
 */
public record ProbeConfig(String location, List<Node> nodes, Canary canary, Timing timing, Identities tls) {

    /** A beacon node: {@code name} keys its components ({@code node/<name>/tls}, {@code node/<name>/readyz}). */
    public record Node(String name, HostPort relay, URI admin) {
    }

    /**
     * The canary path: the address users dial (a load balancer or DNS name in front of the nodes), and the id of the
     * canary bridge the status page runs itself, which registers on every node in {@code nodes}.
     */
    public record Canary(HostPort publicAddress, String bridge) {
    }

    /**
     * @param interval      one round of every probe (default 30 s)
     * @param timeout       one attempt at most (default 5 s); a frozen node costs this, not more
     * @param degradedAbove an answer slower than this is DEGRADED (default 1 s)
     * @param retryDelay    pause before the confirming retry (default 1 s)
     */
    public record Timing(Duration interval, Duration timeout, Duration degradedAbove, Duration retryDelay) {
        public static final Timing DEFAULT = new Timing(Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofSeconds(1));
    }

    /**
     * @param wrapper      the status page's relay certificate: a wrapper of the canary tenant, from the beacon CA
     *                     (used by the TLS probe and the canary's outer connection)
     * @param innerWrapper the canary wrapper's inner certificate, from the company CA
     * @param bridge       the canary bridge's relay certificate, from the beacon CA
     * @param innerBridge  the canary bridge's inner server certificate, from the company CA
     */
    public record Identities(TlsFiles wrapper, TlsFiles innerWrapper, TlsFiles bridge, TlsFiles innerBridge) {
    }

    /** Checks what a start would trip over; the message names the key. */
    public ProbeConfig validate() {
        if (location == null || location.isBlank()) throw new ConfigException("probe.location", "must be set, e.g. eu-west");
        if (timing == null) throw new ConfigException("probe.interval", "timing must be set");
        positive("probe.interval", timing.interval());
        positive("probe.timeout", timing.timeout());
        positive("probe.degradedAbove", timing.degradedAbove());
        if (timing.retryDelay() == null || timing.retryDelay().isNegative()) {
            throw new ConfigException("probe.retryDelay", "must be zero or more");
        }
        Duration worst = timing.timeout().multipliedBy(2).plus(timing.retryDelay());
        if (worst.compareTo(timing.interval()) > 0) {
            throw new ConfigException("probe.interval", "must hold an attempt, the retry delay and a retry ("
                    + worst.toMillis() + " ms), is " + timing.interval().toMillis() + " ms");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            String key = "probe.nodes[" + i + "]";
            if (n.name() == null || !Identity.isSegment(n.name())) throw new ConfigException(key + ".name", "must be a node name like n1");
            if (!names.add(n.name())) throw new ConfigException(key + ".name", "'" + n.name() + "' is listed twice");
            if (n.relay() == null) throw new ConfigException(key + ".relay", "must be host:port");
            if (n.admin() == null || !List.of("http", "https").contains(n.admin().getScheme())) {
                throw new ConfigException(key + ".admin", "must be an http(s) URL of the node's admin port");
            }
        }
        if (tls == null || tls.wrapper() == null) throw new ConfigException("probe.tls.wrapper", "the status page's certificate must be set");
        role("probe.tls.wrapper", tls.wrapper(), Role.WRAPPER);
        if (canary != null) {
            if (canary.publicAddress() == null) throw new ConfigException("probe.canary.publicAddress", "must be host:port");
            if (canary.bridge() == null || !Identity.isSegment(canary.bridge())) {
                throw new ConfigException("probe.canary.bridge", "must be a bridge id");
            }
            if (tls.innerWrapper() == null) throw new ConfigException("probe.tls.innerWrapper", "the canary needs it");
            if (tls.innerBridge() == null) throw new ConfigException("probe.tls.innerBridge", "the canary bridge needs it");
            Identity b = role("probe.tls.bridge", tls.bridge(), Role.BRIDGE);
            Identity w = TlsMaterial.load(tls.wrapper()).identity().orElseThrow();
            if (!b.tenant().equals(w.tenant()) || !b.name().equals(canary.bridge())) {
                throw new ConfigException("probe.tls.bridge", "must be bridge '" + canary.bridge() + "' of the status page's tenant '"
                        + w.tenant() + "', is " + b.uri());
            }
        }
        return this;
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) throw new ConfigException(key, "must be a positive duration");
    }

    private static Identity role(String key, TlsFiles files, Role role) {
        if (files == null) throw new ConfigException(key, "must be set");
        Identity id;
        try {
            id = TlsMaterial.load(files).identity().orElse(null);
        } catch (RuntimeException e) {
            throw new ConfigException(key, e.getMessage());
        }
        if (id == null || id.role() != role) {
            throw new ConfigException(key, "must be a " + role.name().toLowerCase(java.util.Locale.ROOT) + " certificate, is "
                    + (id == null ? "no spiffe:// identity" : id.uri()));
        }
        return id;
    }
}
