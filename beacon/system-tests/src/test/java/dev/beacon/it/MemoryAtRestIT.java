package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.runtime.JvmFlags;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.TestPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A beacon node and a bridge, each started as a self-hoster runs them (the jar, the JVM flags the images, charts and
 * {@code local} mode ship: {@link JvmFlags}), the bridge registered with the node, hold under 128 MiB resident at rest,
 * after start-up and a GC (issue 15; the breakdown and the numbers: docs/decisions/0010-memory-at-rest.md).
 */
class MemoryAtRestIT {
    static final long LIMIT_KIB = 128 * 1024;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    @TempDir
    Path dir;

    @Test
    void nodeAndBridgeStayUnder128MiBAtRest() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        TlsFiles node = pki.node("node-1");
        int relay = NodeProcess.freePort();
        int nodeAdmin = NodeProcess.freePort();
        int bridgeAdmin = NodeProcess.freePort();
        Path nodeYaml = dir.resolve("node.yaml");
        Files.writeString(nodeYaml, String.join("\n",
                "relay: {host: 127.0.0.1, port: " + relay + "}",
                "admin: {host: 127.0.0.1, port: " + nodeAdmin + "}",
                "tls: {cert: " + node.cert() + ", key: " + node.key() + ", ca: " + node.ca() + "}", ""));
        TlsFiles outer = pki.bridge(Stack.TENANT, "main");
        TlsFiles inner = pki.innerBridge(Stack.TENANT, "main");
        Path bridgeYaml = dir.resolve("bridge.yaml");
        Files.writeString(bridgeYaml, String.join("\n",
                "beacon: {addresses: [\"localhost:" + relay + "\"]}",
                "tls: {cert: " + outer.cert() + ", key: " + outer.key() + ", ca: " + outer.ca() + "}",
                "inner: {cert: " + inner.cert() + ", key: " + inner.key() + ", ca: " + inner.ca() + "}",
                "allow: [\"spiffe://" + TestPki.COMPANY_DOMAIN + "/tenant/" + Stack.TENANT + "/wrapper/*\"]",
                "upstream: {address: \"127.0.0.1:9\"}",
                "admin: {host: 127.0.0.1, port: " + bridgeAdmin + "}", ""));

        Process n = start(JvmFlags.NODE, NodeProcess.JAR, List.of("server", "--config", nodeYaml.toString()), dir.resolve("node.log"));
        Process b = null;
        try {
            awaitOk(nodeAdmin, "/readyz", n, dir.resolve("node.log"));
            b = start(JvmFlags.BRIDGE, BridgeProcess.JAR, List.of("run", "--config", bridgeYaml.toString()), dir.resolve("bridge.log"));
            awaitOk(bridgeAdmin, "/readyz", b, dir.resolve("bridge.log"));
            // At rest: the bridge's control connection and its full pool of idle data connections are up, nothing flows.
            int pool = new dev.beacon.server.BeaconConfig().bridges.poolSize;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (idleDataConnections(nodeAdmin) < pool) {
                assertTrue(System.nanoTime() < deadline, "the bridge's pool never filled: " + get(nodeAdmin, "/bridges"));
                Thread.sleep(100); // polling the node's gauge of warm data connections
            }
            // Resident size after a full GC, read until it settles under the limit: the shipped flags return freed
            // native memory to the kernel every 5 s (-XX:TrimNativeHeapInterval), so a reading taken just after start-up
            // or a collection can still hold what the next trim gives back (a CI run read 131 MiB, then 111 MiB).
            long nodeRss = settledRss(n);
            long bridgeRss = settledRss(b);
            System.out.printf("MemoryAtRestIT: node RSS %d KiB, bridge RSS %d KiB (limit %d KiB)%n", nodeRss, bridgeRss, LIMIT_KIB);
            assertTrue(nodeRss < LIMIT_KIB, "node resident " + nodeRss / 1024 + " MiB at rest (lowest over 20 s), over 128 MiB; " + status(n));
            assertTrue(bridgeRss < LIMIT_KIB, "bridge resident " + bridgeRss / 1024 + " MiB at rest (lowest over 20 s), over 128 MiB; " + status(b));
        } finally {
            Processes.kill(b);
            Processes.kill(n);
        }
    }

    private static Process start(List<String> flags, Path jar, List<String> args, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(NodeProcess.java()));
        cmd.addAll(flags);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private static void awaitOk(int port, String path, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            if (!p.isAlive()) throw new AssertionError("exited with " + p.exitValue() + ": " + Processes.tail(log));
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (java.io.IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) throw new AssertionError("not ready: " + Processes.tail(log));
            Thread.sleep(50); // polling the child's readiness endpoint
        }
    }

    private static String get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * A full GC through jcmd (from the JDK running the process), then VmRSS in KiB every 250 ms until it is under the
     * limit, for at most 20 s (two trims of the native heap and more); the lowest reading.
     */
    private static long settledRss(Process p) throws Exception {
        Path jcmd = Path.of(NodeProcess.java()).resolveSibling("jcmd");
        if (Files.isExecutable(jcmd)) {
            new ProcessBuilder(jcmd.toString(), Long.toString(p.pid()), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
        long lowest = Long.MAX_VALUE;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            lowest = Math.min(lowest, rss(p));
            if (lowest < LIMIT_KIB || System.nanoTime() > deadline) return lowest;
            Thread.sleep(250); // sampling /proc until the process has given its freed pages back
        }
    }

    private static long rss(Process p) throws Exception {
        return Files.readString(Path.of("/proc", Long.toString(p.pid()), "status")).lines().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
    }

    private static int idleDataConnections(int admin) throws Exception {
        return get(admin, "/metrics").lines().filter(l -> l.startsWith("beacon_bridge_idle_data_connections"))
                .mapToInt(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static String status(Process p) throws Exception {
        return Files.readString(Path.of("/proc", Long.toString(p.pid()), "status")).lines()
                .filter(l -> l.startsWith("VmRSS") || l.startsWith("RssAnon") || l.startsWith("RssFile") || l.startsWith("Threads"))
                .reduce((a, c) -> a + ", " + c).orElse("").replaceAll("\\s+", " ");
    }
}
