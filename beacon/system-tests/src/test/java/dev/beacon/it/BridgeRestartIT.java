package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.bridge.Bridge;
import dev.beacon.bridge.BridgeConfig;
import dev.beacon.bridge.openbao.sim.OpenBaoSimulator;
import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three beacon node processes, a simulated OpenBao cluster, and a bridge that is stopped and started again. */
class BridgeRestartIT {
    @TempDir
    Path dir;

    @Test
    void aRestartedBridgeHoldsEveryNodeAgainAndTheNextRequestSucceeds() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll()) {
            OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
            o.tls = h.pki.node("openbao");
            o.seed = Map.of("app/config", Map.of("password", "s3cr3t"));
            try (OpenBaoSimulator bao = OpenBaoSimulator.start(o)) {
                bao.awaitActive(Duration.ofSeconds(10));
                BridgeConfig c = Stack.bridgeConfig(h.pki, List.of(h.node(0).relay()), "");
                c.openbao.addresses = bao.addresses();
                c.openbao.ca = o.tls.ca().toString();
                Bridge first = new Bridge(c).start();
                Await.until("first bridge holds 3 nodes", Duration.ofSeconds(30), () -> first.connectedNodes().size() == 3);
                read(h);
                first.close();
                Await.until("every node saw the bridge go", Duration.ofSeconds(30), () -> h.nodes.stream().allMatch(n -> {
                    try {
                        return !n.json("/bridges").toString().contains(Stack.BRIDGE);
                    } catch (Exception e) {
                        return false;
                    }
                }));
                long t0 = System.nanoTime();
                Bridge second = new Bridge(c).start();
                h.bridge = second; // closed by the harness
                Await.until("restarted bridge holds 3 nodes", Duration.ofSeconds(30), () -> second.connectedNodes().size() == 3);
                long held = (System.nanoTime() - t0) / 1_000_000;
                read(h);
                System.out.printf("bridge restart: back on all 3 beacon nodes %d ms after start%n", held);
                assertTrue(held < 10_000);
            }
        }
    }

    private static void read(ClusterHarness h) throws Exception {
        for (NodeProcess n : h.nodes) {
            try (WrapperStream s = h.wrapper("after-restart", List.of(n), Duration.ofSeconds(10)).open(Stack.BRIDGE)) {
                HttpExchange.Response r = HttpExchange.send(s, "GET", "/v1/secret/data/app/config", Map.of("X-Vault-Token", "root"), null);
                assertEquals(200, r.status(), r.bodyText());
                assertTrue(r.bodyText().contains("s3cr3t"));
            }
        }
    }
}
