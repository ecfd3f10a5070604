package dev.beacon.status.probe;

import dev.beacon.status.Status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.splice.Transport;
import dev.beacon.tls.Pem;
import dev.beacon.tls.testing.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each probe against a real, healthy beacon node (and the canary through it), as the status page sees it. */
class NodeProbesTest {
    @TempDir
    static Path dir;
    static TestBeacon beacon;
    static EventLoopGroup group;
    static ExecutorService blocking;

    @BeforeAll
    static void start() throws Exception {
        beacon = new TestBeacon(dir);
        group = Transport.group(1, "test-probe");
        blocking = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stop() {
        beacon.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        blocking.shutdownNow();
    }

    @Test
    void tlsHandshakeToAHealthyNodeIsUpAndReadsTheNodeCertificatesExpiry() throws Exception {
        Map<String, Instant> notAfter = new ConcurrentHashMap<>();
        ProbeResult r = TestBeacon.confirm(TestBeacon.fast(),
                new TlsProbe("n1", beacon.relay(), beacon.statusPage(), group, notAfter::put));

        assertEquals(Status.UP, r.status(), r.reason());
        assertEquals("node/n1/tls", r.component());
        assertEquals(1, r.attempts());
        Instant expected = Pem.certificates(beacon.nodeCert.cert()).get(0).getNotAfter().toInstant();
        assertEquals(expected, notAfter.get("n1"));
    }

    @Test
    void readyzOfAHealthyNodeIsUp() throws Exception {
        ProbeResult r = TestBeacon.confirm(TestBeacon.fast(),
                new ReadyzProbe("n1", beacon.admin(), HttpClient.newHttpClient()));

        assertEquals(Status.UP, r.status(), r.reason());
        assertEquals("node/n1/readyz", r.component());
    }

    @Test
    void canaryEchoesThroughTheRelayToItsOwnBridge() throws Exception {
        try (CanaryBridge bridge = beacon.canaryBridge(group).start()) {
            Await.until("canary bridge registered with a pool", Duration.ofSeconds(10), bridge::ready);

            ProbeResult r = TestBeacon.confirm(TestBeacon.fast(), canary());

            assertEquals(Status.UP, r.status(), r.reason());
            assertEquals(1, r.attempts());
        }
    }

    @Test
    void canaryIsDownWithNoBridgeForCanaryOnceTheCanaryBridgeStops() throws Exception {
        CanaryBridge bridge = beacon.canaryBridge(group).start();
        Await.until("canary bridge registered", Duration.ofSeconds(10), bridge::ready);
        bridge.stop();
        Await.until("the node forgot the canary bridge", Duration.ofSeconds(10), () -> beacon.bridgesRegistered() == 0);

        ProbeResult r = TestBeacon.confirm(TestBeacon.fast(), canary());

        assertEquals(Status.DOWN, r.status());
        assertEquals("no bridge for canary", r.reason());
        assertEquals(2, r.attempts(), "a failure is confirmed by a retry");
    }

    @Test
    void aSuccessSlowerThanTheThresholdIsDegraded() throws Exception {
        ProbeConfig.Timing tiny = new ProbeConfig.Timing(Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofNanos(1), Duration.ZERO);

        ProbeResult r = TestBeacon.confirm(tiny, new TlsProbe("n1", beacon.relay(), beacon.statusPage(), group, (n, t) -> { }));

        assertEquals(Status.DEGRADED, r.status());
        assertTrue(r.reason().startsWith("slower than"), r.reason());
        assertTrue(r.latencyMillis() > 0);
    }

    @Test
    void theProberRunsEveryComponentStampsEachResultAndExportsMetrics() throws Exception {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        List<ProbeResult> sunk = new CopyOnWriteArrayList<>();
        Instant before = Instant.now();
        try (Prober prober = Prober.create(beacon.config(TestBeacon.fast()), sunk::add, meters).start()) {
            Await.until("a result for each component", Duration.ofSeconds(20), () -> sunk.size() >= 3);

            assertEquals(List.of("canary", "node/n1/readyz", "node/n1/tls"),
                    sunk.stream().map(ProbeResult::component).sorted().toList());
            for (ProbeResult r : sunk) {
                assertEquals("test-lab", r.location());
                assertTrue(!r.at().isBefore(before.minusMillis(1)), "stamped with the round's start: " + r.at());
                assertTrue(r.status() != Status.DOWN, r.component() + ": " + r.reason());
            }
            String scrape = meters.scrape();
            assertTrue(scrape.contains("status_probe_success{component=\"canary\",location=\"test-lab\"} 1.0"), scrape);
            assertTrue(scrape.contains("status_probe_latency_seconds_bucket{component=\"node/n1/tls\",location=\"test-lab\""), scrape);
            long expiry = Pem.certificates(beacon.nodeCert.cert()).get(0).getNotAfter().toInstant().getEpochSecond();
            assertEquals(expiry, meters.find("status.node.certificate.expiry").tags("location", "test-lab", "node", "n1").gauge().value());
            assertTrue(scrape.contains("status_node_certificate_expiry_seconds{location=\"test-lab\",node=\"n1\"}"), scrape);
        }
    }

    private CanaryProbe canary() {
        return new CanaryProbe(beacon.relay(), TestBeacon.CANARY, beacon.statusPage(),
                dev.beacon.tls.TlsMaterial.load(beacon.identities.innerWrapper()), blocking);
    }
}
