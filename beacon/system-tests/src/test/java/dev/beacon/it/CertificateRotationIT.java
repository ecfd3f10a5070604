package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.bridge.BridgeConfig;
import dev.beacon.tls.Certificates;
import dev.beacon.tls.DevCa;
import dev.beacon.tls.Identity;
import dev.beacon.tls.Pem;
import dev.beacon.tls.TlsConfigException;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate rotation under continuous requests, in the order docs/certificates.md gives: renew every certificate
 * ({@code pki renew}, hot reload), then rotate the operator's CA with an overlapping bundle (add the new CA everywhere,
 * reissue from it, remove the old one). Between steps it waits on evidence, {@code /tls} on every node and the bridge,
 * never on a sleep. Three beacon node processes, a bridge process (bridge.jar) and the test upstream.
 */
class CertificateRotationIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration EVIDENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    TestPki pki;
    Path bundle;
    final List<NodeProcess> nodes = new ArrayList<>();
    final List<Path> outerDirs = new ArrayList<>();
    final List<Path> innerDirs = new ArrayList<>();
    BridgeProcess bridge;
    TlsFiles wrapperOuter;
    TlsFiles wrapperInner;

    @Test
    void renewalAndCaRotationUnderLoadFailNoRequest() throws Exception {
        pki = TestPki.create(dir.resolve("pki"));
        bundle = dir.resolve("trust/outer-bundle.crt");
        Files.createDirectories(bundle.getParent());
        writeBundle(pki.beaconCa.certificate());
        Instant tenDays = Instant.now().plus(Duration.ofDays(10));
        TestUpstream upstream = new TestUpstream();
        try (upstream) {
            List<String> ids = List.of("na", "nb", "nc");
            for (String id : ids) {
                TlsFiles f = shortLived(pki.beaconCa, "node-" + id, Identity.node(TestPki.TRUST_DOMAIN, id), tenDays, true);
                outerDirs.add(f.cert().getParent());
                nodes.add(new NodeProcess(dir.resolve("nodes"), id, new TlsFiles(f.cert(), f.key(), bundle))
                        .with("tls: {reloadInterval: 200ms}").with("drain: {gracePeriod: 10s}"));
            }
            for (NodeProcess n : nodes) n.peers(nodes);
            BridgeConfig c = Stack.bridgeConfig(pki, nodes.stream().map(NodeProcess::relay).toList(), upstream.address());
            // the certificates bridgeConfig issued, replaced by ones 10 days from expiry: pki renew must pick them
            TlsFiles bo = shortLived(pki.beaconCa, "bridge-acme-" + Stack.BRIDGE, Identity.bridge(TestPki.TRUST_DOMAIN, Stack.TENANT, Stack.BRIDGE), tenDays, false);
            TlsFiles bi = shortLived(pki.companyCa, "inner-bridge-acme-" + Stack.BRIDGE, Identity.bridge(TestPki.COMPANY_DOMAIN, Stack.TENANT, Stack.BRIDGE), tenDays, false);
            TlsFiles wo = shortLived(pki.beaconCa, "wrapper-acme-w", Identity.wrapper(TestPki.TRUST_DOMAIN, Stack.TENANT, "w"), tenDays, false);
            TlsFiles wi = shortLived(pki.companyCa, "inner-wrapper-acme-w", Identity.wrapper(TestPki.COMPANY_DOMAIN, Stack.TENANT, "w"), tenDays, false);
            outerDirs.add(bo.cert().getParent());
            outerDirs.add(wo.cert().getParent());
            innerDirs.add(bi.cert().getParent());
            innerDirs.add(wi.cert().getParent());
            wrapperOuter = new TlsFiles(wo.cert(), wo.key(), bundle);
            wrapperInner = wi;
            c.tls.cert = bo.cert().toString();
            c.tls.key = bo.key().toString();
            c.tls.ca = bundle.toString();
            c.tls.reloadInterval = Duration.ofMillis(200);
            c.inner.reloadInterval = Duration.ofMillis(200);
            c.beacon.followMembers = true;
            c.beacon.heartbeatInterval = Duration.ofSeconds(1);
            c.validate();

            long t0 = System.nanoTime();
            for (NodeProcess n : nodes) n.start();
            bridge = new BridgeProcess(c, dir.resolve("bridge"));
            try (BridgeProcess b = bridge; NodeCloser closer = new NodeCloser(nodes)) {
                for (NodeProcess n : nodes) n.awaitReady(Duration.ofSeconds(60));
                b.start();
                Await.until("bridge holds every node", Duration.ofSeconds(60), () -> b.heldNodes() == nodes.size());
                for (NodeProcess n : nodes) {
                    awaitExpiryWarning(n.id, dir.resolve("nodes/" + n.id + ".log"), pki.dir.resolve("node-" + n.id + "/tls.crt"));
                }
                awaitExpiryWarning("the bridge", dir.resolve("bridge/bridge.log"), bo.cert(), bi.cert());
                System.out.printf("rotation: stack up in %d ms%n", ms(t0));

                Load load = new Load(nodes.stream().map(NodeProcess::relay).toList());
                load.start(3);
                try {
                    load.awaitOk(20);
                    String oldCa = Certificates.sha256(pki.beaconCa.certificate());
                    String companyCa = Certificates.sha256(pki.companyCa.certificate());

                    // Phase A: pki renew (no --force: everything is 10 days from expiry), hot reload everywhere
                    long a = System.nanoTime();
                    Map<Path, String> before = serials();
                    String out = pki("--ca", pki.dir.resolve("beacon-ca").toString(), outerDirs);
                    out += pkiInProcess("--ca", pki.dir.resolve("company-ca").toString(), null, innerDirs);
                    assertTrue(out.contains("5 renewed, 0 left alone, 0 failed") && out.contains("2 renewed, 0 left alone, 0 failed"), out);
                    Map<Path, String> renewed = serials();
                    for (Path d : renewed.keySet()) assertNotEquals(before.get(d), renewed.get(d), d + " renewed");
                    awaitEvidence("A renewed", Set.of(oldCa), Set.of(companyCa));
                    long aOk = load.ok.get();
                    String again = pkiInProcess("--ca", pki.dir.resolve("beacon-ca").toString(), null, outerDirs);
                    assertTrue(again.contains("0 renewed, 5 left alone, 0 failed"), "idempotent: " + again);
                    load.awaitOk(aOk + 10);
                    long phaseA = ms(a);

                    // Phase B: CA rotation with an overlapping bundle
                    DevCa next = DevCa.create("beacon test CA 2");
                    Path nextDir = dir.resolve("pki/beacon-ca-2");
                    next.write(nextDir);
                    String newCa = Certificates.sha256(next.certificate());

                    long b1 = System.nanoTime();
                    writeBundle(pki.beaconCa.certificate(), next.certificate()); // 1. new CA added everywhere
                    awaitEvidence("B1 both CAs trusted", Set.of(oldCa, newCa), Set.of(companyCa));
                    rollingRestart("B1", Set.of(oldCa, newCa), Set.of(companyCa), load);
                    load.awaitOk(load.ok.get() + 10);
                    long phaseB1 = ms(b1);

                    long b2 = System.nanoTime();
                    pkiInProcess("--ca", nextDir.toString(), "--force", outerDirs); // 2. reissue every outer certificate from the new CA
                    awaitEvidence("B2 reissued from the new CA", Set.of(oldCa, newCa), Set.of(companyCa));
                    for (Path d : outerDirs) {
                        X509Certificate x = Pem.certificates(d.resolve("tls.crt")).get(0);
                        assertEquals(next.certificate().getSubjectX500Principal(), x.getIssuerX500Principal(), d.toString());
                    }
                    rollingRestart("B2", Set.of(oldCa, newCa), Set.of(companyCa), load);
                    load.awaitOk(load.ok.get() + 10);
                    long phaseB2 = ms(b2);

                    long b3 = System.nanoTime();
                    writeBundle(next.certificate()); // 3. old CA removed
                    awaitEvidence("B3 only the new CA trusted", Set.of(newCa), Set.of(companyCa));
                    rollingRestart("B3", Set.of(newCa), Set.of(companyCa), load);
                    load.awaitOk(load.ok.get() + 20);
                    long phaseB3 = ms(b3);

                    load.stop();
                    System.out.printf("rotation: requests sent=%d ok=%d failed=%d (material re-read while half-written: %d); "
                                    + "phase A (renew) %d ms, B1 (add CA) %d ms, B2 (reissue) %d ms, B3 (remove old CA) %d ms "
                                    + "(each B step with its rolling restart)%n",
                            load.sent.get(), load.ok.get(), load.failed.get(), load.tornReads.get(), phaseA, phaseB1, phaseB2, phaseB3);
                    assertEquals(List.of(), List.copyOf(load.failures), "every request during rotation succeeded");
                    assertEquals(0, load.failed.get());
                    assertTrue(load.ok.get() >= 60, "requests kept flowing: " + load.ok.get());
                    for (NodeProcess n : nodes) assertTrue(n.alive(), n.id + " still up: " + n.log());
                    assertTrue(bridge.process.isAlive(), "bridge still up");
                } finally {
                    load.stop();
                }
            }
        }
    }

    /** Until every polled context on every node and on the bridge serves the serial on disk and trusts exactly the given CAs. */
    private void awaitEvidence(String step, Set<String> outerCas, Set<String> innerCas) {
        awaitEvidence(step, outerCas, innerCas, false);
    }

    /** With {@code restarted}, the cluster port's context too (it shows its files as of the last start). */
    private void awaitEvidence(String step, Set<String> outerCas, Set<String> innerCas, boolean restarted) {
        Map<Path, String> want = serials();
        long t = System.nanoTime();
        for (NodeProcess n : nodes) {
            Await.until(step + ": " + n.id + " /tls", EVIDENCE,
                    () -> matches(tls("http://127.0.0.1:" + n.adminPort + "/tls"), want, outerCas, innerCas, restarted));
        }
        Await.until(step + ": bridge /tls", EVIDENCE,
                () -> matches(tls("http://127.0.0.1:" + bridge.adminPort + "/tls"), want, outerCas, innerCas, restarted));
        System.out.printf("rotation: %s: evidence on all %d processes after %d ms%n", step, nodes.size() + 1, ms(t));
    }

    private boolean matches(JsonNode tls, Map<Path, String> want, Set<String> outerCas, Set<String> innerCas, boolean restarted) {
        if (tls == null) return false;
        for (JsonNode ctx : tls.get("contexts")) {
            // the cluster port is loaded once: it can show the step's files only after a restart
            if (!restarted && !"polled".equals(ctx.path("reload").asText())) continue;
            String expected = want.get(Path.of(ctx.get("file").asText()).getParent());
            if (expected == null || !expected.equals(ctx.get("serial").asText())) return false;
            Set<String> trusted = new TreeSet<>();
            for (JsonNode ca : ctx.get("trusted_cas")) trusted.add(ca.get("fingerprint").asText());
            Set<String> expectCas = ctx.get("context").asText().equals("inner") ? innerCas : outerCas;
            if (!trusted.equals(new TreeSet<>(expectCas))) return false;
        }
        return true;
    }

    /**
     * The cluster port loads its material once, at start, so docs/certificates.md says to restart the nodes one at a time
     * after each rotation step. Each node: SIGTERM (drain), start, ready; then every node sees all three reachable over
     * the cluster port (which proves the restarted node's cluster TLS and its peers' accept each other), the bridge holds
     * every node again, every polled context shows the step's evidence, and requests keep succeeding.
     */
    private void rollingRestart(String step, Set<String> outerCas, Set<String> innerCas, Load load) throws Exception {
        for (NodeProcess r : nodes) {
            long t = System.nanoTime();
            assertEquals(0, r.terminate(Duration.ofSeconds(30)), step + ": " + r.id + " drained and stopped: " + r.log());
            r.start();
            r.awaitReady(Duration.ofSeconds(60));
            for (NodeProcess n : nodes) {
                Await.until(step + ": " + n.id + " sees all three nodes reachable after " + r.id + "'s restart",
                        Duration.ofSeconds(60), () -> ClusterHarness.reachable(n) == nodes.size());
            }
            Await.until(step + ": the bridge holds every node after " + r.id + "'s restart", Duration.ofSeconds(60),
                    () -> bridge.heldNodes() == nodes.size());
            System.out.printf("rotation: %s: %s restarted, rejoined and held again in %d ms%n", step, r.id, ms(t));
        }
        awaitEvidence(step + " after the rolling restart (the cluster port too)", outerCas, innerCas, true);
        load.awaitOk(load.ok.get() + 5);
    }

    private static JsonNode tls(String url) {
        try {
            return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        } catch (Exception e) {
            return null;
        }
    }

    /** The serial (hex) in each certificate directory now. */
    private Map<Path, String> serials() {
        Map<Path, String> out = new LinkedHashMap<>();
        for (Path d : outerDirs) out.put(d, Certificates.serial(Pem.certificates(d.resolve("tls.crt")).get(0)));
        for (Path d : innerDirs) out.put(d, Certificates.serial(Pem.certificates(d.resolve("tls.crt")).get(0)));
        return out;
    }

    private TlsFiles shortLived(DevCa ca, String name, Identity id, Instant notAfter, boolean server) {
        return pki.issue(ca, name, id, r -> {
            r.validity(Instant.now().minus(Duration.ofHours(1)), notAfter);
            return server ? r.dns("localhost").ip("127.0.0.1") : r;
        });
    }

    /** The trust bundle every outer party reads, replaced atomically. */
    private void writeBundle(X509Certificate... cas) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : cas) {
            sb.append("-----BEGIN CERTIFICATE-----\n")
                    .append(java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(c.getEncoded()))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        Path tmp = Files.createTempFile(bundle.getParent(), ".bundle", ".tmp");
        Files.writeString(tmp, sb);
        Files.move(tmp, bundle, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** beacon.jar pki renew, as an operator's timer runs it. */
    private static String pki(String caFlag, String caDir, List<Path> dirs) throws Exception {
        return pki(caFlag, caDir, null, dirs);
    }


    /** The same command in this JVM (a JVM start per call would cost seconds on a shared machine). */
    private static synchronized String pkiInProcess(String caFlag, String caDir, String extra, List<Path> dirs) {
        List<String> args = new ArrayList<>(List.of("pki", "renew", caFlag, caDir));
        if (extra != null) args.add(extra);
        for (Path d : dirs) args.add(d.toString());
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        int exit;
        System.setOut(new java.io.PrintStream(buf, true));
        try {
            exit = dev.beacon.runtime.Cli.commandLine(new dev.beacon.cli.BeaconMain()).execute(args.toArray(String[]::new));
        } finally {
            System.setOut(old);
        }
        String out = buf.toString();
        assertEquals(0, exit, out);
        System.out.print("rotation: pki renew (in process): " + out);
        return out;
    }

    private static String pki(String caFlag, String caDir, String extra, List<Path> dirs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", NodeProcess.JAR.toString(), "pki", "renew", caFlag, caDir));
        if (extra != null) cmd.add(extra);
        for (Path d : dirs) cmd.add(d.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        System.out.print("rotation: pki renew: " + out);
        return out;
    }

    /**
     * Until {@code log} has the start-up warning for each file. A line is matched by its file's directory and name, not
     * its whole path, so the evidence holds wherever the temp dir lies; on a timeout the failure quotes the expiry lines
     * the log does have and its tail.
     */
    private static void awaitExpiryWarning(String who, Path log, Path... files) {
        try {
            Await.until(who + " warned at start that its certificate expires within 30 days", EVIDENCE, () -> {
                String text = read(log);
                for (Path f : files) {
                    String tail = f.getParent().getFileName() + "/" + f.getFileName();
                    boolean found = text.lines().anyMatch(l -> l.contains("tls certificate expires on") && l.contains(tail + " "));
                    if (!found) return false;
                }
                return true;
            });
        } catch (AssertionError e) {
            String text = read(log);
            List<String> expiry = text.lines().filter(l -> l.contains("expir")).toList();
            throw new AssertionError(e.getMessage() + "; wanted " + List.of(files) + "; expiry lines " + expiry
                    + "; log tail:\n" + Processes.tail(log), e);
        }
    }

    /** The whole log, decoded leniently: a byte that is not UTF-8 (or a character cut mid-write) must not hide the rest. */
    private static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    /** Continuous wrapper requests; each re-reads its certificate files, as a wrapper started by a job would. */
    private final class Load {
        final List<String> beacons;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong sent = new AtomicLong();
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong tornReads = new AtomicLong();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();

        Load(List<String> beacons) {
            this.beacons = beacons;
        }

        void start(int n) {
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(this::loop, "rotation-load-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        private void loop() {
            int i = 0;
            while (running.get()) {
                WrapperClient w;
                try {
                    w = client();
                } catch (Exception e) {
                    failed.incrementAndGet();
                    failures.add("cannot load the wrapper's files: " + e);
                    continue;
                }
                sent.incrementAndGet();
                try (WrapperStream s = w.open(Stack.BRIDGE)) {
                    int status = HttpExchange.send(s, "GET", "/rotation/" + (i++), Map.of(), null).status();
                    if (status == 200) {
                        ok.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        failures.add("status " + status);
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                    failures.add(e.toString());
                }
            }
        }

        /** The files may be between the certificate's rename and the key's: read again (that is not a request). */
        private WrapperClient client() throws Exception {
            for (int attempt = 0; ; attempt++) {
                try {
                    WrapperClient.Options o = new WrapperClient.Options();
                    o.beacons = beacons;
                    o.outer = TlsMaterial.load(wrapperOuter);
                    o.inner = TlsMaterial.load(wrapperInner);
                    o.retryFor = Duration.ofSeconds(10);
                    o.readTimeout = Duration.ofSeconds(30);
                    return new WrapperClient(o);
                } catch (TlsConfigException e) {
                    tornReads.incrementAndGet();
                    if (attempt > 50) throw e;
                    Thread.sleep(10); // the other file's rename is microseconds away
                }
            }
        }

        void awaitOk(long atLeast) {
            Await.until(atLeast + " successful requests (ok=" + ok.get() + " failed=" + failed.get() + " " + failures + ")",
                    Duration.ofSeconds(30), () -> ok.get() >= atLeast);
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) t.join(35_000);
        }
    }

    /** bridge.jar run, as a real process, configured from a BridgeConfig (the keys it has). */
    private static final class BridgeProcess implements AutoCloseable {
        static final Path JAR = Path.of(System.getProperty("bridge.jar", "../../bridge/target/bridge.jar")).toAbsolutePath().normalize();
        final Path dir;
        final Path config;
        final int adminPort;
        Process process;

        BridgeProcess(BridgeConfig c, Path dir) throws Exception {
            this.dir = Files.createDirectories(dir);
            this.adminPort = NodeProcess.freePort();
            String yaml = "beacon: {addresses: [" + String.join(", ", c.beacon.addresses.stream().map(a -> "\"" + a + "\"").toList())
                    + "], followMembers: true, reconnectMin: 50ms, reconnectMax: 500ms, heartbeatInterval: 1s}\n"
                    + "tls: {cert: " + c.tls.cert + ", key: " + c.tls.key + ", ca: " + c.tls.ca + ", reloadInterval: 200ms}\n"
                    + "inner: {cert: " + c.inner.cert + ", key: " + c.inner.key + ", ca: " + c.inner.ca + ", reloadInterval: 200ms}\n"
                    + "allow: [\"" + String.join("\", \"", c.allow) + "\"]\n"
                    + "upstream: {address: \"" + c.upstream.address + "\"}\n"
                    + "admin: {host: 127.0.0.1, port: " + adminPort + "}\n";
            this.config = dir.resolve("bridge.yaml");
            Files.writeString(config, yaml);
        }

        void start() throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(java, "-Xmx256m", "-jar", JAR.toString(), "run", "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("bridge.log").toFile())).start();
        }

        /** Distinct nodes with a registered link, from /beacons. */
        int heldNodes() {
            if (!process.isAlive()) throw new AssertionError("bridge exited: " + read(dir.resolve("bridge.log")));
            JsonNode links = tls("http://127.0.0.1:" + adminPort + "/beacons");
            if (links == null || !links.isArray()) return -1;
            Set<String> held = new TreeSet<>();
            for (JsonNode l : links) if (l.path("registered").asBoolean(false)) held.add(l.path("node").asText());
            return held.size();
        }

        @Override
        public void close() throws Exception {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private record NodeCloser(List<NodeProcess> nodes) implements AutoCloseable {
        @Override
        public void close() {
            for (NodeProcess n : nodes) n.close();
        }
    }
}
