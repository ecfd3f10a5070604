package dev.beacon.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The acme bridge as a real process (bridge.jar run, configured by BRIDGE_* variables), so it can be killed with
 * SIGKILL (the kernel closes its sockets, as when a pod dies) or frozen with SIGSTOP. Several may run with the same
 * identity: replicas.
 */
public final class BridgeReplica implements AutoCloseable {
    static final Path JAR = Path.of(System.getProperty("bridge.jar", "../../bridge/target/bridge.jar")).toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    public final String name;
    public final int adminPort;
    /** Where its admin API listens and the tests reach it. */
    private final String adminHost;
    private final Path log;
    private final Process process;

    /** {@code env}: extra BRIDGE_* settings, e.g. BRIDGE_BEACON_FOLLOW_MEMBERS=false. */
    BridgeReplica(Path dir, String name, TestPki pki, List<String> beacons, String upstream, Map<String, String> env) throws IOException {
        this(dir, name, pki, Stack.TENANT, Stack.BRIDGE, beacons, upstream, env, List.of(), "127.0.0.1");
    }

    /**
     * A replica of bridge {@code bridgeId} of {@code tenant}, its admin API on {@code adminHost}, started with
     * {@code commandPrefix} before java (e.g. {@code ip netns exec NS}). {@code upstream} "" with BRIDGE_OPENBAO_* in env.
     */
    public BridgeReplica(Path dir, String name, TestPki pki, String tenant, String bridgeId, List<String> beacons, String upstream,
                         Map<String, String> env, List<String> commandPrefix, String adminHost) throws IOException {
        this.name = name;
        this.adminHost = adminHost;
        this.adminPort = NodeProcess.freePort();
        Files.createDirectories(dir);
        this.log = dir.resolve(name + ".log");
        TlsFiles outer = pki.bridge(tenant, bridgeId);
        TlsFiles inner = pki.innerBridge(tenant, bridgeId);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(commandPrefix);
        command.addAll(List.of(java, "-Xmx128m", "-jar", JAR.toString(), "run"));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> e = pb.environment();
        e.put("BRIDGE_BEACON_ADDRESSES", String.join(",", beacons));
        e.put("BRIDGE_TLS_CERT", outer.cert().toString());
        e.put("BRIDGE_TLS_KEY", outer.key().toString());
        e.put("BRIDGE_TLS_CA", outer.ca().toString());
        e.put("BRIDGE_INNER_CERT", inner.cert().toString());
        e.put("BRIDGE_INNER_KEY", inner.key().toString());
        e.put("BRIDGE_INNER_CA", inner.ca().toString());
        e.put("BRIDGE_ALLOW", "spiffe://" + TestPki.COMPANY_DOMAIN + "/tenant/" + tenant + "/wrapper/*");
        e.put("BRIDGE_UPSTREAM_ADDRESS", upstream);
        e.put("BRIDGE_ADMIN_HOST", adminHost);
        e.put("BRIDGE_ADMIN_PORT", Integer.toString(adminPort));
        e.putAll(env);
        this.process = pb.start();
    }

    /** Until /readyz is 200 (registered with a warm data connection). */
    public BridgeReplica awaitReady(Duration timeout) {
        dev.beacon.tls.testing.Await.until("bridge " + name + " ready", timeout, () -> {
            if (!process.isAlive()) throw new AssertionError("bridge " + name + " exited: " + log());
            return status("/readyz") == 200;
        });
        return this;
    }

    /** Beacon nodes this bridge holds a registered control connection to. */
    public int registeredNodes() {
        try {
            int n = 0;
            for (JsonNode b : new ObjectMapper().readTree(get("/beacons"))) if (b.path("registered").asBoolean(false)) n++;
            return n;
        } catch (Exception e) {
            return -1;
        }
    }

    public int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + adminHost + ":" + adminPort + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    private String get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + adminHost + ":" + adminPort + path)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** The Prometheus text of /metrics. */
    public String metrics() throws IOException, InterruptedException {
        return get("/metrics");
    }

    public void signal(String sig) throws IOException, InterruptedException {
        NodeProcess.signal(process, sig);
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public String log() {
        return Processes.tail(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill9();
    }
}
