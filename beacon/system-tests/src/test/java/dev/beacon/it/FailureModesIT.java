package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.bridge.Bridge;
import dev.beacon.bridge.BridgeConfig;
import dev.beacon.bridge.openbao.sim.OpenBaoSimulator;
import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rows of docs/operational-readiness.md that no other test proves, with real processes: what a wrapper gets and
 * how fast, and how long recovery takes. Each test prints a line starting "FM-" with its figures.
 */
class FailureModesIT {
    @TempDir
    Path dir;

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    /** FM-01: every node SIGKILLed, then started again; the bridge and OpenBao stay up. */
    @Test
    void fm01AllNodesKilledThenRestarted() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll()) {
            OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
            o.tls = h.pki.node("openbao");
            o.seed = Map.of("app/config", Map.of("password", "s3cr3t"));
            try (OpenBaoSimulator bao = OpenBaoSimulator.start(o)) {
                bao.awaitActive(Duration.ofSeconds(10));
                BridgeConfig c = Stack.bridgeConfig(h.pki, h.nodes.stream().map(NodeProcess::relay).toList(), "");
                c.openbao.addresses = bao.addresses();
                c.openbao.ca = o.tls.ca().toString();
                c.beacon.reconnectMin = Duration.ofMillis(100); // the product's defaults, not the harness's fast ones
                c.beacon.reconnectMax = Duration.ofSeconds(5);
                c.validate();
                h.bridge = new Bridge(c).start();
                h.awaitBridgeHolds(3);
                readSecret(h.wrapper("before", h.nodes, Duration.ofSeconds(10)));

                long killed = System.nanoTime();
                for (NodeProcess n : h.nodes) n.kill9();
                long t0 = System.nanoTime();
                IOException once = assertThrows(IOException.class, () -> h.wrapper("down", h.nodes, Duration.ZERO).open(Stack.BRIDGE));
                long onceMs = ms(t0);
                t0 = System.nanoTime();
                IOException retried = assertThrows(IOException.class, () -> h.wrapper("down", h.nodes, Duration.ofSeconds(3)).open(Stack.BRIDGE));
                long retriedMs = ms(t0);
                assertTrue(onceMs < 2000, "one attempt fails at once: " + once);
                assertTrue(retriedMs < 6000, "retrying for 3 s gives up after about 3 s: " + retried);
                Await.until("bridge lost every node", Duration.ofSeconds(10), () -> h.bridge.connectedNodes().isEmpty());

                for (NodeProcess n : h.nodes) n.start();
                long started = System.nanoTime();
                Await.until("a node ready", Duration.ofSeconds(60), () -> h.nodes.stream().anyMatch(n -> n.status("/readyz") == 200));
                long firstReady = System.nanoTime();
                Await.until("bridge holds a node again", Duration.ofSeconds(30), () -> !h.bridge.connectedNodes().isEmpty());
                long held = System.nanoTime();
                readSecret(h.wrapper("after", h.nodes, Duration.ofSeconds(20)));
                long read = System.nanoTime();
                h.awaitBridgeHolds(3);
                long all = System.nanoTime();
                for (NodeProcess n : h.nodes) n.awaitReady(Duration.ofSeconds(30));
                h.awaitMembers(3);
                System.out.printf("FM-01 all nodes killed: wrapper error after %d ms (one attempt: %s), %d ms (retrying 3 s: %s); "
                                + "restart: first node ready %d ms after start; then bridge held +%d ms, wrapper read a secret +%d ms, "
                                + "bridge on all 3 +%d ms; outage (kill to first read) %d ms%n",
                        onceMs, once.getClass().getSimpleName(), retriedMs, retried.getClass().getSimpleName(),
                        (firstReady - started) / 1_000_000, (held - firstReady) / 1_000_000, (read - firstReady) / 1_000_000,
                        (all - firstReady) / 1_000_000, (read - killed) / 1_000_000);
                assertTrue((read - firstReady) / 1_000_000 < 15_000, "a secret is readable within 15 s of the first node's ready");
            }
        }
    }

    /**
     * FM-03: a node frozen (SIGSTOP: the kernel still accepts TCP, nothing answers TLS), as when it hangs or is cut off
     * behind a path that accepts. The other nodes drop it, the bridge lets go of it, and a wrapper whose first address
     * is that node gets through on the next one after its connect timeout, not its read timeout.
     */
    @Test
    void fm03OneNodeFrozen() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll()) {
            h.startBridge(List.of(h.node(0)), true);
            h.awaitBridgeHolds(3);
            NodeProcess frozen = h.node(1);
            frozen.signal("STOP");
            long t0 = System.nanoTime();
            WrapperClient w = h.wrapper("first-b", List.of(frozen, h.node(0)), Duration.ofSeconds(30));
            try (WrapperStream s = w.open(Stack.BRIDGE)) {
                assertEquals(200, HttpExchange.send(s, "GET", "/frozen", Map.of(), null).status());
                assertEquals("na", s.node());
            }
            long served = ms(t0);
            // not bounded here beyond the waits: a frozen member is slower to detect than a killed one (cluster.md)
            Await.until("A and C see B unreachable", Duration.ofSeconds(60),
                    () -> ClusterHarness.reachable(h.node(0)) == 2 && ClusterHarness.reachable(h.node(2)) == 2);
            long detected = ms(t0);
            Await.until("bridge let go of B", Duration.ofSeconds(60), () -> h.bridge.connectedNodes().size() == 2);
            long released = ms(t0);
            frozen.signal("CONT");
            long t2 = System.nanoTime();
            h.awaitMembers(3);
            h.awaitBridgeHolds(3);
            System.out.printf("FM-03 node frozen: a wrapper listing it first was served by the next node after %d ms "
                            + "(connect timeout %d ms, read timeout %d ms); peers saw it unreachable after %d ms; bridge (heartbeat 1 s) let go after %d ms; "
                            + "thawed: member and held again after %d ms%n",
                    served, w.options().connectTimeout.toMillis(), w.options().readTimeout.toMillis(), detected, released, ms(t2));
            assertTrue(served < w.options().connectTimeout.toMillis() + 5000, "moved on after the connect timeout, took " + served + " ms");
        }
    }

    /** FM-06: the bridge process SIGKILLed: every node answers unknown_bridge (retryable), fast. */
    @Test
    void fm06BridgeKilled() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll();
             BridgeReplica b = new BridgeReplica(dir.resolve("bridges"), "b1", h.pki, List.of(h.node(0).relay()), h.upstream.address(), Map.of())) {
            b.awaitReady(Duration.ofSeconds(30));
            Await.until("bridge holds 3", Duration.ofSeconds(30), () -> b.registeredNodes() == 3);
            for (NodeProcess n : h.nodes) echo(h.wrapper("w", List.of(n), Duration.ZERO));
            long killed = System.nanoTime();
            b.kill9();
            List<String> first = new ArrayList<>();
            for (NodeProcess n : h.nodes) {
                long t0 = System.nanoTime();
                try {
                    echo(h.wrapper("w", List.of(n), Duration.ZERO));
                    first.add(n.id + ": still served");
                } catch (ProtocolException e) {
                    first.add(n.id + ": " + e.code + " in " + ms(t0) + " ms");
                }
            }
            Await.until("no node lists the bridge", Duration.ofSeconds(10), () -> h.nodes.stream().noneMatch(FailureModesIT::listsBridge));
            long gone = ms(killed);
            long worst = 0;
            for (NodeProcess n : h.nodes) {
                long t0 = System.nanoTime();
                ProtocolException e = assertThrows(ProtocolException.class, () -> h.wrapper("w2", List.of(n), Duration.ZERO).openOnce(n.relay(), Stack.BRIDGE));
                assertEquals(ErrorCode.UNKNOWN_BRIDGE, e.code);
                assertTrue(e.retryable());
                worst = Math.max(worst, ms(t0));
            }
            long t0 = System.nanoTime();
            ProtocolException retried = assertThrows(ProtocolException.class, () -> h.wrapper("w3", h.nodes, Duration.ofSeconds(5)).open(Stack.BRIDGE));
            long retriedMs = ms(t0);
            assertEquals(ErrorCode.UNKNOWN_BRIDGE, retried.code);
            System.out.printf("FM-06 bridge killed: first attempt per node right after SIGKILL %s; every node had dropped it %d ms after the kill; "
                            + "then unknown_bridge in at most %d ms per attempt; a wrapper retrying 5 s got unknown_bridge after %d ms%n",
                    first, gone, worst, retriedMs);
            assertTrue(worst < 2000 && retriedMs < 8000);
        }
    }

    /** FM-07: two bridge replicas (one identity); one SIGKILLed while a wrapper reads in a loop: the other serves on. */
    @Test
    void fm07OneBridgeReplicaKilled() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll();
             BridgeReplica r1 = replica(h, "r1", 0);
             BridgeReplica r2 = replica(h, "r2", 1)) {
            awaitBothHoldEveryNode(r1, r2);
            ReadLoop loop = new ReadLoop(h.wrapper("steady", h.nodes, Duration.ofSeconds(10)), "/replica/");
            AtomicInteger ok = loop.ok;
            AtomicLong slowest = loop.slowest;
            List<String> failures = loop.failures;
            Await.until("requests flowing", Duration.ofSeconds(20), () -> ok.get() > 50);
            int before = ok.get();
            r1.kill9();
            Await.until("requests still flowing", Duration.ofSeconds(30), () -> ok.get() > before + 100 || failures.size() > 1);
            loop.close();
            System.out.printf("FM-07 one bridge replica killed: %d requests ok, %d failed %s, slowest %d ms%n",
                    ok.get(), failures.size(), failures, slowest.get());
            // Known limit (docs/operational-readiness.md, FM-07): the stream the dying replica carries at the instant
            // of SIGKILL fails, in the inner handshake (which the reference wrapper does not retry) or mid-request
            // (seen in CI). At most that one stream; every later one is served by the other replica.
            // A stream cut in the inner handshake is retried by the wrapper now (D2: nothing was sent); one cut mid-request
            // may have reached the upstream and is not sent again.
            assertTrue(failures.size() <= 1, "at most the stream in flight at the kill: " + failures);
            for (String f : failures) assertTrue(f.contains("the stream closed before an HTTP response arrived"), f);
            assertTrue(slowest.get() < 5000, "nothing hung: slowest " + slowest.get() + " ms");
        }
    }

    /**
     * FM-19: one of two bridge replicas frozen (SIGSTOP: a GC stall, a hung host) with its sockets open, 20 s, well
     * inside the 45 s the nodes' control heartbeat takes to notice. The frozen replica's warm connections sit in the
     * nodes' pools beside the live one's: a node that hands one a stream sees no answer within
     * limits.bridgeAnswerTimeout (3 s), closes it and that pool (the live replica refills it), and the wrapper, whose
     * inner handshake was cut with nothing sent, tries again. Before (defect D3), each frozen connection cost a wrapper
     * its 5 s inner handshake timeout and the read rate fell to a few per 20 s; before D2, the read under way hung for
     * the whole freeze.
     */
    @Test
    void fm19OneBridgeReplicaFrozen() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll();
             BridgeReplica r1 = replica(h, "r1", 0);
             BridgeReplica r2 = replica(h, "r2", 1)) {
            awaitBothHoldEveryNode(r1, r2);
            // four wrappers: a request already sent through the frozen replica at the instant of SIGSTOP waits for the
            // thaw and may then end mid-request (rule 5: it may have been applied, it is not retried); that holds its
            // loop for the freeze, the other loops show what new requests get
            List<ReadLoop> loops = new ArrayList<>();
            for (int i = 0; i < 4; i++) loops.add(new ReadLoop(h.wrapper("steady" + i, h.nodes, Duration.ofSeconds(10)), "/frozen/" + i + "/"));
            long frozenAt;
            int duringFreeze;
            try {
                Await.until("requests flowing", Duration.ofSeconds(20), () -> okOf(loops) > 50);
                int before = okOf(loops);
                frozenAt = System.nanoTime();
                for (ReadLoop l : loops) l.faultAt = frozenAt;
                r1.signal("STOP");
                try {
                    Thread.sleep(20_000); // the fault's duration, not a wait for an event
                    duringFreeze = okOf(loops) - before;
                    double unanswered = 0;
                    for (NodeProcess n : h.nodes) unanswered += n.metric("beacon_bridge_unanswered_streams_total");
                    System.out.printf("FM-19 one bridge replica frozen 20 s: %d requests ok meanwhile, %d failed, "
                            + "streams the nodes found unanswered and closed with their pools: %.0f%n",
                            duringFreeze, failuresOf(loops).size(), unanswered);
                } finally {
                    r1.signal("CONT");
                }
                int thawed = okOf(loops);
                Await.until("requests flowing after the thaw", Duration.ofSeconds(30), () -> okOf(loops) > thawed + 50);
            } finally {
                for (ReadLoop l : loops) l.close();
            }
            long slowestAfter = 0;
            List<String> unexplained = new ArrayList<>();
            for (ReadLoop l : loops) {
                for (long[] r : l.requests) {
                    boolean begunBefore = r[0] < frozenAt;
                    if (!begunBefore) slowestAfter = Math.max(slowestAfter, r[1]);
                }
                for (String f : l.failures) {
                    // only a request under way at the freeze, ended after it was sent (rule 5)
                    if (!(f.contains("begun before the freeze") && f.contains("the stream closed before an HTTP response arrived"))) unexplained.add(f);
                }
            }
            System.out.printf("FM-19 thawed after %d ms: %d failed in all %s, slowest request begun during or after the freeze %d ms%n",
                    ms(frozenAt), failuresOf(loops).size(), failuresOf(loops), slowestAfter);
            assertEquals(List.of(), unexplained, "no request begun during the freeze failed");
            // each node pays the bridge answer timeout once or twice, not once per frozen connection
            assertTrue(duringFreeze >= 20, "reads kept flowing through the live replica: " + duringFreeze + " in 20 s");
            assertTrue(slowestAfter < 10_000, "slowest request begun during the freeze " + slowestAfter + " ms");
        }
    }

    private static int okOf(List<ReadLoop> loops) {
        return loops.stream().mapToInt(l -> l.ok.get()).sum();
    }

    private static List<String> failuresOf(List<ReadLoop> loops) {
        List<String> out = new ArrayList<>();
        for (ReadLoop l : loops) out.addAll(l.failures);
        return out;
    }

    /**
     * FM-05: the load balancer sends every wrapper and the bridge to node A. The bridge still learns and holds every
     * node; wrappers are served on A, locally.
     */
    @Test
    void fm05LoadBalancerSendsEverythingToOneNode() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3).startAll()) {
            h.startBridge(List.of(h.node(0)), true);
            h.awaitBridgeHolds(3);
            WrapperClient w = h.wrapper("pinned", List.of(h.node(0)), Duration.ofSeconds(10));
            long t0 = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                try (WrapperStream s = w.open(Stack.BRIDGE)) {
                    assertEquals(200, HttpExchange.send(s, "GET", "/pinned/" + i, Map.of(), null).status());
                    assertEquals("na", s.node());
                }
            }
            long took = ms(t0);
            assertTrue(h.node(0).metric("beacon_forwarded_streams_total") <= 0, "served on A, no forward");
            System.out.printf("FM-05 everything on node A: 100 streams in %d ms, all served on A without a forward, bridge holds %s%n",
                    took, h.bridge.connectedNodes().keySet());
        }
    }

    /** A replica of the acme bridge (bridge.jar process) dialling node {@code node} and learning the others. */
    private BridgeReplica replica(ClusterHarness h, String name, int node) throws IOException {
        return new BridgeReplica(dir.resolve("bridges"), name, h.pki, List.of(h.node(node).relay()), h.upstream.address(), Map.of());
    }

    private static void awaitBothHoldEveryNode(BridgeReplica r1, BridgeReplica r2) throws Exception {
        r1.awaitReady(Duration.ofSeconds(30));
        r2.awaitReady(Duration.ofSeconds(30));
        Await.until("both replicas hold 3 nodes", Duration.ofSeconds(30), () -> r1.registeredNodes() == 3 && r2.registeredNodes() == 3);
    }

    /** One wrapper reading through the bridge in a loop on its own thread: reads ok, failures (with their time), slowest. */
    static final class ReadLoop implements AutoCloseable {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicLong slowest = new AtomicLong();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        /** Every finished request: {System.nanoTime() at its start, its duration in ms}. */
        final List<long[]> requests = Collections.synchronizedList(new ArrayList<>());
        /** Set by a test at a fault: failures of requests begun before it say so. */
        volatile long faultAt = Long.MAX_VALUE;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        ReadLoop(WrapperClient w, String pathPrefix) {
            thread = new Thread(() -> {
                int i = 0;
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    try (WrapperStream s = w.open(Stack.BRIDGE)) {
                        int status = HttpExchange.send(s, "GET", pathPrefix + i++, Map.of(), null).status();
                        if (status == 200) ok.incrementAndGet(); else failures.add("HTTP " + status);
                    } catch (Exception e) {
                        failures.add(ms(t0) + " ms" + (t0 < faultAt ? " (begun before the freeze)" : "") + ": " + e);
                    }
                    slowest.accumulateAndGet(ms(t0), Math::max);
                    requests.add(new long[] {t0, ms(t0)});
                }
            }, "wrapper-load");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
        }
    }

    static boolean listsBridge(NodeProcess n) {
        try {
            return n.json("/bridges").toString().contains(Stack.BRIDGE);
        } catch (Exception e) {
            return true;
        }
    }

    private static void echo(WrapperClient w) throws IOException {
        try (WrapperStream s = w.open(Stack.BRIDGE)) {
            assertEquals(200, HttpExchange.send(s, "GET", "/fm", Map.of(), null).status());
        }
    }

    private static void readSecret(WrapperClient w) throws IOException {
        try (WrapperStream s = w.open(Stack.BRIDGE)) {
            HttpExchange.Response r = HttpExchange.send(s, "GET", "/v1/secret/data/app/config", Map.of("X-Vault-Token", "root"), null);
            assertEquals(200, r.status(), r.bodyText());
            assertTrue(r.bodyText().contains("s3cr3t"));
        }
    }
}
