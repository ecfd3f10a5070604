package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.tls.Identity;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/operational-readiness.md FM-18: a node whose wall clock is minutes off (libfaketime, one process only; the
 * monotonic clock is left alone, as on a host whose NTP is off). Node B runs 3 minutes ahead, node C 3 minutes behind.
 * Needs libfaketime (scripts/install-faketime.sh); skipped without it.
 */
class ClockSkewIT {
    static final Path LIBFAKETIME = Path.of(System.getProperty("libfaketime", "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"));

    @TempDir
    Path dir;

    static void skew(NodeProcess n, String offset) {
        n.env.put("LD_PRELOAD", LIBFAKETIME.toString());
        n.env.put("FAKETIME", offset);
        n.env.put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    }

    @Test
    void nodesThreeMinutesOffRouteForwardAndLimitLikeTheOthers() throws Exception {
        Assumptions.assumeTrue(Files.exists(LIBFAKETIME), "libfaketime not installed (beacon/system-tests/scripts/install-faketime.sh)");
        try (ClusterHarness h = new ClusterHarness(dir, 3)) {
            skew(h.node(1), "+3m");
            skew(h.node(2), "-3m");
            for (NodeProcess n : h.nodes) {
                n.with("limits: {connectionsPerSecondPerIdentity: 2}");
                // SWIM's 300 ms probe timeout flaps membership on this shared 2-core machine under load, skewed or not
                // (seen with no offset as well); a slower detector keeps this test about the clocks
                n.with("cluster: {probeTimeout: 1s, failureTimeout: 5s}");
            }
            for (NodeProcess n : h.nodes) n.start();
            for (NodeProcess n : h.nodes) n.awaitReady(Duration.ofSeconds(150)); // generous: a shared, loaded machine
            h.awaitMembers(3); // every node sees the two others: SWIM does not care about wall clocks
            double a = startTime(h.node(0));
            double b = startTime(h.node(1)) - a;
            double c = startTime(h.node(2)) - a;
            assertTrue(Math.abs(b - 180) < 30 && Math.abs(c + 180) < 30, "the skew took: B " + b + " s, C " + c + " s");

            // a bridge seeded with A learns and holds B and C too; a wrapper on each node is served there
            h.startBridge(List.of(h.node(0)), true);
            h.awaitBridgeHolds(3);
            for (NodeProcess n : h.nodes) assertEquals(n.id, get(h.wrapper("local-" + n.id, List.of(n), Duration.ofSeconds(20))));

            // forwarding into and out of skewed nodes: the bridge on B only (A -> B, C -> B), then on C only (B -> C)
            onlyOn(h, h.node(1));
            assertEquals("na", get(h.wrapper("fwd-ab", List.of(h.node(0)), Duration.ofSeconds(20))));
            assertEquals("nc", get(h.wrapper("fwd-cb", List.of(h.node(2)), Duration.ofSeconds(20))));
            onlyOn(h, h.node(2));
            assertEquals("nb", get(h.wrapper("fwd-bc", List.of(h.node(1)), Duration.ofSeconds(20))));
            assertTrue(metric(h.node(1), "beacon_forwarded_streams_total{direction=\"in\"") >= 2, "B received forwards");
            assertTrue(metric(h.node(2), "beacon_forwarded_streams_total{direction=\"in\"") >= 1, "C received a forward");

            // the per-identity rate (2/s, burst 4) counts the same on every node: it runs on the monotonic clock
            List<String> accepted = new ArrayList<>();
            for (NodeProcess n : h.nodes) {
                WrapperClient w = h.wrapper("burst-" + n.id, List.of(n), Duration.ZERO);
                java.util.concurrent.atomic.AtomicInteger okCount = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.atomic.AtomicInteger limitedCount = new java.util.concurrent.atomic.AtomicInteger();
                List<Thread> burst = new ArrayList<>();
                long b0 = System.nanoTime();
                for (int i = 0; i < 12; i++) { // at once, so that the machine's load does not spread them over the refill
                    Thread t = new Thread(() -> {
                        try (WrapperStream s = w.openOnce(n.relay(), Stack.BRIDGE)) {
                            okCount.incrementAndGet();
                        } catch (ProtocolException e) {
                            if (e.code == ErrorCode.OVERLOADED && e.getMessage().contains("rate")) limitedCount.incrementAndGet();
                        } catch (Exception e) {
                            // counted as neither
                        }
                    });
                    t.start();
                    burst.add(t);
                }
                for (Thread t : burst) t.join(60_000);
                int ok = okCount.get();
                int limited = limitedCount.get();
                double secs = (System.nanoTime() - b0) / 1e9;
                accepted.add(n.id + " " + ok + "/12 in " + Math.round(secs * 1000) + " ms");
                assertTrue(limited > 0, n.id + " refused some by rate");
                assertTrue(ok >= 4 && ok <= 4 + 2 * secs + 1, n.id + ": burst 4 plus 2/s over " + secs + " s, accepted " + ok);
                long t0 = System.nanoTime();
                Await.until(n.id + " accepts that identity again", Duration.ofSeconds(5), () -> {
                    try (WrapperStream s = w.openOnce(n.relay(), Stack.BRIDGE)) {
                        return true;
                    } catch (Exception e) {
                        return false;
                    }
                });
                System.out.printf("clock skew: %s accepted %d of 12 at once (%.2f s), accepted again after %d ms%n", n.id, ok, secs,
                        (System.nanoTime() - t0) / 1_000_000);
            }

            // a wrapper certificate issued just now, notBefore not backdated: A and B accept it; C, whose
            // clock is behind, sees it as not yet valid and refuses it until its own clock passes notBefore
            Instant now = Instant.now();
            TlsFiles fresh = h.pki.issue(h.pki.beaconCa, "fresh-wrapper", Identity.wrapper(TestPki.TRUST_DOMAIN, Stack.TENANT, "fresh"),
                    r -> r.validity(now, now.plus(Duration.ofDays(1))));
            WrapperClient.Options o = new WrapperClient.Options();
            o.outer = TlsMaterial.load(fresh);
            o.inner = TlsMaterial.load(h.pki.innerWrapper(Stack.TENANT, "fresh"));
            o.retryFor = Duration.ofSeconds(20);
            for (NodeProcess n : List.of(h.node(0), h.node(1))) {
                o.beacons = List.of(n.relay());
                assertEquals(n.id, get(new WrapperClient(o)));
            }
            o.beacons = List.of(h.node(2).relay());
            o.retryFor = Duration.ZERO;
            Exception refused = assertThrows(Exception.class, () -> get(new WrapperClient(o)));
            System.out.printf("clock skew: B (+3 min) and C (-3 min) member, held, forwarding both ways, rate limits %s; "
                    + "a certificate issued just now: C refused it with %s%n", accepted, refused);
        }
    }

    /** process_start_time_seconds as the node's own clock has it (retried: the admin port may be slow under load). */
    private static double startTime(NodeProcess n) {
        return metric(n, "process_start_time_seconds");
    }

    private static double metric(NodeProcess n, String series) {
        double[] v = {-1};
        Await.until(n.id + " answers /metrics", Duration.ofSeconds(30), () -> {
            try {
                v[0] = n.metric(series);
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        return v[0];
    }

    /** Moves the bridge so that only {@code holder} holds it, and waits until every node routes to it. */
    private static void onlyOn(ClusterHarness h, NodeProcess holder) {
        h.bridge.close();
        Await.until("no node lists the bridge", Duration.ofSeconds(10), () -> h.nodes.stream().noneMatch(FailureModesIT::listsBridge));
        h.startBridge(List.of(holder), false);
        for (NodeProcess n : h.nodes) ClusterHarness.awaitKnowsBridge(n);
    }

    /** One GET through the wrapper; returns the node that served it. */
    private static String get(WrapperClient w) throws Exception {
        try (WrapperStream s = w.open(Stack.BRIDGE)) {
            assertEquals(200, HttpExchange.send(s, "GET", "/skew", Map.of(), null).status());
            return s.node();
        }
    }
}
