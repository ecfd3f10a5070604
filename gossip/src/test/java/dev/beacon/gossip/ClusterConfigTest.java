package dev.beacon.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.config.ConfigException;
import dev.beacon.config.ConfigLoader;
import dev.beacon.config.Validated;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ClusterConfigTest {

    /** How a component embeds the block. */
    public static class Root implements Validated {
        public ClusterConfig cluster = new ClusterConfig();

        @Override
        public void validate() {
            cluster.validate("cluster");
        }
    }

    @Test
    void defaultsAreValid() {
        new ClusterConfig().validate("cluster");
        ClusterConfig c = new ClusterConfig();
        assertEquals(Presence.CURRENT_VERSION, c.protocolVersion);
        assertEquals(7946, c.port);
    }

    @Test
    void everyBadValueNamesItsKey() {
        assertKey("cluster.host", c -> c.host = " ");
        assertKey("cluster.port", c -> c.port = 70000);
        assertKey("cluster.port", c -> c.port = -1);
        assertKey("cluster.advertiseHost", c -> c.advertiseHost = "beacon-0:7946");
        assertKey("cluster.peers[1]", c -> c.peers = List.of("a:1", "b"));
        assertKey("cluster.peers[0]", c -> c.peers = List.of("a:0"));
        assertKey("cluster.peersDns", c -> c.peersDns = "beacon-headless");
        assertKey("cluster.clusterName", c -> c.clusterName = "");
        assertKey("cluster.probeInterval", c -> c.probeInterval = Duration.ZERO);
        assertKey("cluster.probeTimeout", c -> c.probeTimeout = Duration.ofMillis(-1));
        assertKey("cluster.failureTimeout", c -> c.failureTimeout = Duration.ofMillis(300));
        assertKey("cluster.gossipInterval", c -> c.gossipInterval = null);
        assertKey("cluster.antiEntropyInterval", c -> c.antiEntropyInterval = Duration.ZERO);
        assertKey("cluster.protocolVersion", c -> c.protocolVersion = 3);
        assertKey("cluster.maxPendingHandshakesPerSource", c -> c.maxPendingHandshakesPerSource = 0);
        assertKey("cluster.handshakeTimeout", c -> c.handshakeTimeout = Duration.ZERO);
        // IPv6 literals are hosts, not host:port
        ClusterConfig v6 = new ClusterConfig();
        v6.advertiseHost = "fd00::1";
        v6.validate("cluster");
    }

    @Test
    void bindsFromYamlEnvironmentAndFlags() {
        Map<String, String> keys = ConfigLoader.keys(Root.class);
        assertEquals("200ms", keys.get("cluster.probeInterval"));
        assertTrue(keys.keySet().containsAll(List.of("cluster.enabled", "cluster.host", "cluster.port", "cluster.advertiseHost",
                "cluster.peers", "cluster.peersDns", "cluster.clusterName", "cluster.failureTimeout", "cluster.protocolVersion")), keys.toString());
        assertEquals(15, keys.size(), "only the public fields are keys: " + keys.keySet());
        assertEquals("32", keys.get("cluster.maxPendingHandshakesPerSource"));
        assertEquals("3s", keys.get("cluster.handshakeTimeout"));
        assertTrue(ConfigLoader.descriptions(Root.class).get("cluster.maxPendingHandshakesPerSource").contains("TLS handshake"));

        Root r = ConfigLoader.load(Root.class, null, "BEACON",
                Map.of("BEACON_CLUSTER_PEERS", "beacon-1:7946, beacon-2:7946", "BEACON_CLUSTER_ENABLED", "true"),
                Map.of("cluster.probeInterval", "50ms", "cluster.peersDns", "beacon-headless:7946"));
        assertTrue(r.cluster.enabled);
        assertEquals(List.of("beacon-1:7946", "beacon-2:7946"), r.cluster.peers);
        assertEquals(Duration.ofMillis(50), r.cluster.probeInterval);
        assertEquals("beacon-headless:7946", r.cluster.peersDns);

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Root.class, null, "BEACON", Map.of(),
                Map.of("cluster.protocolVersion", "7")));
        assertEquals("cluster.protocolVersion", e.key());
    }

    private static void assertKey(String key, Consumer<ClusterConfig> change) {
        ClusterConfig c = new ClusterConfig();
        change.accept(c);
        ConfigException e = assertThrows(ConfigException.class, () -> c.validate("cluster"));
        assertEquals(key, e.key(), e.getMessage());
    }
}
