package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three beacon nodes as real processes: forwarding, SIGKILL, rolling restart with drain. */
class ClusterIT {
    @TempDir
    Path dir;

    @Test
    void aWrapperOnNodeCReachesABridgeConnectedOnlyToNodeA() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll()) {
            System.out.printf("cluster: node ready after %d / %d / %d ms (started together)%n",
                    h.node(0).readyMillis, h.node(1).readyMillis, h.node(2).readyMillis);
            h.startBridge(List.of(h.node(0)), false);
            ClusterHarness.awaitKnowsBridge(h.node(2));
            long n = 128L * 1024 * 1024;
            String id = "forwarded-128mb";
            WrapperClient w = h.wrapper("far", List.of(h.node(2)), Duration.ZERO);
            try (WrapperStream s = w.open(Stack.BRIDGE)) {
                assertEquals("nc", s.node(), "the wrapper entered on node C");
                s.out().write(("BULK " + n + " " + id + "\n").getBytes(StandardCharsets.US_ASCII));
                CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                    try {
                        TestUpstream.writePattern(s.out(), n, k -> { });
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                long t0 = System.nanoTime();
                String got = TestUpstream.digest(s.in(), n);
                sending.get(120, TimeUnit.SECONDS);
                double secs = (System.nanoTime() - t0) / 1e9;
                assertEquals(TestUpstream.expectedDigest(n), got, "bridge -> wrapper over the one-hop link");
                Await.until("upstream hashed what the wrapper sent", Duration.ofSeconds(60), () -> h.upstream.received.containsKey(id));
                assertEquals(TestUpstream.expectedDigest(n), h.upstream.received.get(id), "wrapper -> bridge over the link");
                System.out.printf("cluster: 128 MiB each way through a one-hop forward in %.1f s%n", secs);
            }
            assertTrue(h.node(2).metric("beacon_forwarded_streams_total{direction=\"out\"") >= 1, "node C forwarded");
            assertTrue(h.node(0).metric("beacon_forwarded_streams_total{direction=\"in\"") >= 1, "node A received it");
            assertTrue(h.node(1).metric("beacon_forwarded_streams_total") <= 0, "node B was not involved: one hop");
        }
    }

    @Test
    void unknownBridgeIsRefusedFastEverywhere() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll()) {
            for (NodeProcess node : h.nodes) {
                long t0 = System.nanoTime();
                var e = org.junit.jupiter.api.Assertions.assertThrows(dev.beacon.protocol.ProtocolException.class,
                        () -> h.wrapper("lost", List.of(node), Duration.ZERO).openOnce(node.relay(), "nobody"));
                assertEquals(dev.beacon.protocol.ErrorCode.UNKNOWN_BRIDGE, e.code);
                assertTrue((System.nanoTime() - t0) / 1_000_000 < 2000, "fast");
            }
        }
    }

    @Test
    void killingANodeIsRoutedAroundAndTheBridgeKeepsServing() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll()) {
            h.startBridge(List.of(h.node(0)), true);
            h.awaitBridgeHolds(3);
            WrapperClient w = h.wrapper("steady", h.nodes, Duration.ofSeconds(10));
            // a stream open on node A when it dies
            WrapperStream onA = h.wrapper("victim", List.of(h.node(0)), Duration.ZERO).open(Stack.BRIDGE);
            onA.out().write("ECHO".getBytes(StandardCharsets.US_ASCII));
            onA.out().flush();
            assertEquals("ECHO", new String(onA.in().readNBytes(4), StandardCharsets.US_ASCII));

            long killed = System.nanoTime();
            h.node(0).kill9();
            // the open stream fails with a clear error, not a hang
            Exception broken = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> {
                onA.out().write("after\n".getBytes(StandardCharsets.US_ASCII));
                onA.out().flush();
                if (onA.in().read() < 0) throw new java.io.EOFException("stream closed: node gone");
            });
            System.out.println("cluster: stream on the killed node ended with: " + broken);
            onA.close();
            // the wrapper's next request lands on a live node (its first address is dead)
            try (WrapperStream s = w.open(Stack.BRIDGE)) {
                assertEquals(200, HttpExchange.send(s, "GET", "/after-kill", Map.of(), null).status());
                assertNotEquals("na", s.node());
            }
            long firstOk = System.nanoTime();
            Await.until("B and C see A unreachable", Duration.ofSeconds(10),
                    () -> ClusterHarness.reachable(h.node(1)) == 2 && ClusterHarness.reachable(h.node(2)) == 2);
            long detected = System.nanoTime();
            Await.until("bridge dropped node A", Duration.ofSeconds(10), () -> h.bridge.connectedNodes().size() == 2);
            System.out.printf("cluster: after SIGKILL, next wrapper request succeeded after %d ms; failure detected by peers after %d ms%n",
                    (firstOk - killed) / 1_000_000, (detected - killed) / 1_000_000);
            assertTrue((detected - killed) / 1_000_000 < 5000, "dead node detected within 5 s");
            // and it comes back
            h.node(0).startAndAwaitReady();
            long back = System.nanoTime();
            h.awaitBridgeHolds(3);
            h.awaitMembers(3);
            System.out.printf("cluster: restarted node ready in %d ms; bridge reconnected %d ms after it was ready%n",
                    h.node(0).readyMillis, (System.nanoTime() - back) / 1_000_000);
        }
    }

    @Test
    void rollingRestartWithDrainLosesNoRequest() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll()) {
            h.startBridge(List.of(h.node(0)), true);
            h.awaitBridgeHolds(3);
            WrapperClient w = h.wrapper("rolling", h.nodes, Duration.ofSeconds(15));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger ok = new AtomicInteger();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicLong maxLatencyMs = new AtomicLong();
            Thread load = new Thread(() -> {
                int i = 0;
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    try (WrapperStream s = w.open(Stack.BRIDGE)) {
                        int status = HttpExchange.send(s, "GET", "/rolling/" + i++, Map.of(), null).status();
                        if (status == 200) ok.incrementAndGet(); else failures.add("HTTP " + status);
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                    maxLatencyMs.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                }
            }, "wrapper-load");
            load.start();
            Await.until("requests flowing", Duration.ofSeconds(10), () -> ok.get() > 20);
            for (NodeProcess n : h.nodes) {
                long t0 = System.nanoTime();
                assertEquals(0, n.terminate(Duration.ofSeconds(30)), "node " + n.id + " exits 0 after draining");
                long drained = (System.nanoTime() - t0) / 1_000_000;
                h.awaitBridgeHolds(2); // it let go of the drained node
                int before = ok.get();
                n.startAndAwaitReady();
                long t1 = System.nanoTime();
                h.awaitBridgeHolds(3);
                long bridgeBack = (System.nanoTime() - t1) / 1_000_000;
                h.awaitMembers(3);
                System.out.printf("cluster: %s drained and exited in %d ms, ready again in %d ms, bridge back on it %d ms after ready%n",
                        n.id, drained, n.readyMillis, bridgeBack);
                Await.until("requests still flowing after " + n.id, Duration.ofSeconds(10), () -> ok.get() > before + 5);
            }
            stop.set(true);
            load.join(30_000);
            System.out.printf("cluster: rolling restart: %d requests ok, %d failed, slowest %d ms%n", ok.get(), failures.size(),
                    maxLatencyMs.get());
            assertEquals(List.of(), failures, "no request failed during the rolling restart");
        }
    }

    @Test
    void aNodeWithoutAValidNodeCertificateCannotJoin() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 2).startAll()) {
            List<Integer> peers = List.of(h.node(0).gossipPort, h.node(1).gossipPort);
            // a wrapper certificate from the same CA: refused at start-up
            NodeProcess impostor = new NodeProcess(dir.resolve("bad"), "nx", h.pki.wrapper("acme", "nx"));
            impostor.peers(h.nodes).start();
            assertEquals(1, impostor.waitForExit(Duration.ofSeconds(30)), "refuses to start");
            assertTrue(impostor.log().contains("node"), impostor.log());
            // a node identity from another CA: starts alone, but nobody lets it in
            var foreign = h.pki.issue(h.pki.otherCa, "foreign-node", dev.beacon.tls.Identity.node(dev.beacon.tls.testing.TestPki.TRUST_DOMAIN, "ny"),
                    r -> r.dns("localhost").ip("127.0.0.1"));
            NodeProcess stranger = new NodeProcess(dir.resolve("foreign"), "ny", foreign);
            try (stranger) {
                stranger.peers(h.nodes).startAndAwaitReady();
                // give SWIM several probe rounds to (not) admit it, then look
                Await.until("the stranger tried to join", Duration.ofSeconds(10), () -> stranger.log().contains("ny") );
                long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < until) {
                    assertEquals(2, ClusterHarness.reachable(h.node(0)), "the members never list the stranger");
                    assertTrue(ClusterHarness.reachable(stranger) <= 1, "the stranger never sees the members");
                    Thread.sleep(200); // sampling a state that must stay unchanged for a while
                }
            }
            // a missing certificate file: a clear error naming the key
            NodeProcess broken = new NodeProcess(dir.resolve("missing"), "nz",
                    new dev.beacon.tls.TlsFiles(dir.resolve("nope.crt"), dir.resolve("nope.key"), dir.resolve("nope-ca.crt")));
            broken.peers(h.nodes).start();
            assertEquals(1, broken.waitForExit(Duration.ofSeconds(30)));
            assertTrue(broken.log().contains("tls.cert"), broken.log());
            assertTrue(peers.size() == 2);
        }
    }

    @Test
    void aNodeOfThePreviousVersionSharesStateWithCurrentNodes() throws Exception {
        ClusterHarness h = new ClusterHarness(dir, 3);
        h.node(2).with("cluster: {protocolVersion: 1}");
        try (h) {
            h.startAll();
            // bridge only on the old node C; a wrapper on new node A reaches it, and the other way round
            h.startBridge(List.of(h.node(2)), false);
            ClusterHarness.awaitKnowsBridge(h.node(0)); // learned from the old node's gossip
            try (WrapperStream s = h.wrapper("new-to-old", List.of(h.node(0)), Duration.ZERO).open(Stack.BRIDGE)) {
                assertEquals(200, HttpExchange.send(s, "GET", "/n-1", Map.of(), null).status());
            }
        }
    }

    @Test
    void aBridgeBehindOneLoadBalancedAddressStillHoldsEveryNode() throws Exception {
        ClusterHarness h = new ClusterHarness(dir, 3);
        // The nodes' own addresses are unreachable from the bridge: only the load balancer is.
        for (NodeProcess n : h.nodes) n.advertiseRelay = "localhost:1";
        try (h; RoundRobinProxy lb = new RoundRobinProxy(h.nodes.stream().map(n -> n.relayPort).toList())) {
            h.startAll();
            var bridge = h.startBridgeAt(List.of(lb.address()), true);
            h.awaitBridgeHolds(3);
            System.out.println("cluster: behind one load-balanced address the bridge holds " + bridge.connectedNodes());
            // every node can serve the bridge locally
            for (NodeProcess n : h.nodes) {
                try (WrapperStream s = h.wrapper("lb-" + n.id, List.of(n), Duration.ofSeconds(5)).open(Stack.BRIDGE)) {
                    assertEquals(200, HttpExchange.send(s, "GET", "/via-lb", Map.of(), null).status());
                    assertEquals(n.id, s.node());
                }
            }
            assertTrue(h.node(0).metric("beacon_forwarded_streams_total") <= 0, "no forwarding was needed");
        }
    }

    @Test
    void aSlowReaderAcrossAOneHopForwardIsBoundedOnBothNodes() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 2).startAll()) {
            h.startBridge(List.of(h.node(0)), false);
            ClusterHarness.awaitKnowsBridge(h.node(1));
            long n = 192L * 1024 * 1024;
            String id = "slow-forward";
            try (WrapperStream s = h.wrapper("slowpoke", List.of(h.node(1)), Duration.ZERO).open(Stack.BRIDGE)) {
                s.out().write(("BULK " + n + " " + id + "\n").getBytes(StandardCharsets.US_ASCII));
                s.out().flush();
                h.upstream.awaitStalled(id, Duration.ofSeconds(60));
                double onA = h.node(0).metric("beacon_buffered_bytes");
                double onB = h.node(1).metric("beacon_buffered_bytes");
                System.out.printf("cluster: slow reader across a forward: upstream stalled after %d KiB; queued on A %.0f KiB, on B %.0f KiB%n",
                        h.upstream.sent.get(id).get() / 1024, onA / 1024, onB / 1024);
                assertTrue(onA <= 512 * 1024 && onB <= 512 * 1024, "both nodes hold only a few water marks");
                assertEquals(TestUpstream.expectedDigest(n), TestUpstream.digest(s.in(), n), "everything arrives once read");
            }
        }
    }
}
