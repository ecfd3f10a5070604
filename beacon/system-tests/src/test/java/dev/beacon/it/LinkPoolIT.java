package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.it.StreamLoad.Kind;
import dev.beacon.it.StreamLoad.Outcome;
import dev.beacon.it.StreamLoad.Wrapper;
import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warm node-to-node links with real node processes (decisions/0012): the bridge holds node A only, wrappers enter
 * on node B, so every stream is forwarded B -> A.
 */
class LinkPoolIT {
    @TempDir
    Path dir;

    private static final String NODE_HANDSHAKES = "beacon_handshakes_total{role=\"node\"";
    private static final String FROM_POOL = "beacon_node_links_used_total{from=\"pool\"";
    private static final String FROM_DIAL = "beacon_node_links_used_total{from=\"dial\"";

    private static void get(WrapperClient w, String path) throws Exception {
        try (WrapperStream s = w.open(Stack.BRIDGE)) {
            assertEquals(200, HttpExchange.send(s, "GET", path, Map.of(), null).status());
            assertEquals("nb", s.node(), "entered on node B");
        }
    }

    private static double count(NodeProcess n, String series) throws Exception {
        return Math.max(0, n.metric(series));
    }

    private static void awaitWarm(NodeProcess b) {
        Await.until("B holds a warm link to A on each loop", Duration.ofSeconds(10), () -> quietly(b, "beacon_node_links_idle") >= 2);
    }

    private static double quietly(NodeProcess n, String series) {
        try {
            return count(n, series);
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void afterWarmUpForwardedStreamsUsePreHandshakedLinksAndSurviveTheFarNodesRestart() throws Exception {
        ClusterHarness h = new ClusterHarness(dir, 2);
        NodeProcess a = h.node(0);
        NodeProcess b = h.node(1);
        // two relay loops on B, each with its own pool; B's connections take the loops in turn
        b.with("node: {ioThreads: 2}");
        try (h) {
            h.startAll();
            h.startBridge(List.of(a), false);
            ClusterHarness.awaitKnowsBridge(b);
            WrapperClient w = h.wrapper("pooled", List.of(b), Duration.ZERO);
            // the first stream on each loop dials A; each loop's pool fills behind it
            get(w, "/warm-up-1");
            get(w, "/warm-up-2");
            awaitWarm(b);

            double dialsBefore = count(b, FROM_DIAL);
            double poolBefore = count(b, FROM_POOL);
            double handshakesBefore = count(a, NODE_HANDSHAKES);
            long t0 = System.nanoTime();
            int k = 20;
            for (int i = 0; i < k; i++) {
                awaitWarm(b); // the replacement of the link the stream before took is in
                get(w, "/pooled/" + i);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            double handshakes = count(a, NODE_HANDSHAKES) - handshakesBefore;
            System.out.printf("link pool: %d forwarded streams in %.1f s: %.0f from the pool, %.0f dialled; node handshakes on A %.0f%n",
                    k, secs, count(b, FROM_POOL) - poolBefore, count(b, FROM_DIAL) - dialsBefore, handshakes);
            assertEquals(dialsBefore, count(b, FROM_DIAL), "no forwarded stream dialled A once the pool was warm");
            assertEquals(poolBefore + k, count(b, FROM_POOL), "every one took a link handshaken before it came");
            // A's node handshakes are the pool's replacements (one per use, after the stream's CONNECTED) and
            // retirements (one per loop every 5 s); before the pool each stream's own link handshook before FORWARD
            assertTrue(handshakes <= k + 2 * Math.ceil(secs / 5) + 2, "A handshook only the pool's replacements: " + handshakes);

            // A dies with B's idle links to it open; it comes back at the same address
            a.kill9();
            a.startAndAwaitReady();
            h.awaitMembers(2);
            Await.until("the bridge is back on A", Duration.ofSeconds(30), () -> h.bridge.connectedNodes().size() == 1);
            ClusterHarness.awaitKnowsBridge(b);
            // no retries allowed: the stream must not fail because B's pooled links went stale
            get(w, "/after-restart");
            get(w, "/after-restart-2");
            assertEquals(0, count(b, "beacon_streams_failed_total"), "no stream failed on B");
        }
    }

    @Test
    void forwardedStreamsBeyondTheFarNodesPerSourceRateDoNotFail() throws Exception {
        ClusterHarness h = new ClusterHarness(dir, 2);
        NodeProcess a = h.node(0);
        NodeProcess b = h.node(1);
        // A's per-source rate at 10/s (burst 20): before links were exempt, B's links to A were refused past it
        a.with("limits: {connectionsPerSecondPerSource: 10}");
        try (h; StreamLoad load = new StreamLoad(2, 15_000)) {
            h.startAll();
            h.startBridge(List.of(a), false);
            ClusterHarness.awaitKnowsBridge(b);
            List<Wrapper> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) ids.add(Wrapper.of(h.pki, "many-" + i, "127.0.0." + (40 + i)));
            InetSocketAddress entry = new InetSocketAddress("127.0.0.1", b.relayPort);
            int total = 150;
            int inFlight = 8;
            Map<String, Integer> kinds = new TreeMap<>();
            List<String> details = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int done = 0; done < total; done += inFlight) {
                List<CompletableFuture<Outcome>> batch = new ArrayList<>();
                for (int i = 0; i < inFlight; i++) batch.add(load.attempt(ids.get((done + i) % ids.size()), entry, System.nanoTime()));
                for (CompletableFuture<Outcome> f : batch) {
                    Outcome o = f.get(30, TimeUnit.SECONDS);
                    kinds.merge(o.kind() + (o.code() == null ? "" : "/" + o.code()), 1, Integer::sum);
                    if (o.kind() != Kind.OK && details.size() < 5) details.add(o.detail());
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            int n = (total + inFlight - 1) / inFlight * inFlight;
            System.out.printf("link pool: %d forwarded streams in %.1f s (%.0f/s) past A's per-source rate of 10/s: %s%n", n, secs,
                    n / secs, kinds);
            assertEquals(Map.of("OK", n), kinds, "every forwarded stream succeeded: " + details);
            assertTrue(n > 20 + 10 * secs, "more than the per-source rate and burst would have let through");
            assertEquals(0, count(a, "beacon_handshake_failures_total{reason=\"rate_limited\""), "A refused none of B's links");
        }
    }
}
