package dev.beacon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    /** A small typed config: a top-level string and list, and a nested section with an int and a duration. */
    public static class TestConfig implements Validated {
        public String name = "beacon";
        public Server server = new Server();
        public List<String> tenants = new ArrayList<>(List.of("acme"));

        @Override
        public void validate() {
            if (server.port < 1 || server.port > 65535) {
                throw new ConfigException("server.port", "must be between 1 and 65535, got " + server.port);
            }
            if (tenants.isEmpty()) throw new ConfigException("tenants", "at least one tenant is required");
        }
    }

    public static class Server {
        public int port = 8443;
        public Duration idleTimeout = Duration.ofSeconds(30);
        @com.fasterxml.jackson.annotation.JsonPropertyDescription("Connections served at once")
        public int maxConnections = 100;
    }

    static final String PREFIX = "BEACON";

    @TempDir
    Path dir;

    private static TestConfig load(Path file, Map<String, String> env, Map<String, String> sets) {
        return ConfigLoader.load(TestConfig.class, file, PREFIX, env, sets);
    }

    private Path yaml(String text) throws Exception {
        return Files.writeString(dir.resolve("config.yaml"), text);
    }

    @Test
    void defaultsLoadWithoutAFile() {
        TestConfig c = load(null, Map.of(), Map.of());
        assertEquals("beacon", c.name);
        assertEquals(8443, c.server.port);
        assertEquals(Duration.ofSeconds(30), c.server.idleTimeout);
        assertEquals(100, c.server.maxConnections);
        assertEquals(List.of("acme"), c.tenants);
    }

    @Test
    void keysListsEverySettableKeyWithItsDefault() {
        Map<String, String> keys = ConfigLoader.keys(TestConfig.class);
        assertEquals(List.of("name", "server.port", "server.idleTimeout", "server.maxConnections", "tenants"),
                List.copyOf(keys.keySet()));
        assertEquals("8443", keys.get("server.port"));
        assertEquals("30s", keys.get("server.idleTimeout"));
        assertEquals("beacon", keys.get("name"));
    }

    @Test
    void descriptionsComeFromTheFieldsAnnotations() {
        assertEquals(Map.of("server.maxConnections", "Connections served at once"), ConfigLoader.descriptions(TestConfig.class));
    }

    /** One section class used twice, as the beacon's relay and admin addresses are. */
    public static class DescribedTwice {
        @com.fasterxml.jackson.annotation.JsonPropertyDescription("Relay port")
        public DescribedListener relay = new DescribedListener();
        @com.fasterxml.jackson.annotation.JsonPropertyDescription("Admin port")
        public DescribedListener admin = new DescribedListener();
    }

    public static class DescribedListener {
        @com.fasterxml.jackson.annotation.JsonPropertyDescription("Address to listen on")
        public String host = "127.0.0.1";
        @com.fasterxml.jackson.annotation.JsonPropertyDescription("TCP port")
        public int port = 0;
    }

    @Test
    void aSharedSectionsKeysAreLedByTheSectionsDescription() {
        Map<String, String> d = ConfigLoader.descriptions(DescribedTwice.class);
        assertEquals("Relay port: address to listen on", d.get("relay.host"));
        assertEquals("Admin port: address to listen on", d.get("admin.host"));
        assertEquals("Admin port: TCP port", d.get("admin.port"));
    }

    @Test
    void yamlValuesApply() throws Exception {
        Path f = yaml("""
                name: relay-1
                server:
                  port: 9443
                  idleTimeout: 250ms
                tenants: [acme, globex]
                """);
        TestConfig c = load(f, Map.of(), Map.of());
        assertEquals("relay-1", c.name);
        assertEquals(9443, c.server.port);
        assertEquals(Duration.ofMillis(250), c.server.idleTimeout);
        assertEquals(100, c.server.maxConnections, "a key the file does not mention keeps its default");
        assertEquals(List.of("acme", "globex"), c.tenants);
    }

    @Test
    void isoDurationsAreAccepted() throws Exception {
        TestConfig c = load(yaml("server:\n  idleTimeout: PT2M\n"), Map.of(), Map.of());
        assertEquals(Duration.ofMinutes(2), c.server.idleTimeout);
    }

    @Test
    void emptyFileMeansDefaults() throws Exception {
        TestConfig c = load(yaml(""), Map.of(), Map.of());
        assertEquals(8443, c.server.port);
    }

    @Test
    void envNamesFollowTheKey() {
        assertEquals("BEACON_SERVER_IDLE_TIMEOUT", ConfigLoader.envName(PREFIX, "server.idleTimeout"));
        assertEquals("BEACON_SERVER_MAX_CONNECTIONS", ConfigLoader.envName(PREFIX, "server.maxConnections"));
        assertEquals("BEACON_TENANTS", ConfigLoader.envName(PREFIX, "tenants"));
    }

    @Test
    void environmentOverridesTheFile() throws Exception {
        Path f = yaml("server:\n  port: 9443\n  idleTimeout: 5s\n");
        Map<String, String> env = Map.of(
                "BEACON_SERVER_IDLE_TIMEOUT", "5m",
                "BEACON_SERVER_MAX_CONNECTIONS", "7",
                "BEACON_TENANTS", "acme, globex,initech",
                "BEACON_UNRELATED", "ignored",
                "PATH", "/usr/bin");
        TestConfig c = load(f, env, Map.of());
        assertEquals(9443, c.server.port, "the file's value where no variable is set");
        assertEquals(Duration.ofMinutes(5), c.server.idleTimeout);
        assertEquals(7, c.server.maxConnections);
        assertEquals(List.of("acme", "globex", "initech"), c.tenants);
    }

    @Test
    void setFlagsOverrideTheEnvironment() throws Exception {
        Path f = yaml("server:\n  idleTimeout: 5s\n");
        Map<String, String> env = Map.of("BEACON_SERVER_IDLE_TIMEOUT", "5m", "BEACON_NAME", "from-env");
        Map<String, String> sets = new LinkedHashMap<>();
        sets.put("server.idleTimeout", "1h");
        sets.put("tenants", "globex");
        TestConfig c = load(f, env, sets);
        assertEquals(Duration.ofHours(1), c.server.idleTimeout);
        assertEquals("from-env", c.name);
        assertEquals(List.of("globex"), c.tenants);
    }

    @Test
    void unknownYamlKeyIsNamedInFull() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(yaml("server:\n  port: 9443\n  idleTimout: 5s\n"), Map.of(), Map.of()));
        assertEquals("server.idleTimout", e.key());
        assertTrue(e.getMessage().contains("server.idleTimout"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown key"), e.getMessage());

        e = assertThrows(ConfigException.class, () -> load(yaml("servr:\n  port: 9443\n"), Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("'servr'"), e.getMessage());
    }

    @Test
    void unknownSetKeyIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(null, Map.of(), Map.of("server.prot", "9443")));
        assertEquals("server.prot", e.key());
        assertTrue(e.getMessage().contains("server.prot"), e.getMessage());
        assertTrue(e.getMessage().contains("server.port"), "lists the known keys: " + e.getMessage());
        // a section is not itself a settable key
        e = assertThrows(ConfigException.class, () -> load(null, Map.of(), Map.of("server", "x")));
        assertEquals("server", e.key());
    }

    @ParameterizedTest(name = "{0}={1} via {2}")
    @CsvSource({
        "server.idleTimeout,     ten seconds, file",
        "server.idleTimeout,     ten seconds, env",
        "server.idleTimeout,     ten seconds, set",
        "server.idleTimeout,     10,          file",
        "server.port,            eighty,      file",
        "server.port,            eighty,      env",
        "server.maxConnections,  lots,        set",
    })
    void badValueNamesTheKey(String key, String value, String via) throws Exception {
        Path f = null;
        Map<String, String> env = Map.of();
        Map<String, String> sets = Map.of();
        switch (via) {
            case "file" -> f = yaml("server:\n  " + key.substring("server.".length()) + ": " + value + "\n");
            case "env" -> env = Map.of(ConfigLoader.envName(PREFIX, key), value);
            default -> sets = Map.of(key, value);
        }
        Path file = f;
        Map<String, String> e1 = env;
        Map<String, String> s1 = sets;
        ConfigException e = assertThrows(ConfigException.class, () -> load(file, e1, s1));
        assertEquals(key, e.key());
        assertTrue(e.getMessage().startsWith("config key '" + key + "': invalid value"), e.getMessage());
        assertTrue(e.getMessage().contains(value), "shows the bad value: " + e.getMessage());
    }

    @Test
    void badDurationExplainsTheFormat() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(null, Map.of(), Map.of("server.idleTimeout", "ten seconds")));
        assertTrue(e.getMessage().contains("not a duration: 'ten seconds'"), e.getMessage());
        assertTrue(e.getMessage().contains("10s"), e.getMessage());
    }

    @Test
    void validationErrorsPropagate() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> load(null, Map.of(), Map.of("server.port", "0")));
        assertEquals("server.port", e.key());
        assertEquals("config key 'server.port': must be between 1 and 65535, got 0", e.getMessage());

        e = assertThrows(ConfigException.class, () -> load(yaml("tenants: []\n"), Map.of(), Map.of()));
        assertEquals("tenants", e.key());

        e = assertThrows(ConfigException.class, () -> load(null, Map.of("BEACON_TENANTS", " , "), Map.of()));
        assertEquals("tenants", e.key());
    }

    @Test
    void missingConfigFileIsNamed() {
        Path missing = dir.resolve("etc/beacon.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> load(missing, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
        // a directory is not a config file either
        e = assertThrows(ConfigException.class, () -> load(dir, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void malformedYamlIsNamed() throws Exception {
        Path f = yaml("server:\n  port: [9443\n");
        ConfigException e = assertThrows(ConfigException.class, () -> load(f, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("cannot parse " + f), e.getMessage());
    }

    @Test
    void noPublicConstructorIsAProgrammingError() {
        assertThrows(IllegalStateException.class,
                () -> ConfigLoader.load(NoDefaults.class, null, PREFIX, Map.of(), Map.of()));
    }

    public static class NoDefaults implements Validated {
        public int x;

        public NoDefaults(int x) {
            this.x = x;
        }

        @Override
        public void validate() {
        }
    }

    // ---- bugs: enable when fixed ----

    /** Two sections of one type whose defaults come from the parent, as a real config would write them. */
    public static class TwoListeners implements Validated {
        public Listener outer = new Listener(8443);
        public Listener health = new Listener(8080);

        @Override
        public void validate() {
        }
    }

    public static class Listener {
        public int port;
        public Duration idleTimeout = Duration.ofSeconds(30);

        public Listener() {
        }

        Listener(int port) {
            this.port = port;
        }
    }

    /** Fails against 554faa8 (readerForUpdating replaced whole sections); passes with the overlay merge in ConfigLoader. */
    @Test
    void settingOneKeyOfASectionKeepsItsOtherDefaults() throws Exception {
        assertEquals("8443", ConfigLoader.keys(TwoListeners.class).get("outer.port"));
        TwoListeners viaFile = ConfigLoader.load(TwoListeners.class, yaml("outer:\n  idleTimeout: 5s\n"), PREFIX, Map.of(), Map.of());
        assertEquals(Duration.ofSeconds(5), viaFile.outer.idleTimeout);
        assertEquals(8443, viaFile.outer.port);
        TwoListeners viaEnv = ConfigLoader.load(TwoListeners.class, null, PREFIX, Map.of("BEACON_OUTER_IDLE_TIMEOUT", "1m"), Map.of());
        assertEquals(8443, viaEnv.outer.port);
        TwoListeners viaSet = ConfigLoader.load(TwoListeners.class, null, PREFIX, Map.of(), Map.of("health.idleTimeout", "1m"));
        assertEquals(8080, viaSet.health.port);
    }

    @Test
    void emptySectionKeepsDefaults() throws Exception {
        TestConfig c = load(yaml("server:\n#  port: 9443\n"), Map.of(), Map.of());
        assertNotNull(c.server);
        assertEquals(8443, c.server.port);
    }

    @Test
    void fileThatIsNotAMappingIsRefused() throws Exception {
        Path typo = yaml("server.port 9443\n");
        ConfigException e = assertThrows(ConfigException.class, () -> load(typo, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains(typo.toString()), e.getMessage());
        Path list = yaml("- server\n- port\n");
        assertThrows(ConfigException.class, () -> load(list, Map.of(), Map.of()));
    }
}
