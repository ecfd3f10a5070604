package dev.beacon.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.tls.TlsFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** One beacon node as a real process (beacon.jar server), so it can be drained with SIGTERM or killed with SIGKILL. */
public final class NodeProcess implements AutoCloseable {
    /** beacon.jar, as the build made it (beacon/system-tests/pom.xml passes its path). */
    static final Path JAR = Path.of(System.getProperty("beacon.jar", "../target/beacon.jar")).toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    public final String id;
    public final int relayPort;
    public final int adminPort;
    final int gossipPort;
    final Path dir;
    private final TlsFiles tls;
    private final List<String> extra = new ArrayList<>();
    /** Extra environment for the process, e.g. LD_PRELOAD of libfaketime (see {@link Faketime}). */
    final java.util.Map<String, String> env = new java.util.HashMap<>();
    private List<String> peerGossip = List.of();
    /** The address every listener binds and the tests reach it at; a network namespace's own address in the chaos tests. */
    public String host = "127.0.0.1";
    /** Put before the java command, e.g. {@code ip netns exec NS}, to run the node inside a network namespace. */
    public List<String> commandPrefix = List.of();
    private Process process;
    /** The beacon.jar this node runs on its next start: the current build by default, an older release's in UpgradeIT. */
    Path jar = JAR;
    /** Config lines used instead of {@link #with} lines on the next start, when set (a release that lacks a key). */
    List<String> extraOverride;
    /** CPUs the process may run on (taskset's list, e.g. "1"), or null for all: makes one node the bottleneck of a load test. */
    String cpus;
    /** Milliseconds from process start to /readyz 200, for the last start. */
    long readyMillis;

    public NodeProcess(Path dir, String id, TlsFiles tls) throws IOException {
        this.dir = dir;
        this.id = id;
        this.tls = tls;
        this.relayPort = freePort();
        this.adminPort = freePort();
        this.gossipPort = freePort();
        Files.createDirectories(dir);
    }

    public NodeProcess peers(List<NodeProcess> all) {
        peerGossip = all.stream().filter(n -> n != this).map(n -> n.host + ":" + n.gossipPort).toList();
        return this;
    }

    /** Extra config lines (YAML, top level), e.g. "drain: {gracePeriod: 5s}". */
    public NodeProcess with(String yamlLine) {
        extra.add(yamlLine);
        return this;
    }

    /** When the node's relay certificate expires, read from its file. */
    java.time.Instant certificateNotAfter() throws IOException, java.security.cert.CertificateException {
        try (var in = Files.newInputStream(tls.cert())) {
            return ((java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in)).getNotAfter().toInstant();
        }
    }

    public String relay() {
        return (host.equals("127.0.0.1") ? "localhost" : host) + ":" + relayPort;
    }

    private long startedAt;
    /** What the node tells bridges and peers to dial; defaults to its own relay port. */
    String advertiseRelay;

    public NodeProcess start() throws IOException {
        startedAt = System.nanoTime();
        String peers = peerGossip.stream().map(p -> "\"" + p + "\"").collect(Collectors.joining(", "));
        List<String> yaml = new ArrayList<>(List.of(
                "node: {id: " + id + ", advertiseRelay: \"" + (advertiseRelay != null ? advertiseRelay : relay()) + "\"}",
                "relay: {host: " + host + ", port: " + relayPort + "}",
                "admin: {host: " + host + ", port: " + adminPort + "}",
                "tls: {cert: " + tls.cert() + ", key: " + tls.key() + ", ca: " + tls.ca() + "}",
                "cluster: {enabled: true, host: " + host + ", port: " + gossipPort + ", peers: [" + peers + "]}"));
        // later keys of the same section merge: e.g. "cluster: {protocolVersion: 1}" would replace; use clusterExtra
        yaml.addAll(extraOverride != null ? extraOverride : extra);
        Path config = dir.resolve(id + ".yaml");
        Files.writeString(config, mergeSections(yaml));
        List<String> command = new ArrayList<>(commandPrefix);
        command.addAll(List.of(java(), "-Xmx256m", "-jar", jar.toString(), "server", "--config", config.toString()));
        if (cpus != null) command.addAll(0, List.of("taskset", "-c", cpus));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(id + ".log").toFile()));
        pb.environment().putAll(env);
        process = pb.start();
        return this;
    }

    /**
     * The java that runs the product's processes: the JVM running the tests (the failsafe {@code jvm}, so the jdk25
     * profile runs every process on JDK 25), or {@code -Dbeacon.it.java=/path/to/java}.
     */
    public static String java() {
        String j = System.getProperty("beacon.it.java", "");
        return j.isBlank() ? Path.of(System.getProperty("java.home"), "bin", "java").toString() : j;
    }

    /** Writes "section: {a: 1}" lines so a later line for the same section adds keys instead of replacing it. */
    private static String mergeSections(List<String> lines) {
        java.util.LinkedHashMap<String, List<String>> sections = new java.util.LinkedHashMap<>();
        for (String l : lines) {
            int c = l.indexOf(':');
            String name = l.substring(0, c).trim();
            String body = l.substring(c + 1).trim();
            body = body.substring(1, body.length() - 1).trim(); // strip { }
            sections.computeIfAbsent(name, k -> new ArrayList<>()).add(body);
        }
        StringBuilder sb = new StringBuilder();
        sections.forEach((k, v) -> sb.append(k).append(": {").append(String.join(", ", v)).append("}\n"));
        return sb.toString();
    }

    NodeProcess startAndAwaitReady() throws Exception {
        start();
        awaitReady(Duration.ofSeconds(30));
        return this;
    }

    /** Waits for /readyz 200 and records {@link #readyMillis} since the process started. */
    public void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) throw new AssertionError("node " + id + " exited with " + process.exitValue() + ": " + log());
            if (status("/readyz") == 200) {
                readyMillis = (System.nanoTime() - startedAt) / 1_000_000;
                return;
            }
            if (System.nanoTime() > deadline) throw new AssertionError("node " + id + " not ready: " + log());
            Thread.sleep(20); // polling the child's readiness endpoint
        }
    }

    public int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + adminPort + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    public JsonNode json(String path) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + adminPort + path))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return new ObjectMapper().readTree(body);
    }

    /** A counter or gauge from /metrics (sum over series matching the prefix), -1 when absent. */
    public double metric(String seriesPrefix) throws Exception {
        String body = metrics();
        double sum = -1;
        for (String line : body.split("\n")) {
            if (line.startsWith(seriesPrefix)) sum = Math.max(sum, 0) + Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return sum;
    }

    /** The Prometheus text of /metrics. */
    public String metrics() throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + adminPort + "/metrics"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** Sends a signal by name ("STOP" freezes the process: the kernel still accepts TCP, nothing answers; "CONT"). */
    public void signal(String name) throws IOException, InterruptedException {
        signal(process, name);
    }

    static void signal(Process p, String name) throws IOException, InterruptedException {
        int rc = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).inheritIO().start().waitFor();
        if (rc != 0) throw new IOException("kill -" + name + " " + p.pid() + " exited " + rc);
    }

    /** SIGKILL: no drain, no goodbye. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: drain, leave, exit; returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("node " + id + " did not exit within " + timeout + " after SIGTERM: " + log());
        }
        return process.exitValue();
    }

    int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) throw new AssertionError("node " + id + " still running");
        return process.exitValue();
    }

    public String log() {
        return Processes.tail(dir.resolve(id + ".log"));
    }

    @Override
    public void close() {
        Processes.kill(process);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
