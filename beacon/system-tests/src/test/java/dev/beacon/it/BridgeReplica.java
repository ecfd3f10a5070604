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
final class BridgeReplica implements AutoCloseable {
    static final Path JAR = Path.of(System.getProperty("bridge.jar", "../../bridge/target/bridge.jar")).toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    final String name;
    final int adminPort;
    private final Path log;
    private final Process process;

    /** {@code env}: extra BRIDGE_* settings, e.g. BRIDGE_BEACON_FOLLOW_MEMBERS=false. */
    BridgeReplica(Path dir, String name, TestPki pki, List<String> beacons, String upstream, Map<String, String> env) throws IOException {
        this.name = name;
        this.adminPort = NodeProcess.freePort();
        Files.createDirectories(dir);
        this.log = dir.resolve(name + ".log");
        TlsFiles outer = pki.bridge(Stack.TENANT, Stack.BRIDGE);
        TlsFiles inner = pki.innerBridge(Stack.TENANT, Stack.BRIDGE);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-jar", JAR.toString(), "run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> e = pb.environment();
        e.put("BRIDGE_BEACON_ADDRESSES", String.join(",", beacons));
        e.put("BRIDGE_TLS_CERT", outer.cert().toString());
        e.put("BRIDGE_TLS_KEY", outer.key().toString());
        e.put("BRIDGE_TLS_CA", outer.ca().toString());
        e.put("BRIDGE_INNER_CERT", inner.cert().toString());
        e.put("BRIDGE_INNER_KEY", inner.key().toString());
        e.put("BRIDGE_INNER_CA", inner.ca().toString());
        e.put("BRIDGE_ALLOW", "spiffe://" + TestPki.COMPANY_DOMAIN + "/tenant/" + Stack.TENANT + "/wrapper/*");
        e.put("BRIDGE_UPSTREAM_ADDRESS", upstream);
        e.put("BRIDGE_ADMIN_HOST", "127.0.0.1");
        e.put("BRIDGE_ADMIN_PORT", Integer.toString(adminPort));
        e.putAll(env);
        this.process = pb.start();
    }

    /** Until /readyz is 200 (registered with a warm data connection). */
    BridgeReplica awaitReady(Duration timeout) {
        dev.beacon.tls.testing.Await.until("bridge " + name + " ready", timeout, () -> {
            if (!process.isAlive()) throw new AssertionError("bridge " + name + " exited: " + log());
            return status("/readyz") == 200;
        });
        return this;
    }

    /** Beacon nodes this bridge holds a registered control connection to. */
    int registeredNodes() {
        try {
            int n = 0;
            for (JsonNode b : new ObjectMapper().readTree(get("/beacons"))) if (b.path("registered").asBoolean(false)) n++;
            return n;
        } catch (Exception e) {
            return -1;
        }
    }

    int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    private String get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    long pid() {
        return process.pid();
    }

    void signal(String sig) throws IOException, InterruptedException {
        NodeProcess.signal(process, sig);
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    String log() {
        return Processes.tail(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill9();
    }
}
