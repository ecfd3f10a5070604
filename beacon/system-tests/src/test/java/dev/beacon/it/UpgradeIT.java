package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling upgrade from the previous release (previous-release.properties: a commit of this repository, built from
 * git by scripts/build-previous-release.sh) to the current build, a rollback, a second upgrade and the bridge's
 * upgrade, all under continuous wrapper requests through an old and a new bridge, with the cluster's invariants checked
 * after every step, and one deliberately incompatible pairing that the same checks must catch. See
 * docs/upgrade-and-rollback.md. Not in the default suite (about 3 minutes plus the old release's build): run it with
 * {@code -Dit.test=UpgradeIT}.
 */
class UpgradeIT {
    static final String OLD_BRIDGE = Stack.BRIDGE;            // starts on the previous release's bridge.jar
    static final String NEW_BRIDGE = "acme-bridge-next";      // the current bridge.jar throughout
    static final List<String> BRIDGES = List.of(OLD_BRIDGE, NEW_BRIDGE);
    /**
     * A bridge has no drain: on SIGTERM it closes every connection at once, so a stream it was handed in the moment
     * of its exit dies (the wrapper sees the inner TLS handshake or the stream end). Such requests, of the old bridge,
     * while it exits, are reported apart and fail the test only with -Dupgrade.strictBridgeExit=true (see
     * docs/upgrade-and-rollback.md, Not covered). Every other failure, in every phase, fails the test.
     */
    static final boolean STRICT_BRIDGE_EXIT = Boolean.getBoolean("upgrade.strictBridgeExit");
    static final Duration SOAK = Duration.ofSeconds(Long.getLong("upgrade.soakSeconds", 20));

    @TempDir
    Path dir;

    @Test
    void rollingUpgradeRollbackAndBridgeUpgradeLoseNoRequest() throws Exception {
        Path old = previousRelease();
        Path oldBeacon = old.resolve("beacon.jar");
        Path oldBridge = old.resolve("bridge.jar");
        String release = Files.readString(old.resolve("commit.txt")).trim();
        System.out.println("upgrade: previous release " + release);

        Recorder rec = new Recorder();
        try (ClusterHarness h = new ClusterHarness(dir, 3)) {
            for (NodeProcess n : h.nodes) n.jar = oldBeacon;
            h.startAll();
            List<String> relays = h.nodes.stream().map(NodeProcess::relay).toList();
            List<BridgeProcess> bridges = new ArrayList<>();
            BridgeProcess bOld = new BridgeProcess(dir.resolve("bridges"), "bridge-old", h.pki, OLD_BRIDGE, oldBridge,
                    List.of(relays.get(0)), h.upstream.address());
            BridgeProcess bNew = new BridgeProcess(dir.resolve("bridges"), "bridge-new", h.pki, NEW_BRIDGE, BridgeProcess.JAR,
                    List.of(relays.get(1)), h.upstream.address());
            bridges.add(bOld);
            bridges.add(bNew);
            // closed before the finally block runs: the load stops first, so closing the bridges fails no request
            try (AutoCloseable closeBridges = () -> {
                rec.stop();
                bridges.forEach(BridgeProcess::close);
            }) {
                bOld.start();
                bNew.start();
                invariants(h, h.nodes, "all old, old and new bridge");
                Snapshot before = Snapshot.of(h);
                System.out.println("upgrade: before: " + before);

                rec.start(h);
                Await.until("requests flowing", Duration.ofSeconds(30), () -> rec.ok.get() > 20);

                rec.phase("upgrade");
                roll(h, rec, NodeProcess.JAR, "new", true);
                rec.phase("rollback");
                roll(h, rec, oldBeacon, "old", false);
                rec.phase("second upgrade");
                roll(h, rec, NodeProcess.JAR, "new", false);
                assertEquals(before, Snapshot.of(h), "membership and presence after rollback and second upgrade as before");

                // The bridge: start the new release beside the old under the same id (two replicas, as the chart
                // runs them), wait until every node holds both, then stop the old one: it drains its streams.
                rec.phase("bridge upgrade");
                BridgeProcess bUp = new BridgeProcess(dir.resolve("bridges"), "bridge-upgraded", h.pki, OLD_BRIDGE,
                        BridgeProcess.JAR, List.of(relays.get(2)), h.upstream.address());
                bridges.add(bUp);
                bUp.start();
                Await.until("every node holds both replicas of " + OLD_BRIDGE, Duration.ofSeconds(60),
                        () -> h.nodes.stream().allMatch(n -> controlConnections(n, OLD_BRIDGE) >= 2));
                rec.bridgeStopping = true;
                int exit = bOld.terminate(Duration.ofSeconds(60));
                Thread.sleep(1000); // a stream cut by the exit is reported by its wrapper within this
                rec.bridgeStopping = false;
                System.out.println("upgrade: old bridge exited " + exit + "; streams it cut on the way out: " + rec.cutByBridgeExit);
                invariants(h, h.nodes, "all new, bridge upgraded");
                Thread.sleep(3000); // requests through the upgraded bridge alone
                assertEquals(before, Snapshot.of(h), "membership and presence after the bridge's upgrade as before");

                // One deliberately incompatible pairing: a node whose cluster protocol the others do not speak (another
                // clusterName: Atomix refuses its every message). The same checks must catch it.
                rec.phase("incompatible");
                NodeProcess alien = new NodeProcess(dir.resolve("nodes"), "nd", h.pki.node("nd")).with("cluster: {clusterName: beacon-next}");
                alien.peers(h.nodes);
                try (alien) {
                    alien.startAndAwaitReady();
                    List<NodeProcess> four = new ArrayList<>(h.nodes);
                    four.add(alien);
                    AssertionError caught = assertThrows(AssertionError.class,
                            () -> invariants(h, four, "with a node of another cluster protocol", Duration.ofSeconds(10)));
                    System.out.println("upgrade: incompatible node caught: " + caught.getMessage());
                    assertTrue(caught.getMessage().contains("nd"), caught.getMessage());
                }
                // ... and a wrapper speaking only a wire version the beacon lacks: the recorder counts it as a failure.
                Recorder strict = new Recorder();
                strict.versions = List.of(2);
                strict.phase = "incompatible: wire version 2 only";
                strict.once(h, h.node(0), OLD_BRIDGE);
                assertEquals(1, strict.failures.size(), "a wrapper offering only version 2 is a failure");
                assertTrue(strict.failures.get(0).contains("unsupported_version") || strict.failures.get(0).contains("UNSUPPORTED_VERSION"),
                        strict.failures.toString());
                System.out.println("upgrade: wire version 2 only caught: " + strict.failures.get(0));
                invariants(h, h.nodes, "after the incompatible node left");
            } finally {
                rec.stop();
                rec.report();
            }
            assertEquals(List.of(), rec.failures, "no request failed during upgrade, rollback and bridge upgrade");
            if (STRICT_BRIDGE_EXIT) {
                assertEquals(List.of(), rec.cutByBridgeExit, "no stream cut by the old bridge's exit (-Dupgrade.strictBridgeExit)");
            }
        }
    }

    /** One node after the other: drain (SIGTERM), start on {@code jar}, then the invariants, before the next. */
    private void roll(ClusterHarness h, Recorder rec, Path jar, String label, boolean soakAfterFirst) throws Exception {
        jar = jar.toAbsolutePath().normalize();
        for (int i = 0; i < h.nodes.size(); i++) {
            NodeProcess n = h.nodes.get(i);
            long t0 = System.nanoTime();
            assertEquals(0, n.terminate(Duration.ofSeconds(40)), "node " + n.id + " exits 0 after draining");
            long drained = (System.nanoTime() - t0) / 1_000_000;
            n.jar = jar;
            n.startAndAwaitReady();
            String state = (i + 1) + " of 3 nodes " + label;
            invariants(h, h.nodes, state);
            System.out.printf("upgrade: %s -> %s: drained in %d ms, ready in %d ms; %s%n", n.id, label, drained, n.readyMillis, state);
            if (soakAfterFirst && i < 2) {
                long before = rec.ok.get();
                Thread.sleep(SOAK.toMillis() / 2); // a mixed-version cluster left running under load
                System.out.printf("upgrade: mixed cluster (%s) ran %d s: %d more requests%n", state, SOAK.toSeconds() / 2, rec.ok.get() - before);
                invariants(h, h.nodes, state + " after the soak");
            }
        }
    }

    static void invariants(ClusterHarness h, List<NodeProcess> nodes, String state) throws Exception {
        invariants(h, nodes, state, Duration.ofSeconds(45));
    }

    /**
     * Every node's membership view lists every node as reachable, every bridge is held by every node (its /bridges)
     * and every node's presence says so for every node; then a stream from every node to every bridge succeeds at
     * the first attempt (no retry): no stream is refused that should not be.
     */
    static void invariants(ClusterHarness h, List<NodeProcess> nodes, String state, Duration timeout) throws Exception {
        TreeSet<String> ids = new TreeSet<>();
        for (NodeProcess n : nodes) ids.add(n.id);
        for (NodeProcess n : nodes) {
            Await.until("[" + state + "] " + n.id + " sees members " + ids + " reachable", timeout, () -> members(n).equals(ids));
            for (String b : BRIDGES) {
                Await.until("[" + state + "] " + n.id + " holds bridge " + b, timeout, () -> controlConnections(n, b) >= 1);
            }
        }
        for (NodeProcess n : nodes) {
            Await.until("[" + state + "] " + n.id + "'s presence lists every bridge on every node " + ids, timeout,
                    () -> presence(n).containsAll(expectedPresence(ids)));
        }
        for (NodeProcess n : nodes) {
            for (String b : BRIDGES) {
                WrapperClient w = wrapper(h, "probe", List.of(n), Duration.ZERO, null);
                try (WrapperStream s = w.openOnce(n.relay(), b)) {
                    HttpExchange.Response r = HttpExchange.send(s, "GET", "/probe/" + n.id + "/" + b, Map.of(), null);
                    if (r.status() != 200) throw new AssertionError("[" + state + "] " + n.id + " -> " + b + ": HTTP " + r.status());
                } catch (IOException | RuntimeException e) {
                    throw new AssertionError("[" + state + "] a stream from " + n.id + " to " + b + " was refused: " + e, e);
                }
            }
        }
    }

    static TreeSet<String> expectedPresence(TreeSet<String> ids) {
        TreeSet<String> want = new TreeSet<>();
        for (String id : ids) for (String b : BRIDGES) want.add(b + "@" + id);
        return want;
    }

    static TreeSet<String> members(NodeProcess n) {
        TreeSet<String> s = new TreeSet<>();
        try {
            for (JsonNode m : n.json("/cluster").path("members")) if (m.path("reachable").asBoolean(false)) s.add(m.path("id").asText());
        } catch (Exception e) {
            s.add("(unreadable: " + e + ")");
        }
        return s;
    }

    static TreeSet<String> presence(NodeProcess n) {
        TreeSet<String> s = new TreeSet<>();
        try {
            for (JsonNode p : n.json("/cluster").path("presence")) {
                String uri = p.path("bridge").asText();
                s.add(uri.substring(uri.lastIndexOf('/') + 1) + "@" + p.path("node").asText());
            }
        } catch (Exception e) {
            s.add("(unreadable: " + e + ")");
        }
        return s;
    }

    static int controlConnections(NodeProcess n, String bridge) {
        try {
            for (JsonNode b : n.json("/bridges").path("bridges")) {
                String id = b.path("bridge").asText();
                if (id.equals(bridge) || id.endsWith("/" + bridge)) {
                    return b.path("control_connections").asInt(0);
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return 0;
    }

    /** Each wrapper's certificates, issued and loaded once: TestPki re-issues (rewrites the files) on every call. */
    private static final Map<String, TlsMaterial[]> MATERIAL = new ConcurrentHashMap<>();

    static WrapperClient wrapper(ClusterHarness h, String name, List<NodeProcess> entry, Duration retryFor, List<Integer> versions) {
        TlsMaterial[] m = MATERIAL.computeIfAbsent(h.dir + "/" + name, k -> new TlsMaterial[] {
                TlsMaterial.load(h.pki.wrapper(Stack.TENANT, name)), TlsMaterial.load(h.pki.innerWrapper(Stack.TENANT, name))});
        WrapperClient.Options o = new WrapperClient.Options();
        o.beacons = entry.stream().map(NodeProcess::relay).toList();
        o.outer = m[0];
        o.inner = m[1];
        o.retryFor = retryFor;
        o.readTimeout = Duration.ofSeconds(30);
        if (versions != null) o.versions = versions;
        return new WrapperClient(o);
    }

    /** Membership and presence as every node sees them, for "as before". */
    record Snapshot(Map<String, TreeSet<String>> members, Map<String, TreeSet<String>> presence) {
        static Snapshot of(ClusterHarness h) {
            Map<String, TreeSet<String>> m = new java.util.TreeMap<>();
            Map<String, TreeSet<String>> p = new java.util.TreeMap<>();
            for (NodeProcess n : h.nodes) {
                m.put(n.id, UpgradeIT.members(n));
                p.put(n.id, UpgradeIT.presence(n));
            }
            return new Snapshot(m, p);
        }
    }

    /** The previous release's jars, built from git by the script (cached under target/previous-release/<commit>). */
    static Path previousRelease() throws Exception {
        Properties p = new Properties();
        try (var in = Files.newInputStream(Path.of("previous-release.properties"))) {
            p.load(in);
        }
        // the previous release is built from this checkout's git history; a source tree without .git (an exported
        // tarball) cannot say what came before, which is an environment this test cannot run in, not a pass
        Process git = new ProcessBuilder("git", "rev-parse", "--git-dir").redirectErrorStream(true).start();
        git.getInputStream().readAllBytes();
        org.junit.jupiter.api.Assumptions.assumeTrue(git.waitFor() == 0,
                "UpgradeIT: this checkout is not a git repository, so the previous release cannot be built from its history");
        System.out.println("upgrade: previous release " + p.getProperty("name") + ", building or reusing it");
        Process b = new ProcessBuilder("bash", "scripts/build-previous-release.sh", p.getProperty("commit"))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(b.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(b.waitFor(15, TimeUnit.MINUTES), "previous release built within 15 min");
        assertEquals(0, b.exitValue(), "scripts/build-previous-release.sh failed: " + out);
        return Path.of(out.substring(out.lastIndexOf('\n') + 1));
    }

    /** Continuous requests, two threads (one per bridge), every node as entry in turn; per phase count, failures, slowest. */
    static final class Recorder {
        final AtomicLong ok = new AtomicLong();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final Map<String, long[]> phases = Collections.synchronizedMap(new java.util.LinkedHashMap<>()); // sent, failed, slowest ms
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();
        volatile String phase = "steady (all old)";
        volatile boolean bridgeStopping;
        final List<String> cutByBridgeExit = Collections.synchronizedList(new ArrayList<>());
        List<Integer> versions;

        void phase(String p) {
            System.out.println("upgrade: phase " + p);
            phase = p;
        }

        void start(ClusterHarness h) {
            for (String b : BRIDGES) {
                Thread t = new Thread(() -> {
                    int i = 0;
                    while (!stop.get()) {
                        // every node first in turn; the wrapper moves on to the next address after a refusal or drain
                        List<NodeProcess> order = new ArrayList<>(h.nodes);
                        Collections.rotate(order, i++ % order.size());
                        once(h, order, b, Duration.ofSeconds(15));
                    }
                }, "load-" + b);
                t.start();
                threads.add(t);
            }
        }

        void once(ClusterHarness h, NodeProcess entry, String bridge) {
            once(h, List.of(entry), bridge, Duration.ZERO);
        }

        void once(ClusterHarness h, List<NodeProcess> entry, String bridge, Duration retryFor) {
            String p = phase;
            long t0 = System.nanoTime();
            String failure = null;
            try (WrapperStream s = wrapper(h, "load", entry, retryFor, versions).open(bridge)) {
                int status = HttpExchange.send(s, "GET", "/upgrade/" + bridge, Map.of(), null).status();
                if (status != 200) failure = "HTTP " + status;
            } catch (ProtocolException e) {
                failure = e.wireCode + ": " + e.getMessage();
            } catch (Exception e) {
                failure = e.toString();
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long[] f = phases.computeIfAbsent(p, k -> new long[3]);
            synchronized (f) {
                f[0]++;
                if (failure != null) f[1]++;
                f[2] = Math.max(f[2], ms);
            }
            if (failure == null) ok.incrementAndGet();
            else if (bridgeStopping && bridge.equals(OLD_BRIDGE) && (failure.contains("inner TLS handshake")
                    || failure.contains("EOF") || failure.contains("Connection reset") || failure.contains("closed"))) {
                cutByBridgeExit.add("[" + p + "] via " + entry.get(0).id + " to " + bridge + ": " + failure);
            } else failures.add("[" + p + "] via " + entry.get(0).id + " to " + bridge + ": " + failure);
        }

        void stop() throws InterruptedException {
            if (stop.getAndSet(true)) return;
            for (Thread t : threads) t.join(60_000);
        }

        void report() {
            synchronized (phases) {
                phases.forEach((p, f) -> System.out.printf("upgrade: requests [%s]: %d sent, %d failed, slowest %d ms%n", p, f[0], f[1], f[2]));
            }
            for (String f : failures) System.out.println("upgrade: FAILED " + f);
            for (String f : cutByBridgeExit) System.out.println("upgrade: CUT BY THE OLD BRIDGE'S EXIT (known gap) " + f);
        }
    }
}
