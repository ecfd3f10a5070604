package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.bridge.Bridge;
import dev.beacon.bridge.BridgeConfig;
import dev.beacon.server.BeaconNode;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same scenarios against a REAL OpenBao (or Vault) when BAO_ADDR is set; skipped otherwise.
 *
 * <pre>
 * BAO_ADDR=https://bao-0:8200,https://bao-1:8200,https://bao-2:8200   every node's API address (one is fine)
 * BAO_TOKEN=...        a token that may write secret/ (KV v2) and, for the step-down scenario, sys/step-down
 * BAO_CACERT=ca.pem    the CA of OpenBao's server certificates (optional for http://)
 * BAO_STEP_DOWN=1      also step the active node down while reading (needs sudo on sys/step-down)
 * ./mvnw -B -DskipTests install && ./mvnw -B -pl bridge verify -Dit.test=RealOpenBaoIT -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@EnabledIfEnvironmentVariable(named = "BAO_ADDR", matches = ".+")
class RealOpenBaoIT {
    @TempDir
    Path dir;

    @Test
    void readsAndWritesThroughTheRelayAndSurviveAStepDown() throws Exception {
        List<String> addrs = Arrays.stream(System.getenv("BAO_ADDR").split(",")).map(String::trim).toList();
        String token = System.getenv().getOrDefault("BAO_TOKEN", System.getenv().getOrDefault("VAULT_TOKEN", ""));
        TestPki pki = TestPki.create(dir);
        try (BeaconNode node = Stack.startNode(pki.node("n1"), bc -> { })) {
            BridgeConfig c = Stack.bridgeConfig(pki, List.of("localhost:" + node.relayAddress().getPort()), "");
            c.openbao.addresses = addrs;
            if (System.getenv("BAO_CACERT") != null) c.openbao.ca = System.getenv("BAO_CACERT");
            c.validate();
            try (Bridge bridge = new Bridge(c).start()) {
                Await.until("bridge ready against the real OpenBao", Duration.ofSeconds(30), bridge::ready);
                WrapperClient w = Stack.wrapperOf(pki, "localhost:" + node.relayAddress().getPort(), "real", Duration.ofSeconds(10));
                String path = "beacon-it/" + System.nanoTime();
                assertEquals(200, call(w, token, "POST", "/v1/secret/data/" + path, "{\"data\":{\"k\":\"v\"}}").status());
                HttpExchange.Response read = call(w, token, "GET", "/v1/secret/data/" + path, null);
                assertEquals(200, read.status(), read.bodyText());
                assertTrue(read.bodyText().contains("\"k\":\"v\""));
                assertEquals(200, call(w, token, "GET", "/v1/sys/health", null).status());

                if ("1".equals(System.getenv("BAO_STEP_DOWN"))) {
                    AtomicBoolean stop = new AtomicBoolean();
                    AtomicInteger ok = new AtomicInteger();
                    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
                    Thread reader = new Thread(() -> {
                        while (!stop.get()) {
                            try {
                                if (call(w, token, "GET", "/v1/secret/data/" + path, null).status() == 200) ok.incrementAndGet();
                                else failures.add("non-200");
                            } catch (Exception e) {
                                failures.add(e.toString());
                            }
                        }
                    });
                    reader.start();
                    Await.until("reads flowing", Duration.ofSeconds(30), () -> ok.get() > 10);
                    // step down the active node directly (not through the relay): the one whose health says 200
                    HttpClient http = HttpClient.newBuilder().sslContext(caContext()).build();
                    for (String a : addrs) {
                        int health = http.send(HttpRequest.newBuilder(URI.create(a + "/v1/sys/health")).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode();
                        if (health != 200) continue;
                        http.send(HttpRequest.newBuilder(URI.create(a + "/v1/sys/step-down")).header("X-Vault-Token", token)
                                .header("X-Vault-No-Request-Forwarding", "true")
                                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
                        break;
                    }
                    int before = ok.get();
                    Await.until("reads continue after the step-down", Duration.ofSeconds(60), () -> ok.get() > before + 20);
                    stop.set(true);
                    reader.join();
                    assertEquals(List.of(), failures, "no read failed across the step-down");
                }
            }
        }
    }

    /** Trust for the direct step-down call: BAO_CACERT when set, the JVM's default otherwise. */
    private static javax.net.ssl.SSLContext caContext() throws Exception {
        String ca = System.getenv("BAO_CACERT");
        if (ca == null) return javax.net.ssl.SSLContext.getDefault();
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, dev.beacon.tls.JdkTls.trust(dev.beacon.tls.Pem.certificates(Path.of(ca))).getTrustManagers(), null);
        return ctx;
    }

    private static HttpExchange.Response call(WrapperClient w, String token, String method, String path, String body) throws Exception {
        try (WrapperStream s = w.open(Stack.BRIDGE)) {
            return HttpExchange.send(s, method, path, Map.of("X-Vault-Token", token),
                    body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        }
    }
}
