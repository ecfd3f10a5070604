package dev.beacon.status.service;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.beacon.config.Checks;
import dev.beacon.config.ConfigException;
import dev.beacon.config.HostPort;
import dev.beacon.config.Listen;
import dev.beacon.config.Validated;
import dev.beacon.status.probe.ProbeConfig;
import dev.beacon.status.store.Retention;
import dev.beacon.status.store.Store;
import dev.beacon.tls.TlsFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * The status page's configuration: YAML file, then {@code STATUS_*} environment variables, then {@code --set}.
 * Several prober locations can write to one PostgreSQL ({@code page=false}) while one instance serves the page
 * ({@code probe=false}); by default one instance does both.
 */
public class StatusPageConfig implements Validated {
    @JsonPropertyDescription("Where this instance probes from, e.g. eu-west; every result and metric carries it")
    public String location = "local";
    @JsonPropertyDescription("Title at the top of the page and in the JSON API")
    public String title = "Beacon status";
    @JsonPropertyDescription("Time zone the daily bars and calendar months are cut in (IANA name, e.g. Europe/Berlin)")
    public String zone = "UTC";
    @JsonPropertyDescription("Directory of the embedded database (status.mv.db) when database.jdbcUrl is empty")
    public String dataDir = "data";
    @JsonPropertyDescription("Run the probes and write their results (false: only serve the page from a shared database)")
    public boolean probe = true;
    @JsonPropertyDescription("Serve the page and the admin API, detect incidents and purge old rows (false: a probe-only location)")
    public boolean page = true;
    @JsonPropertyDescription("How often the page's numbers are recomputed from the database")
    public Duration refreshInterval = Duration.ofSeconds(10);

    public Probes probes = new Probes();
    public Database database = new Database();
    public RetentionSection retention = new RetentionSection();
    public Incidents incidents = new Incidents();
    @JsonPropertyDescription("Public listener (the page, the JSON API, /healthz, /readyz)")
    public Listen listen = new Listen("0.0.0.0", 8080);
    @JsonPropertyDescription("The page's public URL, for the absolute links in the JSON API and the Atom feed (empty: http://<listen.host>:<listen.port>/, never the request's Host header)")
    public String publicUrl = "";
    public Admin admin = new Admin();

    public static class Probes {
        @JsonPropertyDescription("Beacon nodes probed by TLS handshake and /readyz: YAML entries {name, relay: host:port, admin: URL},"
                + " or 'name host:port URL' items separated by commas in the environment or --set")
        public List<Node> nodes = new ArrayList<>();
        public Canary canary = new Canary();
        @JsonPropertyDescription("One round of every probe")
        public Duration interval = Duration.ofSeconds(30);
        @JsonPropertyDescription("One probe attempt at most; a frozen node costs this, no more")
        public Duration timeout = Duration.ofSeconds(5);
        @JsonPropertyDescription("An answer slower than this is DEGRADED (good for uptime, shown as degraded)")
        public Duration degradedAbove = Duration.ofSeconds(1);
        @JsonPropertyDescription("Pause before the retry that confirms a failure")
        public Duration retryDelay = Duration.ofSeconds(1);
        @JsonPropertyDescription("The status page's relay certificate: a wrapper of the canary tenant (beacon CA)")
        public Certificate wrapper = new Certificate();
        @JsonPropertyDescription("The canary wrapper's inner certificate (company CA)")
        public Certificate innerWrapper = new Certificate();
        @JsonPropertyDescription("The canary bridge's relay certificate (beacon CA)")
        public Certificate bridge = new Certificate();
        @JsonPropertyDescription("The canary bridge's inner server certificate (company CA)")
        public Certificate innerBridge = new Certificate();
    }

    /** A node: YAML {name, relay, admin}, or one string "name host:port URL" (what environment variables can say). */
    public static class Node {
        public String name = "";
        public String relay = "";
        public String admin = "";

        public Node() {
        }

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static Node parse(String text) {
            String[] parts = text.trim().split("\\s+");
            if (parts.length != 3) throw new IllegalArgumentException("a node is 'name host:port adminURL', got '" + text + "'");
            Node n = new Node();
            n.name = parts[0];
            n.relay = parts[1];
            n.admin = parts[2];
            return n;
        }
    }

    public static class Canary {
        @JsonPropertyDescription("host:port users dial (load balancer or DNS name in front of the nodes); empty: no canary")
        public String publicAddress = "";
        @JsonPropertyDescription("Id of the canary bridge the status page runs itself (registers on every node)")
        public String bridge = "canary";
    }

    public static class Certificate {
        @JsonPropertyDescription("PEM certificate (chain)")
        public String cert = "";
        @JsonPropertyDescription("PEM private key of that certificate")
        public String key = "";
        @JsonPropertyDescription("PEM CA bundle the other side's certificate must chain to")
        public String ca = "";

        boolean isSet() {
            return !cert.isBlank() || !key.isBlank() || !ca.isBlank();
        }

        TlsFiles files(String prefix) {
            Checks.readableFile(prefix + ".cert", cert);
            Checks.readableFile(prefix + ".key", key);
            Checks.readableFile(prefix + ".ca", ca);
            return new TlsFiles(Path.of(cert), Path.of(key), Path.of(ca));
        }
    }

    public static class Database {
        @JsonPropertyDescription("jdbc:postgresql://host/db, or empty for the embedded database (H2, one file in dataDir)")
        public String jdbcUrl = "";
        @JsonPropertyDescription("Database user (PostgreSQL)")
        public String user = "";
        @JsonPropertyDescription("Database password; set it with STATUS_DATABASE_PASSWORD or --set, not in the file")
        public String password = "";
    }

    public static class RetentionSection {
        @JsonPropertyDescription("Raw probe results are kept this long")
        public Duration raw = Duration.ofDays(7);
        @JsonPropertyDescription("Minute and day roll-ups (the uptime history) are kept this long; at least raw + 1 day")
        public Duration rollups = Duration.ofDays(400);
        @JsonPropertyDescription("How often old rows are purged")
        public Duration purgeInterval = Duration.ofHours(1);
    }

    public static class Incidents {
        @JsonPropertyDescription("Open an incident automatically after this many consecutive down minutes (0: never)")
        public int openAfter = 2;
        @JsonPropertyDescription("Resolve an automatically opened incident after this many consecutive good minutes")
        public int resolveAfter = 2;
    }

    public static class Admin {
        @JsonPropertyDescription("Admin address (/healthz, /readyz, /metrics, /api); loopback unless opened")
        public String host = "127.0.0.1";
        @JsonPropertyDescription("Admin port; 0 picks a free one")
        public int port = 8081;
        @JsonPropertyDescription("Serve the admin API (/api/incidents, /api/maintenance); needs a bearer token")
        public boolean api = true;
        @JsonPropertyDescription("File holding the admin API's bearer token (one line)")
        public String tokenFile = "";
        @JsonPropertyDescription("The admin API's bearer token itself; set it with STATUS_ADMIN_TOKEN, not in the file")
        public String token = "";
        @JsonPropertyDescription("Largest request body the admin API reads, in bytes")
        public int maxBodyBytes = 65_536;
    }

    /** At least this long, since a shorter token is guessable. */
    static final int MIN_TOKEN = 16;

    /** Absolute links are built from this, so a forged Host header can never end up in a cached body. */
    public java.net.URI publicUri() {
        String u = publicUrl.isBlank() ? "http://" + ("0.0.0.0".equals(listen.host) ? "localhost" : listen.host) + ":" + listen.port + "/" : publicUrl;
        try {
            java.net.URI uri = new java.net.URI(u);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new ConfigException("publicUrl", "must be http(s)://host[:port]/..., got '" + u + "'");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException("publicUrl", "not a URL: '" + u + "'");
        }
    }

    @Override
    public void validate() {
        if (title == null || title.isBlank()) throw new ConfigException("title", "must be set");
        zone();
        if (!probe && !page) throw new ConfigException("probe", "probe and page are both false: this instance would do nothing");
        Checks.positive("refreshInterval", refreshInterval);
        publicUri();
        if (database.jdbcUrl.isBlank()) {
            if (dataDir == null || dataDir.isBlank()) throw new ConfigException("dataDir", "must be set for the embedded database");
        } else if (!database.jdbcUrl.startsWith("jdbc:postgresql:") && !database.jdbcUrl.startsWith("jdbc:h2:")) {
            throw new ConfigException("database.jdbcUrl", "must be jdbc:postgresql://... (or empty for the embedded database)");
        }
        Checks.positive("retention.raw", retention.raw);
        Checks.positive("retention.rollups", retention.rollups);
        Checks.positive("retention.purgeInterval", retention.purgeInterval);
        if (retention.rollups.compareTo(retention.raw.plusDays(1)) < 0) {
            throw new ConfigException("retention.rollups", "must be at least retention.raw + 1 day");
        }
        Checks.atLeast("incidents.openAfter", incidents.openAfter, 0);
        Checks.atLeast("incidents.resolveAfter", incidents.resolveAfter, 1);
        Checks.port("listen.port", listen.port);
        Checks.port("admin.port", admin.port);
        Checks.atLeast("admin.maxBodyBytes", admin.maxBodyBytes, 1024);
        if (page && admin.api) adminToken();
        if (probe) probeConfig();
    }

    public ZoneId zone() {
        try {
            return ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw new ConfigException("zone", "not a time zone: '" + zone + "' (try UTC or Europe/Berlin)");
        }
    }

    public String jdbcUrl() {
        return database.jdbcUrl.isBlank() ? Store.h2Url(Path.of(dataDir)) : database.jdbcUrl;
    }

    public Retention storeRetention() {
        return new Retention(retention.raw, retention.rollups, retention.rollups);
    }

    /** The admin API's token: admin.token, else the first line of admin.tokenFile. */
    public byte[] adminToken() {
        String t = admin.token;
        String key = "admin.token";
        if (t.isBlank() && !admin.tokenFile.isBlank()) {
            key = "admin.tokenFile";
            Checks.readableFile(key, admin.tokenFile);
            try {
                t = Files.readString(Path.of(admin.tokenFile), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ConfigException(key, "cannot read: " + e.getMessage());
            }
        }
        if (t.isBlank()) {
            throw new ConfigException("admin.tokenFile", "the admin API needs a bearer token: set admin.tokenFile or STATUS_ADMIN_TOKEN"
                    + " (or admin.api=false)");
        }
        if (t.length() < MIN_TOKEN) throw new ConfigException(key, "the token must be at least " + MIN_TOKEN + " characters");
        return t.getBytes(StandardCharsets.UTF_8);
    }

    /** The prober's view of this config, validated; the messages name this file's keys. */
    public ProbeConfig probeConfig() {
        List<ProbeConfig.Node> nodes = new ArrayList<>();
        for (int i = 0; i < probes.nodes.size(); i++) {
            Node n = probes.nodes.get(i);
            String key = "probes.nodes[" + i + "]";
            HostPort relay = HostPort.parse(key + ".relay", n.relay);
            URI admin;
            try {
                admin = URI.create(n.admin);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key + ".admin", "not a URL: '" + n.admin + "'");
            }
            nodes.add(new ProbeConfig.Node(n.name, relay, admin));
        }
        boolean canary = !probes.canary.publicAddress.isBlank();
        if (nodes.isEmpty() && !canary) {
            throw new ConfigException("probes.nodes", "list the beacon nodes to probe (or set probe=false on a page-only instance)");
        }
        ProbeConfig.Canary c = canary ? new ProbeConfig.Canary(HostPort.parse("probes.canary.publicAddress",
                probes.canary.publicAddress), probes.canary.bridge) : null;
        if (!probes.wrapper.isSet()) throw new ConfigException("probes.wrapper.cert", "the status page's wrapper certificate must be set");
        ProbeConfig.Identities tls = new ProbeConfig.Identities(probes.wrapper.files("probes.wrapper"),
                optional(probes.innerWrapper, "probes.innerWrapper"), optional(probes.bridge, "probes.bridge"),
                optional(probes.innerBridge, "probes.innerBridge"));
        ProbeConfig config = new ProbeConfig(location, nodes, c,
                new ProbeConfig.Timing(probes.interval, probes.timeout, probes.degradedAbove, probes.retryDelay), tls);
        try {
            return config.validate();
        } catch (ConfigException e) {
            // ProbeConfig names its keys probe.*; say them as this file does
            String key = e.key() == null ? null : e.key().replaceFirst("^probe\\.location", "location")
                    .replaceFirst("^probe\\.tls\\.", "probes.").replaceFirst("^probe\\.", "probes.");
            String m = e.getMessage().replaceFirst("^config key '[^']*': ", "");
            throw new ConfigException(key, m);
        }
    }

    private static TlsFiles optional(Certificate c, String prefix) {
        return c.isSet() ? c.files(prefix) : null;
    }
}
