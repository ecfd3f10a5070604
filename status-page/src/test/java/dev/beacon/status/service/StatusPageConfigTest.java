package dev.beacon.status.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.config.ConfigException;
import dev.beacon.config.ConfigLoader;
import dev.beacon.runtime.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusPageConfigTest {
    @TempDir
    Path dir;

    private StatusPageConfig load(Map<String, String> env, String... sets) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String s : sets) m.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
        return ConfigLoader.load(StatusPageConfig.class, null, "STATUS", env, m);
    }

    @Test
    void theDefaultsAreValidOnceATokenIsGivenAndProbingIsOff() {
        StatusPageConfig c = load(Map.of("STATUS_ADMIN_TOKEN", "0123456789abcdef0123"), "probe=false");
        assertEquals(Duration.ofSeconds(30), c.probes.interval);
        assertEquals(Duration.ofSeconds(5), c.probes.timeout);
        assertEquals(8080, c.listen.port);
        assertEquals("127.0.0.1", c.admin.host);
        assertEquals(8081, c.admin.port);
        assertEquals(Duration.ofDays(7), c.storeRetention().raw());
        assertEquals(Duration.ofDays(400), c.storeRetention().minutes());
        assertEquals("UTC", c.zone().getId());
        assertTrue(c.jdbcUrl().startsWith("jdbc:h2:file:"));
        assertTrue(c.page);
    }

    @Test
    void theTokenComesFromAFile() throws Exception {
        Path f = Files.writeString(dir.resolve("token"), "0123456789abcdef0123\n");
        assertEquals("0123456789abcdef0123", new String(load(Map.of(), "probe=false", "admin.tokenFile=" + f).adminToken()));
    }

    @Test
    void errorsNameTheKey() {
        assertEquals("admin.tokenFile", assertThrows(ConfigException.class, () -> load(Map.of(), "probe=false")).key());
        assertEquals("admin.token", assertThrows(ConfigException.class, () -> load(Map.of(), "probe=false", "admin.token=short")).key());
        assertEquals("zone", assertThrows(ConfigException.class, () -> load(Map.of(), "probe=false", "admin.api=false",
                "zone=Mars/Olympus")).key());
        assertEquals("probes.nodes", assertThrows(ConfigException.class, () -> load(Map.of(), "admin.api=false")).key());
        assertEquals("probes.wrapper.cert", assertThrows(ConfigException.class, () -> load(Map.of(), "admin.api=false",
                "probes.nodes=n1 127.0.0.1:8443 http://127.0.0.1:9090")).key());
        assertEquals("probes.nodes[0].relay", assertThrows(ConfigException.class, () -> load(Map.of(), "admin.api=false",
                "probes.nodes=n1 nowhere http://127.0.0.1:9090")).key());
        assertEquals("retention.rollups", assertThrows(ConfigException.class, () -> load(Map.of(), "probe=false", "admin.api=false",
                "retention.rollups=3d")).key());
        assertEquals("database.jdbcUrl", assertThrows(ConfigException.class, () -> load(Map.of(), "probe=false", "admin.api=false",
                "database.jdbcUrl=jdbc:mysql://db/status")).key());
        assertEquals("probe", assertThrows(ConfigException.class, () -> load(Map.of(), "probe=false", "page=false")).key());
        assertEquals("listen.port", assertThrows(ConfigException.class, () -> load(Map.of(), "probe=false", "admin.api=false",
                "listen.port=70000")).key());
    }

    @Test
    void thePasswordComesFromTheEnvironment() {
        StatusPageConfig c = load(Map.of("STATUS_DATABASE_PASSWORD", "s3cret", "STATUS_DATABASE_JDBC_URL", "jdbc:postgresql://db/status"),
                "probe=false", "admin.api=false");
        assertEquals("s3cret", c.database.password);
        assertEquals("jdbc:postgresql://db/status", c.jdbcUrl());
    }

    @Test
    void everyKeyHasADescriptionInListKeys() {
        Map<String, String> described = ConfigLoader.descriptions(StatusPageConfig.class);
        for (String key : ConfigLoader.keys(StatusPageConfig.class).keySet()) {
            assertTrue(described.containsKey(key), "no description for " + key);
        }
        String listed = Cli.listKeys(StatusPageConfig.class, "STATUS");
        assertTrue(listed.contains("STATUS_DATABASE_PASSWORD"), listed);
        assertTrue(listed.contains("probes.interval"), listed);
    }
}
