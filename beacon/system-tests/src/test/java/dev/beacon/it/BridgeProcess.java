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
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A bridge as a real process (bridge.jar run), so a test can run one release's bridge beside another's. Configured
 * only with keys every release since issue 10 understands (beacon, tls, inner, allow, upstream, admin).
 */
final class BridgeProcess implements AutoCloseable {
    static final Path JAR = Path.of(System.getProperty("bridge.jar", "../../bridge/target/bridge.jar")).toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    final String name;
    final String bridgeId;
    final Path jar;
    final int adminPort;
    private final Path dir;
    private Process process;

    BridgeProcess(Path dir, String name, TestPki pki, String bridgeId, Path jar, List<String> beacons, String upstream)
            throws IOException {
        this.dir = dir;
        this.name = name;
        this.bridgeId = bridgeId;
        this.jar = jar;
        this.adminPort = NodeProcess.freePort();
        Files.createDirectories(dir);
        TlsFiles outer = pki.bridge(Stack.TENANT, bridgeId);
        TlsFiles inner = pki.innerBridge(Stack.TENANT, bridgeId);
        String addresses = beacons.stream().map(b -> "\"" + b + "\"").collect(Collectors.joining(", "));
        Files.writeString(config(), String.join("\n",
                "beacon: {addresses: [" + addresses + "], followMembers: true, reconnectMin: 50ms, reconnectMax: 500ms, heartbeatInterval: 1s}",
                "tls: {cert: " + outer.cert() + ", key: " + outer.key() + ", ca: " + outer.ca() + "}",
                "inner: {cert: " + inner.cert() + ", key: " + inner.key() + ", ca: " + inner.ca() + "}",
                "allow: [\"spiffe://" + TestPki.COMPANY_DOMAIN + "/tenant/" + Stack.TENANT + "/wrapper/*\"]",
                "upstream: {address: \"" + upstream + "\"}",
                "admin: {host: 127.0.0.1, port: " + adminPort + "}", ""));
    }

    private Path config() {
        return dir.resolve(name + ".yaml");
    }

    BridgeProcess start() throws IOException {
        process = new ProcessBuilder(NodeProcess.java(), "-Xmx192m", "-jar", jar.toString(), "run", "--config", config().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile()))
                .start();
        return this;
    }

    boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    JsonNode beacons() throws Exception {
        return new ObjectMapper().readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/beacons"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM, then waits; returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bridge " + name + " did not exit within " + timeout + " after SIGTERM: " + log());
        }
        return process.exitValue();
    }

    String log() {
        return Processes.tail(dir.resolve(name + ".log"));
    }

    @Override
    public void close() {
        Processes.kill(process);
    }
}
