package dev.beacon.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.Identity;
import dev.beacon.tls.TlsConfigException;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three (or more) real nodes in one JVM on loopback: real sockets, real mTLS, SWIM and the presence gossip. */
class ClusterIT {

    static final String TD = TestPki.TRUST_DOMAIN;
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    static TestPki pki;

    private final List<Cluster> started = new CopyOnWriteArrayList<>();
    private final Map<Cluster, MeterRegistry> registries = new ConcurrentHashMap<>();

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir);
    }

    @AfterEach
    void stopAll() {
        // in parallel: stopping Atomix's event loops takes a couple of seconds each
        CompletableFuture.allOf(started.stream().map(c -> CompletableFuture.runAsync(c::close)).toArray(CompletableFuture[]::new))
                .orTimeout(30, TimeUnit.SECONDS).join();
    }

    @AfterAll
    static void nothingKeepsRunning() {
        Await.until("cluster threads gone after close()", WAIT, () -> clusterThreads().isEmpty());
    }

    static List<String> clusterThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("beacon-gossip") || n.startsWith("beacon-cluster") || n.startsWith("netty-messaging")
                        || n.startsWith("atomix-"))
                .toList();
    }

    // ---- membership --------------------------------------------------------------------------------------------

    @Test
    void threeNodesFindEachOtherFromStaticPeersWithTheirProperties() {
        int[] ports = freePorts(3);
        long t0 = System.nanoTime();
        List<Cluster> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) nodes.add(start("n" + (i + 1), ports, i));
        long upMs = (System.nanoTime() - t0) / 1_000_000;
        awaitMembers(nodes, 3);
        long readyMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("3 nodes: start() returned after %d ms (all three), every node sees 3 reachable members after %d ms%n", upMs, readyMs);
        assertTrue(readyMs < 3000, "cluster of 3 ready in " + readyMs + " ms");

        for (Cluster c : nodes) {
            assertEquals(c.localId(), c.members().get(0).id(), "local member first");
            for (int i = 0; i < 3; i++) {
                Member m = c.member("n" + (i + 1)).orElseThrow();
                assertTrue(m.reachable());
                assertEquals("127.0.0.1", m.host());
                assertEquals(ports[i], m.port());
                assertEquals(Map.of("relay", "127.0.0.1:" + (20000 + i)), m.properties());
            }
        }
        MeterRegistry meters = registries.get(nodes.get(0));
        assertEquals(3.0, meters.get("beacon_cluster_members").tag("state", "reachable").gauge().value());
        assertEquals(0.0, meters.get("beacon_cluster_members").tag("state", "unreachable").gauge().value());
        assertTrue(meters.get("beacon_cluster_membership_changes_total").counter().count() >= 1);
        String scrape = ((PrometheusMeterRegistry) meters).scrape();
        assertTrue(scrape.contains("beacon_cluster_members{state=\"reachable\"} 3"), scrape);
        assertTrue(scrape.contains("beacon_cluster_membership_changes_total "), scrape);
        assertTrue(scrape.contains("beacon_gossip_convergence_seconds_bucket{le="), scrape);
    }

    @Test
    void peersAreCheckedByIdentityNotHostName() {
        // the node certificates name localhost and 127.0.0.1 only; a node reached at 127.0.0.2 still joins
        Assumptions.assumeTrue(canBind("127.0.0.2"), "127.0.0.2 is not a local address here");
        int[] ports = freePorts(2);
        Cluster a = start("n1", ports, 0);
        ClusterConfig cfg = config(ports, 1);
        cfg.host = "127.0.0.2";
        Cluster b = start(cfg, "n2", pki.node("n2"), true);
        awaitMembers(List.of(a, b), 2);
        assertEquals("127.0.0.2", a.member("n2").orElseThrow().host());
    }

    @Test
    void peersFromDnsAndAPickedPort() {
        ClusterConfig first = config(new int[]{0}, 0); // port 0: pick one
        Cluster a = start(first, "n1", pki.node("n1"), true);
        assertTrue(a.messagingPort() > 0);
        ClusterConfig second = config(new int[]{0}, 0);
        second.peersDns = "localhost:" + a.messagingPort(); // every address "localhost" resolves to, at that port
        Cluster b = start(second, "n2", pki.node("n2"), true);
        awaitMembers(List.of(a, b), 2);
        assertEquals(a.messagingPort(), b.member("n1").orElseThrow().port());
    }

    // ---- presence ----------------------------------------------------------------------------------------------

    @Test
    void presencePublishedOnOneNodeIsLocatedOnTheOthersAndWithdrawn() throws Exception {
        List<Cluster> nodes = startThree();
        Cluster a = nodes.get(0), b = nodes.get(1), c = nodes.get(2);

        a.publish(new Presence(TD, "acme", "acme-bridge", "n1", 1000, 3, 0));
        await("acme-bridge located on every node", () -> nodes.stream().allMatch(n -> n.locate(TD, "acme", "acme-bridge").size() == 1));
        Presence seen = b.locate(TD, "acme", "acme-bridge").get(0);
        assertEquals("n1", seen.node());
        assertEquals(1000, seen.sinceMillis());
        assertEquals(3, seen.bridgeVersion());
        assertTrue(seen.publishedAtMillis() > 0, "v2 carries the publish time");
        assertTrue(b.locate(TD, "acme", "other").isEmpty());
        assertTrue(b.locate("other.test", "acme", "acme-bridge").isEmpty());

        // the same bridge on two nodes: located twice
        c.publish(new Presence(TD, "acme", "acme-bridge", "n3", 2000, 3, 0));
        await("bridge on n1 and n3", () -> nodes.stream().allMatch(n -> n.locate(TD, "acme", "acme-bridge").size() == 2));
        assertThrows(IllegalArgumentException.class, () -> a.publish(new Presence(TD, "acme", "x", "n2", 1, 1, 0)));

        // convergence: 200 publishes on n1, each awaited on n2 and n3 (listener-driven, no polling)
        List<Long> endToEndMicros = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String bridge = "bridge-" + (i % 10);
            int version = 100 + i;
            CompletableFuture<Void> onB = seen(b, bridge, version);
            CompletableFuture<Void> onC = seen(c, bridge, version);
            long t = System.nanoTime();
            a.publish(new Presence(TD, "acme", bridge, "n1", 1000, version, 0));
            CompletableFuture.allOf(onB, onC).get(5, TimeUnit.SECONDS);
            endToEndMicros.add((System.nanoTime() - t) / 1000);
        }
        Timer timer = registries.get(b).get("beacon_gossip_convergence_seconds").timer();
        assertTrue(timer.count() >= 200, "convergence recorded for each applied entry: " + timer.count());
        HistogramSnapshot snap = timer.takeSnapshot();
        endToEndMicros.sort(null);
        System.out.printf("presence convergence over 200 publishes: timer on n2 (%d samples) p50 <= %.1f ms, p99 <= %.1f ms, max %.1f ms; "
                        + "end to end in the test (publish on n1 until seen on n2 and n3) p50 %.2f ms, p99 %.2f ms%n",
                timer.count(), quantileMs(snap, 0.5), quantileMs(snap, 0.99), timer.max(TimeUnit.MILLISECONDS),
                endToEndMicros.get(99) / 1000.0, endToEndMicros.get(197) / 1000.0);
        assertTrue(endToEndMicros.get(197) < 200_000, "p99 convergence under 200 ms");

        a.withdraw(TD, "acme", "acme-bridge");
        await("withdrawal reaches every node", () -> nodes.stream().allMatch(n -> n.locate(TD, "acme", "acme-bridge").size() == 1
                && n.locate(TD, "acme", "acme-bridge").get(0).node().equals("n3")));
        a.withdrawAll();
        await("withdrawAll reaches every node", () -> nodes.stream().allMatch(
                n -> n.presence().stream().noneMatch(p -> p.node().equals("n1"))));
        assertEquals(1, b.presence().size());
    }

    @Test
    void aCleanLeaveRemovesTheNodeAndItsEntriesAtOnce() {
        List<Cluster> nodes = startThree();
        Cluster a = nodes.get(0), b = nodes.get(1), c = nodes.get(2);
        c.publish(new Presence(TD, "acme", "acme-bridge", "n3", 1, 1, 0));
        await("entry of n3 everywhere", () -> a.locate(TD, "acme", "acme-bridge").size() == 1 && b.locate(TD, "acme", "acme-bridge").size() == 1);
        List<String> changes = new CopyOnWriteArrayList<>();
        a.onMembershipChange(() -> changes.add(a.members().stream().map(Member::id).collect(Collectors.joining(","))));
        AtomicLongArray goneAt = new AtomicLongArray(2);
        for (int i = 0; i < 2; i++) {
            Cluster n = nodes.get(i);
            int k = i;
            n.onPresenceChange(() -> {
                if (n.member("n3").isEmpty() && n.locate(TD, "acme", "acme-bridge").isEmpty()) goneAt.compareAndSet(k, 0, System.nanoTime());
            });
        }

        long t0 = System.nanoTime();
        c.close();
        long closeMs = (System.nanoTime() - t0) / 1_000_000;
        await("n3 gone from n1 and n2", () -> a.member("n3").isEmpty() && b.member("n3").isEmpty()
                && a.locate(TD, "acme", "acme-bridge").isEmpty() && b.locate(TD, "acme", "acme-bridge").isEmpty());
        long goneMs = (Math.max(goneAt.get(0), goneAt.get(1)) - t0) / 1_000_000;
        System.out.printf("clean leave: n3 and its entries gone from the others %d ms after close() began (close() itself took %d ms,"
                + " mostly Atomix stopping its event loops)%n", goneMs, closeMs);
        assertTrue(goneMs < 500, "gone in " + goneMs + " ms");
        assertTrue(changes.contains("n1,n2"), "membership listener saw n3 leave: " + changes);
        assertEquals(2, a.members().size());
        // and it stays gone while SWIM notices the dead port (it never shows up as unreachable in between)
        long rounds = a.antiEntropyRounds();
        await("a few anti-entropy rounds", () -> a.antiEntropyRounds() >= rounds + 3);
        assertTrue(a.member("n3").isEmpty());
        assertFalse(changes.stream().anyMatch(s -> s.contains("n3")), "n3 never came back: " + changes);
        // close() is idempotent and a no-op publish afterwards
        c.close();
        c.publish(new Presence(TD, "acme", "late", "n3", 1, 1, 0));
    }

    @Test
    void aKilledNodeTurnsUnreachableQuicklyAndItsEntriesStopCounting() {
        List<Cluster> nodes = startThree();
        Cluster a = nodes.get(0), b = nodes.get(1), c = nodes.get(2);
        c.publish(new Presence(TD, "acme", "acme-bridge", "n3", 1, 1, 0));
        await("entry of n3 everywhere", () -> a.locate(TD, "acme", "acme-bridge").size() == 1 && b.locate(TD, "acme", "acme-bridge").size() == 1);

        AtomicLongArray unreachableAt = new AtomicLongArray(2);
        for (int i = 0; i < 2; i++) {
            Cluster n = nodes.get(i);
            int k = i;
            n.onMembershipChange(() -> {
                if (n.member("n3").map(m -> !m.reachable()).orElse(true)) unreachableAt.compareAndSet(k, 0, System.nanoTime());
            });
        }
        long t0 = System.nanoTime();
        CompletableFuture<Void> crashed = CompletableFuture.runAsync(c::crash); // messaging port closed, no leave message
        await("n3 unreachable or gone on n1 and n2", () -> unreachableAt.get(0) != 0 && unreachableAt.get(1) != 0);
        long detectMs = (Math.max(unreachableAt.get(0), unreachableAt.get(1)) - t0) / 1_000_000;
        assertTrue(a.locate(TD, "acme", "acme-bridge").isEmpty() && b.locate(TD, "acme", "acme-bridge").isEmpty(),
                "entries of an unreachable node are not located");
        await("n3 removed from n1 and n2", () -> a.member("n3").isEmpty() && b.member("n3").isEmpty());
        long removedMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("killed node: unreachable on both others after %d ms (n1 %d ms, n2 %d ms), removed after %d ms%n", detectMs,
                (unreachableAt.get(0) - t0) / 1_000_000, (unreachableAt.get(1) - t0) / 1_000_000, removedMs);
        crashed.join();
        assertTrue(detectMs < 3000, "failure detected in " + detectMs + " ms");
        assertEquals(2.0, registries.get(a).get("beacon_cluster_members").tag("state", "reachable").gauge().value());
        assertTrue(a.presence().isEmpty());
    }

    @Test
    void aNodeRestartedWithTheSameIdRejoins() {
        int[] ports = freePorts(3);
        List<Cluster> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) nodes.add(start(named(config(ports, i)), "n" + (i + 1), pki.node("n" + (i + 1)), true));
        awaitMembers(nodes, 3);
        Cluster a = nodes.get(0);
        nodes.get(2).crash();
        await("n3 removed", () -> a.member("n3").isEmpty());
        Cluster again = start(named(config(ports, 2)), "n3", pki.node("n3"), true);
        again.publish(new Presence(TD, "acme", "acme-bridge", "n3", 1, 1, 0));
        await("restarted n3 is back with its entries", () -> a.member("n3").map(Member::reachable).orElse(false)
                && a.locate(TD, "acme", "acme-bridge").size() == 1 && again.members().size() == 3);
    }

    // ---- versions ----------------------------------------------------------------------------------------------

    @Test
    void aNodeOnThePreviousProtocolVersionSharesPresenceBothWays() {
        int[] ports = freePorts(3);
        ClusterConfig old = config(ports, 0);
        old.protocolVersion = Presence.PREVIOUS_VERSION;
        Cluster a = start(old, "n1", pki.node("n1"), true);
        Cluster b = start("n2", ports, 1);
        Cluster c = start("n3", ports, 2);
        List<Cluster> nodes = List.of(a, b, c);
        awaitMembers(nodes, 3);

        a.publish(new Presence(TD, "acme", "from-v1", "n1", 11, 1, 0));
        b.publish(new Presence(TD, "acme", "from-v2", "n2", 22, 2, 0));
        await("both entries on every node", () -> nodes.stream().allMatch(
                n -> n.locate(TD, "acme", "from-v1").size() == 1 && n.locate(TD, "acme", "from-v2").size() == 1));
        Presence fromOld = c.locate(TD, "acme", "from-v1").get(0);
        assertEquals(11, fromOld.sinceMillis());
        assertEquals(0, fromOld.publishedAtMillis(), "v1 carries no publish time");
        assertTrue(a.locate(TD, "acme", "from-v2").get(0).publishedAtMillis() > 0, "the v1 node reads v2 (and keeps what it knows)");
        a.withdraw(TD, "acme", "from-v1");
        await("v1 withdrawal everywhere", () -> nodes.stream().allMatch(n -> n.locate(TD, "acme", "from-v1").isEmpty()));
    }

    // ---- who may join ------------------------------------------------------------------------------------------

    @Test
    void startRefusesAWrapperOrBridgeCertificate() {
        int[] ports = freePorts(1);
        TlsConfigException e = assertThrows(TlsConfigException.class,
                () -> start(config(ports, 0), "n1", pki.wrapper("acme", "demo"), true));
        assertTrue(e.getMessage().contains("wrapper certificate") && e.getMessage().contains("needs a node certificate"), e.getMessage());
        e = assertThrows(TlsConfigException.class, () -> start(config(ports, 0), "n1", pki.bridge("acme", "acme-bridge"), true));
        assertTrue(e.getMessage().contains("bridge certificate"), e.getMessage());
    }

    @Test
    void startRefusesMissingFilesAndACertificateTheBundleDoesNotVouchFor() {
        int[] ports = freePorts(1);
        TlsFiles good = pki.node("n1");
        Path missing = dir.resolve("nope/tls.crt");
        TlsConfigException e = assertThrows(TlsConfigException.class,
                () -> start(config(ports, 0), "n1", new TlsFiles(missing, good.key(), good.ca()), true));
        assertTrue(e.getMessage().contains("file not found") && e.getMessage().contains(missing.toString()), e.getMessage());
        e = assertThrows(TlsConfigException.class,
                () -> start(config(ports, 0), "n1", new TlsFiles(good.cert(), dir.resolve("nope/tls.key"), good.ca()), true));
        assertTrue(e.getMessage().contains("tls.key"), e.getMessage());
        TlsFiles foreign = foreignNode("x1", dir.resolve("beacon-ca/ca.crt"));
        e = assertThrows(TlsConfigException.class, () -> start(config(ports, 0), "x1", foreign, true));
        assertTrue(e.getMessage().contains("not valid under the CA bundle"), e.getMessage());
    }

    @Test
    void aWrapperCertificateSmuggledPastStartIsRefusedByTheOthers() {
        // the intruder's store is built anyway (test hook): same CA, valid chain, but a wrapper identity
        refusedIntruder(pki.wrapper("acme", "demo"));
    }

    @Test
    void aNodeCertificateFromAnotherCaIsRefusedByTheOthers() {
        // a node identity signed by an unrelated CA, trusting the beacon CA so that it can verify the others
        refusedIntruder(foreignNode("x1", dir.resolve("beacon-ca/ca.crt")));
    }

    @Test
    void aNodeOfAnotherCaWithItsOwnBundleStartsAloneAndNeverJoins() {
        int[] ports = freePorts(4);
        List<Cluster> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) nodes.add(start("n" + (i + 1), ports, i));
        Cluster other = start(config(ports, 3), "x1", foreignNode("x1", dir.resolve("other-ca/ca.crt")), true);
        awaitMembers(nodes, 3);
        long rounds = other.antiEntropyRounds();
        await("a few rounds", () -> other.antiEntropyRounds() >= rounds + 3);
        assertEquals(List.of("x1"), other.members().stream().map(Member::id).toList());
        for (Cluster c : nodes) assertTrue(c.member("x1").isEmpty());
    }

    /** Three good nodes that also list the intruder as a peer (so they probe it too), and the intruder. */
    private void refusedIntruder(TlsFiles intruderTls) {
        int[] ports = freePorts(4);
        Set<String> everSeen = ConcurrentHashMap.newKeySet();
        List<Cluster> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Cluster c = start("n" + (i + 1), ports, i);
            c.onMembershipChange(() -> c.members().forEach(m -> everSeen.add(m.id())));
            nodes.add(c);
        }
        Cluster intruder = start(config(ports, 3), "x1", intruderTls, false);
        awaitMembers(nodes, 3);
        nodes.get(0).publish(new Presence(TD, "acme", "acme-bridge", "n1", 1, 1, 0));
        await("entry on n2 and n3", () -> nodes.get(1).locate(TD, "acme", "acme-bridge").size() == 1
                && nodes.get(2).locate(TD, "acme", "acme-bridge").size() == 1);
        long mine = intruder.antiEntropyRounds();
        long theirs = nodes.get(0).antiEntropyRounds();
        // several probe and anti-entropy rounds on both sides
        await("three anti-entropy rounds", () -> intruder.antiEntropyRounds() >= mine + 3 && nodes.get(0).antiEntropyRounds() >= theirs + 3);
        assertFalse(everSeen.contains("x1"), "a good node listed the intruder: " + everSeen);
        for (Cluster c : nodes) {
            assertTrue(c.member("x1").isEmpty());
            assertEquals(3, c.members().size());
        }
        assertEquals(List.of("x1"), intruder.members().stream().map(Member::id).toList(), "the intruder sees no one");
        assertTrue(intruder.presence().isEmpty(), "the intruder received no presence");
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private List<Cluster> startThree() {
        int[] ports = freePorts(3);
        List<Cluster> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) nodes.add(start("n" + (i + 1), ports, i));
        awaitMembers(nodes, 3);
        return nodes;
    }

    private Cluster start(String id, int[] ports, int index) {
        return start(config(ports, index), id, pki.node(id), true);
    }

    private Cluster start(ClusterConfig cfg, String id, TlsFiles tls, boolean checked) {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Cluster c = Cluster.start(cfg, id, tls, Map.of("relay", "127.0.0.1:" + (20000 + relayIndex(id))),
                meters, checked);
        started.add(c);
        registries.put(c, meters);
        return c;
    }

    private static int relayIndex(String id) {
        return id.startsWith("n") ? Integer.parseInt(id.substring(1)) - 1 : 99;
    }

    /** Node {@code index} of a cluster on {@code ports}: binds its own port, lists every other one as a peer. */
    static ClusterConfig config(int[] ports, int index) {
        ClusterConfig cfg = new ClusterConfig();
        cfg.enabled = true;
        cfg.host = "127.0.0.1";
        cfg.port = ports[index];
        cfg.antiEntropyInterval = Duration.ofMillis(300); // the tests wait for a few rounds
        for (int i = 0; i < ports.length; i++) {
            if (i != index) cfg.peers.add("127.0.0.1:" + ports[i]);
        }
        return cfg;
    }

    /** The same peers spelled by name: members advertise 127.0.0.1, discovery knows them as localhost. */
    private static ClusterConfig named(ClusterConfig cfg) {
        cfg.peers.replaceAll(p -> p.replace("127.0.0.1:", "localhost:"));
        return cfg;
    }

    private static TlsFiles foreignNode(String id, Path caFile) {
        TlsFiles f = pki.issue(pki.otherCa, "foreign-node-" + id + "-" + caFile.getParent().getFileName(), Identity.node(TD, id),
                r -> r.dns("localhost").ip("127.0.0.1"));
        return new TlsFiles(f.cert(), f.key(), caFile);
    }

    private static void awaitMembers(List<Cluster> nodes, int n) {
        await(n + " reachable members on every node", () -> nodes.stream().allMatch(
                c -> c.members().size() == n && c.members().stream().allMatch(Member::reachable)));
    }

    private static void await(String what, BooleanSupplier condition) {
        Await.until(what, WAIT, condition);
    }

    /** Completes when {@code c} locates the bridge at {@code version}; driven by the presence listener. */
    private static CompletableFuture<Void> seen(Cluster c, String bridge, int version) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Runnable check = () -> {
            if (c.locate(TD, "acme", bridge).stream().anyMatch(p -> p.bridgeVersion() == version)) f.complete(null);
        };
        c.onPresenceChange(check);
        check.run();
        return f;
    }

    /** Quantile from the timer's histogram buckets, interpolated inside the bucket (as Prometheus does). */
    static double quantileMs(HistogramSnapshot s, double q) {
        CountAtBucket[] buckets = s.histogramCounts();
        double[] cumulative = new double[buckets.length];
        boolean alreadyCumulative = buckets.length > 0 && buckets[buckets.length - 1].count() == s.count();
        double run = 0;
        for (int i = 0; i < buckets.length; i++) {
            if (i > 0 && buckets[i].count() < buckets[i - 1].count()) alreadyCumulative = false;
        }
        for (int i = 0; i < buckets.length; i++) {
            run = alreadyCumulative ? buckets[i].count() : run + buckets[i].count();
            cumulative[i] = run;
        }
        double rank = q * s.count();
        double prevBound = 0, prevCount = 0;
        for (int i = 0; i < buckets.length; i++) {
            if (cumulative[i] >= rank) {
                double inBucket = cumulative[i] - prevCount;
                double frac = inBucket == 0 ? 1 : (rank - prevCount) / inBucket;
                return (prevBound + frac * (buckets[i].bucket() - prevBound)) / 1e6;
            }
            prevBound = buckets[i].bucket();
            prevCount = cumulative[i];
        }
        return Double.NaN;
    }

    static int[] freePorts(int n) {
        int[] out = new int[n];
        List<ServerSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
                open.add(s);
                out[i] = s.getLocalPort();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } finally {
            for (ServerSocket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a probe socket
                }
            }
        }
        return out;
    }

    /** Whether {@code host} is an address of this machine (127.0.0.2 stands in for a second client host). */
    static boolean canBind(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
