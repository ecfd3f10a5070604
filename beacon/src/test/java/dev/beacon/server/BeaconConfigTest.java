package dev.beacon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.config.ConfigException;
import dev.beacon.config.ConfigLoader;
import dev.beacon.protocol.Protocol;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeaconConfigTest {

    @TempDir
    static Path dir;
    static TlsFiles node;

    @BeforeAll
    static void pki() {
        node = TestPki.create(dir.resolve("pki")).node("n1");
    }

    private static String tlsSection(String cert) {
        return "tls:\n"
                + "  cert: '" + cert + "'\n"
                + "  key: '" + node.key() + "'\n"
                + "  ca: '" + node.ca() + "'\n";
    }

    private static Path yaml(String name, String text) throws IOException {
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, text);
        return f;
    }

    private static BeaconConfig load(Path file, Map<String, String> env, Map<String, String> sets) {
        return ConfigLoader.load(BeaconConfig.class, file, "BEACON", env, sets);
    }

    private static ConfigException fails(Path file, Map<String, String> env, Map<String, String> sets) {
        return assertThrows(ConfigException.class, () -> load(file, env, sets));
    }

    private static void assertNames(ConfigException e, String key) {
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void validConfigLoadsWithDefaultsForTheRest() throws IOException {
        Path f = yaml("valid", "relay:\n  port: 18443\nlimits:\n  idleTimeout: 90s\n" + tlsSection(node.cert().toString()));
        BeaconConfig c = load(f, Map.of(), Map.of());
        assertEquals(18443, c.relay.port);
        assertEquals("0.0.0.0", c.relay.host, "host keeps its default when only the port is set");
        assertEquals(Duration.ofSeconds(90), c.limits.idleTimeout);
        assertEquals(node.cert().toString(), c.tls.cert);
        assertEquals(node.key().toString(), c.tls.key);
        assertEquals(node.ca().toString(), c.tls.ca);
        assertEquals(9090, c.admin.port);
        assertEquals("127.0.0.1", c.admin.host, "/bridges lists every tenant's bridges: the admin port is loopback unless opened");
        assertEquals(Protocol.DEFAULT_MAX_FRAME_BYTES, c.limits.maxFrameBytes);
        assertEquals(Duration.ofSeconds(10), c.limits.handshakeTimeout);
        assertEquals(4, c.bridges.poolSize);
    }

    @Test
    void noFileAtAllWorksFromSetsAlone() {
        Map<String, String> sets = new LinkedHashMap<>();
        sets.put("tls.cert", node.cert().toString());
        sets.put("tls.key", node.key().toString());
        sets.put("tls.ca", node.ca().toString());
        sets.put("relay.port", "0");
        BeaconConfig c = load(null, Map.of(), sets);
        assertEquals(0, c.relay.port);
        assertEquals(8443, new BeaconConfig().relay.port);
    }

    @Test
    void environmentOverridesTheFileAndSetOverridesTheEnvironment() throws IOException {
        Path f = yaml("env", "relay:\n  port: 18443\n" + tlsSection(node.cert().toString()));
        Map<String, String> env = Map.of("BEACON_RELAY_PORT", "19443", "BEACON_LIMITS_IDLE_TIMEOUT", "2m",
                "BEACON_LIMITS_MAX_FRAME_BYTES", "4096", "UNRELATED", "x");
        BeaconConfig c = load(f, env, Map.of());
        assertEquals(19443, c.relay.port);
        assertEquals(Duration.ofMinutes(2), c.limits.idleTimeout);
        assertEquals(4096, c.limits.maxFrameBytes);

        BeaconConfig s = load(f, env, Map.of("relay.port", "20443"));
        assertEquals(20443, s.relay.port, "--set beats the environment");
        assertEquals(Duration.ofMinutes(2), s.limits.idleTimeout);
    }

    @Test
    void environmentCanSupplyTheTlsFiles() throws IOException {
        Path f = yaml("empty", "{}\n");
        BeaconConfig c = load(f, Map.of("BEACON_TLS_CERT", node.cert().toString(), "BEACON_TLS_KEY", node.key().toString(),
                "BEACON_TLS_CA", node.ca().toString()), Map.of());
        assertEquals(node.cert().toString(), c.tls.cert);
    }

    @Test
    void unknownKeyInFileIsNamed() throws IOException {
        Path f = yaml("typo", "limits:\n  idleTimout: 5m\n" + tlsSection(node.cert().toString()));
        assertNames(fails(f, Map.of(), Map.of()), "limits.idleTimout");
    }

    @Test
    void unknownSectionInFileIsNamed() throws IOException {
        Path f = yaml("section", "relays:\n  port: 1\n" + tlsSection(node.cert().toString()));
        assertNames(fails(f, Map.of(), Map.of()), "relays");
    }

    @Test
    void unknownKeyInSetIsNamed() throws IOException {
        Path f = yaml("set-typo", tlsSection(node.cert().toString()));
        ConfigException e = fails(f, Map.of(), Map.of("limits.idleTimout", "5m"));
        assertNames(e, "limits.idleTimout");
        assertTrue(e.getMessage().contains("limits.idleTimeout"), "lists the known keys: " + e.getMessage());
    }

    @Test
    void missingTlsCertIsNamed() throws IOException {
        Path f = yaml("no-cert", "tls:\n  key: '" + node.key() + "'\n  ca: '" + node.ca() + "'\n");
        assertNames(fails(f, Map.of(), Map.of()), "tls.cert");
    }

    @Test
    void tlsCertPointingToMissingFileNamesKeyAndFile() throws IOException {
        Path missing = dir.resolve("nowhere/tls.crt");
        Path f = yaml("missing-cert", tlsSection(missing.toString()));
        ConfigException e = fails(f, Map.of(), Map.of());
        assertNames(e, "tls.cert");
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void portOutOfRangeIsNamed() throws IOException {
        Path f = yaml("port", "relay:\n  port: 70000\n" + tlsSection(node.cert().toString()));
        ConfigException e = fails(f, Map.of(), Map.of());
        assertNames(e, "relay.port");
        assertTrue(e.getMessage().contains("70000"), e.getMessage());
        assertNames(fails(f, Map.of(), Map.of("relay.port", "443", "admin.port", "-1")), "admin.port");
    }

    @Test
    void nonNumericPortIsNamed() throws IOException {
        Path f = yaml("port-text", tlsSection(node.cert().toString()));
        assertNames(fails(f, Map.of("BEACON_RELAY_PORT", "https"), Map.of()), "relay.port");
    }

    @Test
    void badDurationIsNamed() throws IOException {
        Path f = yaml("duration", tlsSection(node.cert().toString()));
        ConfigException e = fails(f, Map.of("BEACON_LIMITS_IDLE_TIMEOUT", "soon"), Map.of());
        assertNames(e, "limits.idleTimeout");
        assertTrue(e.getMessage().contains("soon"), e.getMessage());
        assertNames(fails(f, Map.of(), Map.of("limits.idleTimeout", "0s")), "limits.idleTimeout");
    }

    @Test
    void maxFrameBytesOutOfRangeIsNamed() throws IOException {
        Path f = yaml("frame", "limits:\n  maxFrameBytes: 100\n" + tlsSection(node.cert().toString()));
        assertNames(fails(f, Map.of(), Map.of()), "limits.maxFrameBytes");
        assertNames(fails(f, Map.of(), Map.of("limits.maxFrameBytes", String.valueOf(Protocol.DEFAULT_MAX_FRAME_BYTES + 1))),
                "limits.maxFrameBytes");
        assertEquals(256, load(f, Map.of(), Map.of("limits.maxFrameBytes", "256")).limits.maxFrameBytes);
    }

    @Test
    void idlePoolSmallerThanPoolSizeIsNamed() throws IOException {
        Path f = yaml("pool", "bridges:\n  poolSize: 8\nlimits:\n  maxIdleDataConnectionsPerBridge: 4\n" + tlsSection(node.cert().toString()));
        assertNames(fails(f, Map.of(), Map.of()), "limits.maxIdleDataConnectionsPerBridge");
    }

    @Test
    void missingConfigFileIsReported() {
        Path nope = dir.resolve("nope.yaml");
        ConfigException e = fails(nope, Map.of(), Map.of());
        assertEquals("config file not found: " + nope, e.getMessage());
    }

    @Test
    void controlConnectionsPerBridgeMustBePositive() throws IOException {
        Path f = yaml("controls", tlsSection(node.cert().toString()));
        assertEquals(8, load(f, Map.of(), Map.of()).limits.maxControlConnectionsPerBridge);
        assertNames(fails(f, Map.of(), Map.of("limits.maxControlConnectionsPerBridge", "0")), "limits.maxControlConnectionsPerBridge");
        assertEquals(2, load(f, Map.of("BEACON_LIMITS_MAX_CONTROL_CONNECTIONS_PER_BRIDGE", "2"), Map.of()).limits.maxControlConnectionsPerBridge);
    }

    @Test
    void everyListedKeyHasAnEnvironmentVariableThatWorks() throws IOException {
        Path f = yaml("keys", tlsSection(node.cert().toString()));
        Map<String, String> keys = ConfigLoader.keys(BeaconConfig.class);
        assertTrue(keys.containsKey("limits.idleTimeout"));
        assertEquals("5m", keys.get("limits.idleTimeout"));
        assertEquals("BEACON_LIMITS_IDLE_TIMEOUT", ConfigLoader.envName("BEACON", "limits.idleTimeout"));
        // Feeding every default back through its environment variable must load unchanged.
        Map<String, String> env = new LinkedHashMap<>();
        keys.forEach((k, v) -> {
            if (!k.startsWith("tls.") || k.equals("tls.reloadInterval")) env.put(ConfigLoader.envName("BEACON", k), v);
        });
        BeaconConfig c = load(f, env, Map.of());
        assertEquals(8443, c.relay.port);
        assertEquals(Duration.ofMillis(200), c.drain.reconnectHint);
    }

    @Test
    void proxyProtocolIsOffByDefaultAndTakesRangesFromEnvironmentOrFlags() throws IOException {
        Path f = yaml("proxy-default", tlsSection(node.cert().toString()));
        BeaconConfig c = load(f, Map.of(), Map.of());
        assertEquals(false, c.relay.proxyProtocol.enabled);
        assertEquals(java.util.List.of(), c.relay.proxyProtocol.trustedSources);
        c = load(f, Map.of("BEACON_RELAY_PROXY_PROTOCOL_ENABLED", "true",
                "BEACON_RELAY_PROXY_PROTOCOL_TRUSTED_SOURCES", "10.0.0.0/8, fd00::/8,192.0.2.7"), Map.of());
        assertTrue(c.relay.proxyProtocol.enabled);
        assertEquals(java.util.List.of("10.0.0.0/8", "fd00::/8", "192.0.2.7"), c.relay.proxyProtocol.trustedSources);
        TrustedSources t = TrustedSources.parse("k", c.relay.proxyProtocol.trustedSources);
        assertTrue(t.contains(new java.net.InetSocketAddress("10.200.3.4", 1)));
        assertTrue(t.contains(new java.net.InetSocketAddress("fd12::1", 1)));
        assertTrue(t.contains(new java.net.InetSocketAddress("192.0.2.7", 1)));
        assertEquals(false, t.contains(new java.net.InetSocketAddress("192.0.2.8", 1)));
        assertEquals(false, t.contains(new java.net.InetSocketAddress("11.0.0.1", 1)));
        assertEquals(false, t.contains(new java.net.InetSocketAddress("fe80::1", 1)));
        Path y = yaml("proxy-yaml", "relay:\n  proxyProtocol:\n    enabled: true\n    trustedSources: [\"10.1.0.0/16\"]\n"
                + tlsSection(node.cert().toString()));
        assertEquals(java.util.List.of("10.1.0.0/16"), load(y, Map.of(), Map.of()).relay.proxyProtocol.trustedSources);
        assertTrue(ConfigLoader.descriptions(BeaconConfig.class).get("relay.proxyProtocol.trustedSources").contains("CIDR"));
    }

    @Test
    void proxyProtocolEnabledWithoutRangesIsRefusedSayingSo() throws IOException {
        Path f = yaml("proxy-empty", "relay:\n  proxyProtocol:\n    enabled: true\n" + tlsSection(node.cert().toString()));
        ConfigException e = fails(f, Map.of(), Map.of());
        assertNames(e, "relay.proxyProtocol.trustedSources");
        assertTrue(e.getMessage().contains("is empty") && e.getMessage().contains("relay.proxyProtocol.enabled"), e.getMessage());
    }

    @Test
    void aTrustedSourceThatIsNoCidrRangeIsNamedEvenWhileDisabled() throws IOException {
        Path f = yaml("proxy-bad", tlsSection(node.cert().toString()));
        for (String bad : new String[] {"lb.internal", "10.0.0.0/33", "fd00::/129", "10.0.0/8", "10.0.0.0/x", "10.0.0.0/-1"}) {
            ConfigException e = fails(f, Map.of(), Map.of("relay.proxyProtocol.trustedSources", "10.0.0.0/8," + bad));
            assertNames(e, "relay.proxyProtocol.trustedSources[1]");
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
