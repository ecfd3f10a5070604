package dev.beacon.bridge;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.beacon.config.Checks;
import dev.beacon.config.ConfigException;
import dev.beacon.config.TlsSection;
import dev.beacon.config.Validated;
import dev.beacon.tls.Identity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The bridge's configuration: YAML file, then {@code BRIDGE_*} environment variables, then {@code --set}. */
public class BridgeConfig implements Validated {

    public Beacon beacon = new Beacon();
    @JsonPropertyDescription("Outer mTLS to the beacon (bridge certificate, beacon operator's CA)")
    public TlsSection tls = new TlsSection();
    @JsonPropertyDescription("Inner TLS server (company CA, which wrappers' inner certificates chain to)")
    public TlsSection inner = new TlsSection();
    @JsonPropertyDescription("Wrapper identities allowed through: exact spiffe:// URIs, or prefixes of whole path segments ending in '/*'"
            + " (e.g. spiffe://company.example/tenant/acme/wrapper/*)")
    public List<String> allow = new ArrayList<>();
    /** A fixed TCP upstream (raw streams), or... */
    public Upstream upstream = new Upstream();
    /** ...an OpenBao HA cluster, followed across failovers (the bridge becomes a Vault-API proxy). */
    public dev.beacon.bridge.openbao.OpenBaoConfig openbao = new dev.beacon.bridge.openbao.OpenBaoConfig();
    public Admin admin = new Admin();
    public Drain drain = new Drain();

    public static class Drain {
        @JsonPropertyDescription("On SIGTERM the bridge first closes its control and idle data connections, so the beacon hands it no"
                + " new stream (other replicas and bridges take them), then lets streams under way finish for up to this long")
        public java.time.Duration gracePeriod = java.time.Duration.ofSeconds(20);
    }

    public static class Beacon {
        @JsonPropertyDescription("host:port of each beacon node (a single load-balanced address works too: the bridge learns the others)")
        public List<String> addresses = new ArrayList<>();
        @JsonPropertyDescription("Hold a connection to every live node the beacon reports (false: only the configured addresses)")
        public boolean followMembers = true;
        @JsonPropertyDescription("Idle data connections per node, 0-64; 0 means what the beacon asks for")
        public int poolSize = 0;
        @JsonPropertyDescription("Heartbeat on the control connection (the smaller of this and the beacon's); silent for 3 heartbeats = reconnect")
        public Duration heartbeatInterval = Duration.ofSeconds(15);
        @JsonPropertyDescription("First reconnect backoff; must not exceed reconnectMax")
        public Duration reconnectMin = Duration.ofMillis(100);
        @JsonPropertyDescription("Reconnect backoff cap")
        public Duration reconnectMax = Duration.ofSeconds(5);
        @JsonPropertyDescription("Per beacon node: the TCP connect, the outer TLS handshake and the answer to REGISTER must each come"
                + " within this, else the bridge closes and dials again with backoff (a frozen node accepts TCP and never answers)")
        public Duration connectTimeout = Duration.ofSeconds(5);
    }

    public static class Upstream {
        @JsonPropertyDescription("host:port where the plaintext stream goes (a fixed TCP service; set openbao.* instead to follow an OpenBao HA cluster)")
        public String address = "";
        @JsonPropertyDescription("TCP connect to the upstream (with openbao.*, to the loopback proxy) must complete within this")
        public Duration connectTimeout = Duration.ofSeconds(5);
    }

    public static class Admin {
        /** Kubernetes probes need 0.0.0.0, behind a NetworkPolicy. */
        @JsonPropertyDescription("Admin address; loopback unless opened, since /beacons and /openbao describe the deployment")
        public String host = "127.0.0.1";
        @JsonPropertyDescription("Admin port: /healthz, /readyz, /metrics, /beacons, /openbao; 0 picks a free one")
        public int port = 9091;
    }

    @Override
    public void validate() {
        if (drain.gracePeriod == null || drain.gracePeriod.isNegative()) throw new ConfigException("drain.gracePeriod", "must be >= 0");
        if (beacon.addresses.isEmpty()) throw new ConfigException("beacon.addresses", "at least one host:port is required");
        for (String a : beacon.addresses) Checks.hostPort("beacon.addresses", a);
        tls.validate("tls");
        inner.validate("inner");
        if (allow.isEmpty()) throw new ConfigException("allow", "list the wrapper identities allowed through (spiffe://... or a prefix ending in /*)");
        for (String a : allow) {
            if (!a.startsWith("spiffe://")) throw new ConfigException("allow", "entries must start with spiffe://, got '" + a + "'");
            int star = a.indexOf('*');
            if (star >= 0 && (star != a.length() - 1 || a.charAt(star - 1) != '/')) {
                // "…/tenant/acme*" would also let in tenant "acme-evil": a prefix covers whole path segments only
                throw new ConfigException("allow", "a prefix must end in '/*' (whole path segments), got '" + a + "'; for everything under "
                        + a.substring(0, star).replaceAll("/$", "") + " write '" + a.substring(0, star).replaceAll("/$", "") + "/*'");
            }
            if (star < 0) {
                try {
                    Identity.parse(a);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("allow", e.getMessage());
                }
            }
        }
        if (openbao.enabled()) {
            if (!upstream.address.isBlank()) {
                throw new ConfigException("upstream.address", "set either upstream.address or openbao.addresses/openbao.dns, not both");
            }
            openbao.validate("openbao");
        } else {
            if (upstream.address.isBlank()) {
                throw new ConfigException("openbao.addresses", "list the OpenBao nodes (or set upstream.address for a fixed TCP upstream)");
            }
            Checks.hostPort("upstream.address", upstream.address);
        }
        if (beacon.poolSize < 0 || beacon.poolSize > 64) throw new ConfigException("beacon.poolSize", "must be 0-64");
        Checks.port("admin.port", admin.port);
        if (beacon.reconnectMin.compareTo(beacon.reconnectMax) > 0) {
            throw new ConfigException("beacon.reconnectMin", "must not exceed beacon.reconnectMax");
        }
    }

    /** Whether a wrapper identity is on the allow-list (only wrapper identities can be). */
    public boolean allows(Identity id) {
        if (id.role() != dev.beacon.tls.Role.WRAPPER) return false;
        String uri = id.uri();
        for (String a : allow) {
            // validate() guarantees a prefix ends in "/*", so it can only match at a segment boundary
            if (a.endsWith("/*") ? uri.startsWith(a.substring(0, a.length() - 1)) : uri.equals(a)) return true;
        }
        return false;
    }
}
