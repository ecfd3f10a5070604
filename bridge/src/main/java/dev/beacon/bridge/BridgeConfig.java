package dev.beacon.bridge;

import dev.beacon.config.ConfigException;
import dev.beacon.config.Validated;
import dev.beacon.tls.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The bridge's configuration: YAML file, then {@code BRIDGE_*} environment variables, then {@code --set}. */
public class BridgeConfig implements Validated {

    public Beacon beacon = new Beacon();
    /** Outer mTLS to the beacon: a bridge certificate from the beacon operator's CA. */
    public Tls tls = new Tls();
    /** Inner TLS server: certificate from the company CA; wrappers must present one from the same CA. */
    public Tls inner = new Tls();
    /** Wrapper identities allowed through, exact spiffe:// URIs or prefixes ending in '*'. */
    public List<String> allow = new ArrayList<>();
    public Upstream upstream = new Upstream();
    public Admin admin = new Admin();

    public static class Beacon {
        /** host:port of each beacon node (one entry per node in this release; a single node behind one address works too). */
        public List<String> addresses = new ArrayList<>();
        /** Idle data connections per node; 0 means what the beacon asks for. */
        public int poolSize = 0;
        public Duration heartbeatInterval = Duration.ofSeconds(15);
        public Duration reconnectMin = Duration.ofMillis(100);
        public Duration reconnectMax = Duration.ofSeconds(30);
        public Duration connectTimeout = Duration.ofSeconds(5);
    }

    public static class Tls {
        public String cert = "";
        public String key = "";
        public String ca = "";
        public Duration reloadInterval = Duration.ofSeconds(10);
    }

    public static class Upstream {
        /** Where the plaintext stream goes (OpenBao's address in a later release). */
        public String address = "";
        public Duration connectTimeout = Duration.ofSeconds(5);
    }

    public static class Admin {
        public String host = "0.0.0.0";
        public int port = 9091;
    }

    @Override
    public void validate() {
        if (beacon.addresses.isEmpty()) throw new ConfigException("beacon.addresses", "at least one host:port is required");
        for (String a : beacon.addresses) hostPort("beacon.addresses", a);
        file("tls.cert", tls.cert);
        file("tls.key", tls.key);
        file("tls.ca", tls.ca);
        file("inner.cert", inner.cert);
        file("inner.key", inner.key);
        file("inner.ca", inner.ca);
        if (allow.isEmpty()) throw new ConfigException("allow", "list the wrapper identities allowed through (spiffe://... or a prefix ending in *)");
        for (String a : allow) {
            if (!a.startsWith("spiffe://")) throw new ConfigException("allow", "entries must start with spiffe://, got '" + a + "'");
            if (!a.endsWith("*")) {
                try {
                    Identity.parse(a);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("allow", e.getMessage());
                }
            }
        }
        hostPort("upstream.address", upstream.address);
        if (beacon.poolSize < 0 || beacon.poolSize > 64) throw new ConfigException("beacon.poolSize", "must be 0-64");
        if (admin.port < 0 || admin.port > 65535) throw new ConfigException("admin.port", "must be a port number");
        if (beacon.reconnectMin.compareTo(beacon.reconnectMax) > 0) {
            throw new ConfigException("beacon.reconnectMin", "must not exceed beacon.reconnectMax");
        }
    }

    static void hostPort(String key, String v) {
        int i = v == null ? -1 : v.lastIndexOf(':');
        if (i <= 0) throw new ConfigException(key, "must be host:port, got '" + v + "'");
        try {
            int p = Integer.parseInt(v.substring(i + 1));
            if (p < 1 || p > 65535) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "bad port in '" + v + "'");
        }
    }

    static void file(String key, String path) {
        if (path == null || path.isBlank()) throw new ConfigException(key, "is required");
        if (!Files.isReadable(Path.of(path))) throw new ConfigException(key, "file not found or not readable: " + path);
    }

    /** Whether a wrapper identity is on the allow-list (only wrapper identities can be). */
    public boolean allows(Identity id) {
        if (id.role() != dev.beacon.tls.Role.WRAPPER) return false;
        String uri = id.uri();
        for (String a : allow) {
            if (a.endsWith("*") ? uri.startsWith(a.substring(0, a.length() - 1)) : uri.equals(a)) return true;
        }
        return false;
    }
}
