package dev.beacon.it.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.it.BridgeReplica;
import dev.beacon.it.NodeProcess;
import dev.beacon.it.TestUpstream;
import dev.beacon.tls.Identity;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import dev.beacon.wrapper.WrapperClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole product in network namespaces: three beacon nodes (n1..n3), two bridge namespaces (b1, b2) each running
 * a replica of the OpenBao bridge {@code acme-bridge} and of the bulk bridge {@code globex-bulk} (another tenant, its
 * upstream the test JVM's {@link TestUpstream}), and the OpenBao HA simulator (bao). Wrappers run in the test JVM.
 */
public final class ChaosCluster implements AutoCloseable {
    public static final String TENANT = "acme";
    public static final String BRIDGE = "acme-bridge";
    public static final String BULK_TENANT = "globex";
    public static final String BULK_BRIDGE = "globex-bulk";
    static final Path SIM_JAR = Path.of(System.getProperty("openbao-sim.jar", "../../bridge/openbao-sim/target/openbao-sim.jar"))
            .toAbsolutePath().normalize();
    static final List<String> NODES = List.of("n1", "n2", "n3");
    static final List<String> BRIDGE_NS = List.of("b1", "b2");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final Topology net;
    final TestPki pki;
    final TestUpstream upstream;
    final List<NodeProcess> nodes = new ArrayList<>();
    /** By namespace then identity: "b1/acme-bridge" -> replica. */
    final Map<String, BridgeReplica> bridges = new LinkedHashMap<>();
    private Process sim;
    final int simControlPort = 8300;
    final List<Integer> simPorts = List.of(8201, 8202, 8203);

    ChaosCluster(Path dir) throws Exception {
        this.dir = dir;
        List<String> names = new ArrayList<>(NODES);
        names.addAll(BRIDGE_NS);
        names.add("bao");
        this.net = new Topology(names);
        try {
            this.pki = TestPki.create(dir.resolve("pki"));
            this.upstream = new TestUpstream(InetAddress.getByName("0.0.0.0"));
            startSim();
            for (String n : NODES) {
                String addr = net.address(n);
                TlsFiles tls = pki.issue(pki.beaconCa, "node-" + n, Identity.node(TestPki.TRUST_DOMAIN, n), r -> r.ip(addr));
                NodeProcess p = new NodeProcess(dir.resolve("nodes"), n, tls).with("drain: {gracePeriod: 10s}");
                p.host = addr;
                p.commandPrefix = net.exec(n);
                nodes.add(p);
            }
            for (NodeProcess n : nodes) n.peers(nodes);
            for (NodeProcess n : nodes) n.start();
            for (NodeProcess n : nodes) n.awaitReady(Duration.ofSeconds(90));
            awaitSimActive();
            for (String b : BRIDGE_NS) {
                bridges.put(b + "/" + BRIDGE, startBridge(b, BRIDGE));
                bridges.put(b + "/" + BULK_BRIDGE, startBridge(b, BULK_BRIDGE));
            }
            for (BridgeReplica r : bridges.values()) r.awaitReady(Duration.ofSeconds(90));
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private BridgeReplica startBridge(String ns, String id) throws IOException {
        List<String> beacons = nodes.stream().map(NodeProcess::relay).toList();
        Map<String, String> env = new LinkedHashMap<>();
        String upstreamAddress = "";
        String tenant = TENANT;
        if (id.equals(BRIDGE)) {
            List<String> bao = simPorts.stream().map(p -> "http://" + net.address("bao") + ":" + p).toList();
            env.put("BRIDGE_OPENBAO_ADDRESSES", String.join(",", bao));
            env.put("BRIDGE_OPENBAO_HEALTH_INTERVAL", "500ms");
        } else {
            tenant = BULK_TENANT;
            upstreamAddress = net.loadAddressFor(ns) + ":" + upstream.port();
        }
        return new BridgeReplica(dir.resolve("bridges"), ns + "-" + id, pki, tenant, id, beacons, upstreamAddress, env,
                net.exec(ns), net.address(ns));
    }

    private void startSim() throws IOException {
        List<String> cmd = new ArrayList<>(net.exec("bao"));
        cmd.addAll(List.of(NodeProcess.java(), "-Xmx128m", "-jar", SIM_JAR.toString(), "--host", net.address("bao"),
                "--ports", simPorts.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElseThrow(),
                "--control-port", Integer.toString(simControlPort), "--election", "2s",
                "--seed", "app/config={\"password\":\"s3cr3t\"}"));
        java.nio.file.Files.createDirectories(dir.resolve("bao"));
        sim = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("bao/sim.log").toFile())).start();
    }

    void awaitSimActive() {
        Await.until("OpenBao simulator has an active node", Duration.ofSeconds(60), () -> {
            if (!sim.isAlive()) throw new AssertionError("openbao-sim exited: " + dev.beacon.it.Processes.tail(dir.resolve("bao/sim.log")));
            return simActive() >= 0;
        });
    }

    /** The simulator's /sim/status, or null when it does not answer. */
    JsonNode simStatus() {
        try {
            return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://" + net.address("bao") + ":" + simControlPort + "/sim/status"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body());
        } catch (Exception e) {
            return null;
        }
    }

    /** Index of the active OpenBao node, -1 if none (or no answer). */
    int simActive() {
        JsonNode s = simStatus();
        if (s == null) return -1;
        JsonNode a = s.path("leader");
        if (a.isInt()) return a.asInt();
        JsonNode ns = s.path("nodes");
        for (int i = 0; i < ns.size(); i++) if ("active".equals(ns.get(i).path("state").asText())) return i;
        return -1;
    }

    /** POST /sim/nodes/{i}/{action}: kill, restart, step-down, ... */
    void simAction(int i, String action) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + net.address("bao") + ":" + simControlPort
                        + "/sim/nodes/" + i + "/" + action)).POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) throw new IOException("sim " + action + " " + i + ": HTTP " + r.statusCode() + " " + r.body());
    }

    long simPid() {
        return sim.pid();
    }

    NodeProcess node(String id) {
        return nodes.stream().filter(n -> n.id.equals(id)).findFirst().orElseThrow();
    }

    /** A reference wrapper of {@code tenant} dialling every node, {@code first} node first; the client's defaults otherwise. */
    WrapperClient wrapper(String tenant, String name, int first) {
        WrapperClient.Options o = new WrapperClient.Options();
        List<String> order = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) order.add(nodes.get((first + i) % nodes.size()).relay());
        o.beacons = order;
        o.outer = TlsMaterial.load(pki.wrapper(tenant, name));
        o.inner = TlsMaterial.load(pki.innerWrapper(tenant, name));
        return new WrapperClient(o);
    }

    /**
     * Why the cluster has not converged ("; "-joined), or null when it has: every node sees 3 reachable members and
     * presence of both bridges on all 3 nodes, lists both replicas of each bridge (2 control connections), and every
     * replica holds all 3 nodes. Reasons starting "admin:" are the test's own view failing (its path cut, a frozen node).
     */
    String notConverged() {
        List<String> why = new ArrayList<>();
        for (NodeProcess n : nodes) {
            try {
                JsonNode c = JSON.readTree(adminGet(n.host, n.adminPort, "/cluster"));
                int reachable = 0;
                for (JsonNode m : c.path("members")) if (m.path("reachable").asBoolean(false)) reachable++;
                if (reachable != nodes.size()) why.add(n.id + " sees " + reachable + " reachable members");
                for (String b : List.of(BRIDGE, BULK_BRIDGE)) {
                    long holders = 0;
                    for (JsonNode p : c.path("presence")) if (p.path("bridge").asText().endsWith("/bridge/" + b)) holders++;
                    if (holders != nodes.size()) why.add(n.id + " has presence of " + b + " on " + holders + " nodes");
                }
                JsonNode bs = JSON.readTree(adminGet(n.host, n.adminPort, "/bridges")).path("bridges");
                for (String b : List.of(BRIDGE, BULK_BRIDGE)) {
                    int controls = 0;
                    for (JsonNode x : bs) if (x.path("bridge").asText().equals(b)) controls = x.path("control_connections").asInt();
                    if (controls != BRIDGE_NS.size()) why.add(n.id + " holds " + controls + " control connections of " + b);
                }
            } catch (Exception e) {
                why.add("admin: " + n.id + " does not answer (" + e.getClass().getSimpleName() + ")");
            }
        }
        for (Map.Entry<String, BridgeReplica> e : bridges.entrySet()) {
            BridgeReplica r = e.getValue();
            try {
                int held = 0;
                String ns = e.getKey().substring(0, e.getKey().indexOf('/'));
                for (JsonNode b : JSON.readTree(adminGet(net.address(ns), r.adminPort, "/beacons"))) {
                    if (b.path("registered").asBoolean(false)) held++;
                }
                if (held != nodes.size()) why.add("replica " + r.name + " holds " + held + " nodes");
            } catch (Exception x) {
                why.add("admin: replica " + r.name + " does not answer (" + x.getClass().getSimpleName() + ")");
            }
        }
        return why.isEmpty() ? null : String.join("; ", why);
    }

    /** The parts of a {@link #notConverged} answer that the product shows (not the test's own admin calls failing). */
    static String productView(String reasons) {
        if (reasons == null) return null;
        List<String> kept = java.util.Arrays.stream(reasons.split("; ")).filter(x -> !x.startsWith("admin:")).toList();
        return kept.isEmpty() ? null : String.join("; ", kept);
    }

    /**
     * GET over a fresh connection each time (HTTP/1.0, 2 s timeouts): a pooled keep-alive connection that a cut left
     * stalled would otherwise keep timing out long after the heal, and the harness would report its own lag.
     */
    static String adminGet(String host, int port, String path) throws IOException {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(host, port), 2000);
            s.setSoTimeout(2000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int body = all.indexOf("\r\n\r\n");
            if (!all.startsWith("HTTP/1.") || !all.substring(9, 12).equals("200")) throw new IOException("HTTP " + all.lines().findFirst().orElse(""));
            return all.substring(body + 4);
        }
    }

    /** The last reason {@link #awaitConverged} saw before the views agreed: what converged last (null if nothing waited). */
    volatile String lastToConverge;

    /** Milliseconds until {@link #notConverged} is null, at most {@code timeout}; throws with the last reason. */
    long awaitConverged(Duration timeout) {
        long t0 = System.nanoTime();
        String[] last = {null};
        try {
            Await.until("cluster view and bridge holdings converged", timeout, () -> {
                String why = notConverged();
                if (why != null) last[0] = why;
                lastToConverge = last[0];
                return why == null;
            });
        } catch (AssertionError e) {
            throw new AssertionError("not converged after " + timeout + ": " + last[0], e);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Sum over nodes of beacon_errors_sent_total by code (what nodes refused: a request routed where it could not be served). */
    Map<String, Double> errorsSent() {
        Map<String, Double> out = new java.util.TreeMap<>();
        for (NodeProcess n : nodes) {
            try {
                for (String line : adminGet(n.host, n.adminPort, "/metrics").split("\n")) {
                    if (!line.startsWith("beacon_errors_sent_total{")) continue;
                    String code = line.replaceAll(".*code=\"([^\"]*)\".*", "$1");
                    out.merge(n.id + ":" + code, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
                }
            } catch (Exception e) {
                out.put(n.id + ":unreadable", -1.0);
            }
        }
        return out;
    }

    /** A bridge replica's /metrics ({@code key} as in {@link #bridges}: "b1/acme-bridge"). */
    String replicaMetrics(String key) throws IOException {
        return adminGet(net.address(key.substring(0, key.indexOf('/'))), bridges.get(key).adminPort, "/metrics");
    }

    /** Every process with a pid: name -> pid, for /proc sampling. */
    Map<String, Long> pids() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (NodeProcess n : nodes) if (n.alive()) out.put(n.id, n.pid());
        bridges.forEach((k, r) -> {
            if (r.alive()) out.put(r.name, r.pid());
        });
        if (sim.isAlive()) out.put("openbao-sim", sim.pid());
        out.put("test-jvm", ProcessHandle.current().pid());
        return out;
    }

    @Override
    public void close() {
        for (BridgeReplica r : bridges.values()) {
            try {
                r.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (NodeProcess n : nodes) n.close();
        if (sim != null) {
            sim.destroyForcibly();
            try {
                sim.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (upstream != null) {
            try {
                upstream.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        net.close();
        keepLogs();
    }

    /** The processes' logs outlive the test's temporary directory: target/chaos/logs/ (the last run's). */
    private void keepLogs() {
        Path to = Path.of("target", "chaos", "logs");
        try (java.util.stream.Stream<Path> logs = java.nio.file.Files.walk(dir)) {
            java.nio.file.Files.createDirectories(to);
            for (Path p : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
                java.nio.file.Files.copy(p, to.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException ignored) {
            // logs are a convenience
        }
    }
}
