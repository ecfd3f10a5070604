package dev.beacon.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster port's per-source cap on unfinished TLS handshakes and its handshake timeout, against real nodes. */
class ClusterPortLimitsIT {
    @TempDir
    static Path dir;
    static TestPki pki;

    private final List<Cluster> started = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> raw = new ArrayList<>();

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir);
    }

    @AfterEach
    void stopAll() throws IOException {
        for (SocketChannel s : raw) s.close();
        CompletableFuture.allOf(started.stream().map(c -> CompletableFuture.runAsync(c::close)).toArray(CompletableFuture[]::new))
                .orTimeout(30, TimeUnit.SECONDS).join();
    }

    @Test
    void halfOpenConnectionsBeyondTheCapAreClosedAtOnceTheOthersAtTheHandshakeTimeout() throws Exception {
        // Another loopback address stands in for an attacker's host; the nodes talk from 127.0.0.1.
        Assumptions.assumeTrue(ClusterIT.canBind("127.0.0.2"), "127.0.0.2 is not a local address here");
        int cap = 8;
        Duration timeout = Duration.ofSeconds(2);
        int[] ports = ClusterIT.freePorts(3);
        ClusterConfig ca = ClusterIT.config(new int[] {ports[0], ports[1]}, 0);
        ca.maxPendingHandshakesPerSource = cap;
        ca.handshakeTimeout = timeout;
        MeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Cluster a = start(ca, "n1", meters);
        Cluster b = start(ClusterIT.config(new int[] {ports[0], ports[1]}, 1), "n2", new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        awaitMembers(List.of(a, b), 2);

        int flood = 20;
        long t0 = System.nanoTime();
        for (int i = 0; i < flood; i++) {
            SocketChannel s = SocketChannel.open();
            raw.add(s);
            s.bind(new InetSocketAddress("127.0.0.2", 0));
            s.connect(new InetSocketAddress("127.0.0.1", ports[0])); // TCP only: no ClientHello, ever
            s.configureBlocking(false);
        }
        Await.until((flood - cap) + " connections beyond the cap closed at once", Duration.ofMillis(timeout.toMillis() * 3 / 4),
                () -> closed() >= flood - cap);
        long promptMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(flood - cap, closed(), "the " + cap + " within the cap are still waiting for their handshake after " + promptMs + " ms");
        assertEquals(flood - cap, refused(meters, "pending_handshakes_per_source"));

        Await.until("the rest closed at the handshake timeout", Duration.ofSeconds(10), () -> closed() == flood);
        long allMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(allMs >= timeout.toMillis() - 200, "closed by the " + timeout.toMillis() + " ms handshake timeout, after " + allMs + " ms");
        Await.until("timeouts counted", Duration.ofSeconds(5), () -> refused(meters, "handshake_timeout") == cap);

        // The cluster still works: a new node joins (its handshakes from 127.0.0.1 are not the attacker's) and gossips.
        Cluster c = start(ClusterIT.config(ports, 2), "n3", new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        awaitMembers(List.of(a, b, c), 3);
        c.publish(new Presence(TestPki.TRUST_DOMAIN, "acme", "vault", "n3", 1, 1, 0));
        Await.until("n1 sees n3's bridge", Duration.ofSeconds(10), () -> !a.locate(TestPki.TRUST_DOMAIN, "acme", "vault").isEmpty());
        assertEquals(0, refused(meters, "handshake_timeout") - cap, "no real node's handshake timed out");
    }

    /** Raw connections the node has closed (EOF or reset). */
    private int closed() {
        int n = 0;
        ByteBuffer b = ByteBuffer.allocate(64);
        for (SocketChannel s : raw) {
            if (!s.isOpen()) {
                n++;
                continue;
            }
            try {
                b.clear();
                if (s.read(b) < 0) {
                    s.close();
                    n++;
                }
            } catch (IOException e) {
                try {
                    s.close(); // reset
                } catch (IOException ignored) {
                    // closing
                }
                n++;
            }
        }
        return n;
    }

    private static double refused(MeterRegistry meters, String reason) {
        var c = meters.find("beacon_cluster_connections_refused_total").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    private Cluster start(ClusterConfig cfg, String id, MeterRegistry meters) {
        Cluster c = Cluster.start(cfg, id, pki.node(id), Map.of("relay", "127.0.0.1:1"), meters);
        started.add(c);
        return c;
    }

    private static void awaitMembers(List<Cluster> nodes, int n) {
        Await.until(n + " reachable members on every node", Duration.ofSeconds(20), () -> nodes.stream().allMatch(
                c -> c.members().size() == n && c.members().stream().allMatch(Member::reachable)));
    }
}
