package dev.beacon.cli;

import dev.beacon.runtime.Cli;
import dev.beacon.runtime.JvmFlags;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.beacon.tls.DevCa;
import dev.beacon.tls.Identity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "local", mixinStandardHelpOptions = true,
        description = {"Runs a local system for development: dev certificates, three beacon nodes, a bridge and a",
                "SIMULATED three-node OpenBao cluster (with a seeded secret), each a separate process. Writes DIR/local.json (pids, addresses,",
                "certificate paths, a ready-to-paste wrapper command), prints 'ready', and stops everything on",
                "Ctrl-C or SIGTERM (exit 0). Logs go to DIR/logs/."})
final class LocalCommand implements Callable<Integer> {
    static final String TENANT = "acme";
    static final String CANARY_TENANT = "canary";
    static final String CANARY_BRIDGE = "canary";
    static final String BRIDGE = "acme-bridge";
    static final String DOMAIN = "beacon.local";
    static final String COMPANY = "acme.internal";
    static final String ROOT_TOKEN = "root";
    static final String SEED_PATH = "app/config";
    static final String SEED_JSON = "{\"password\":\"s3cr3t-from-local-openbao\"}";

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Working directory for certificates, configs, logs and local.json")
    Path dir;

    @Option(names = "--bridge-jar", paramLabel = "JAR", description = "bridge.jar to run (default: the one this checkout's build made)")
    Path bridgeJar;

    @Option(names = "--openbao-sim-jar", paramLabel = "JAR", description = "openbao-sim.jar to run (default: the one this checkout's build made)")
    Path simJar;

    @Option(names = "--status-page-jar", paramLabel = "JAR", description = "status-page.jar to run (default: the one this checkout's build made)")
    Path statusJar;

    @Option(names = "--nodes", defaultValue = "3", description = "Beacon nodes to run as a cluster (default: ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--ready-timeout", defaultValue = "60", description = "Seconds to wait for each process to be ready (default: ${DEFAULT-VALUE})")
    int readyTimeout;

    private final List<Process> children = new ArrayList<>();
    private volatile boolean stopping;

    @Override
    public Integer call() throws Exception {
        dir = dir.toAbsolutePath();
        Path beaconJar = Path.of(LocalCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!beaconJar.toString().endsWith(".jar")) throw new Cli.UsageException("run 'local' from beacon.jar (java -jar beacon/target/beacon.jar local ...)");
        bridgeJar = given(bridgeJar, "bridge.jar", "--bridge-jar");
        simJar = given(simJar, "openbao-sim.jar", "--openbao-sim-jar");
        statusJar = given(statusJar, "status-page.jar", "--status-page-jar");
        Files.createDirectories(dir.resolve("logs"));
        say("making dev certificates in " + dir.resolve("pki"));
        if (nodes < 1 || nodes > 9) throw new Cli.UsageException("--nodes must be 1-9, got " + nodes);
        Pki pki = pki(dir.resolve("pki"), nodes);

        int n = nodes;
        int[] relayPorts = new int[n];
        int[] adminPorts = new int[n];
        int[] gossipPorts = new int[n];
        for (int i = 0; i < n; i++) {
            relayPorts[i] = freePort();
            adminPorts[i] = freePort();
            gossipPorts[i] = freePort();
        }
        int bridgeAdmin = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        List<Map<String, Object>> nodeState = new ArrayList<>();
        List<Process> nodeProcs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "node-" + (i + 1);
            Path nodeDir = pki.nodes.get(i);
            List<String> peers = new ArrayList<>();
            for (int j = 0; j < n; j++) if (j != i) peers.add("\"127.0.0.1:" + gossipPorts[j] + "\"");
            Path yaml = dir.resolve(id + ".yaml");
            Files.writeString(yaml, String.join("\n",
                    "node: {id: " + id + ", trustDomain: " + DOMAIN + ", advertiseRelay: \"localhost:" + relayPorts[i] + "\"}",
                    "relay: {host: 127.0.0.1, port: " + relayPorts[i] + "}",
                    "admin: {host: 127.0.0.1, port: " + adminPorts[i] + "}",
                    "tls: {cert: " + nodeDir + "/tls.crt, key: " + nodeDir + "/tls.key, ca: " + nodeDir + "/ca.crt, reloadInterval: 5s}",
                    "cluster: {enabled: " + (n > 1) + ", host: 127.0.0.1, port: " + gossipPorts[i] + ", peers: [" + String.join(", ", peers) + "]}",
                    "drain: {gracePeriod: 5s}", ""));
            Path log = dir.resolve("logs/beacon-" + id + ".log");
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(JvmFlags.NODE); // the flags the images and charts ship with (decisions/0010)
            cmd.addAll(List.of("-jar", beaconJar.toString(), "server", "--config", yaml.toString()));
            Process p = spawn("beacon " + id, cmd, log);
            nodeProcs.add(p);
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("id", id);
            st.put("pid", p.pid());
            st.put("relay", "localhost:" + relayPorts[i]);
            st.put("admin", "http://127.0.0.1:" + adminPorts[i]);
            st.put("gossip", "127.0.0.1:" + gossipPorts[i]);
            st.put("log", log.toString());
            st.put("config", yaml.toString());
            st.put("restart", String.join(" ", cmd) + " >> " + log + " 2>&1 &");
            nodeState.add(st);
        }
        for (int i = 0; i < n; i++) {
            waitReady("beacon node-" + (i + 1), nodeProcs.get(i), adminPorts[i], dir.resolve("logs/beacon-node-" + (i + 1) + ".log"));
        }

        // The OpenBao side: a SIMULATED three-node OpenBao HA cluster (OpenBao itself cannot be installed here).
        int simControl = freePort();
        Path simState = dir.resolve("openbao-sim.json");
        Files.deleteIfExists(simState);
        Process sim = spawn("OpenBao simulator (3 nodes)", List.of(java, "-jar", simJar.toString(), "--nodes", "3",
                "--tls-cert", pki.openbao + "/tls.crt", "--tls-key", pki.openbao + "/tls.key", "--tls-ca", pki.openbao + "/ca.crt",
                "--control-port", Integer.toString(simControl), "--state-file", simState.toString(), "--root-token", ROOT_TOKEN,
                "--seed", SEED_PATH + "=" + SEED_JSON), dir.resolve("logs/openbao-sim.log"));
        waitFile("OpenBao simulator", sim, simState, dir.resolve("logs/openbao-sim.log"));
        List<String> baoAddrs = new ArrayList<>();
        new ObjectMapper().readTree(simState.toFile()).get("addresses").forEach(a -> baoAddrs.add(a.asText()));

        Path bridgeYaml = dir.resolve("bridge.yaml");
        Files.writeString(bridgeYaml, String.join("\n",
                "beacon: {addresses: [\"localhost:" + relayPorts[0] + "\"], followMembers: true}",
                "tls: {cert: " + pki.bridge + "/tls.crt, key: " + pki.bridge + "/tls.key, ca: " + pki.bridge + "/ca.crt}",
                "inner: {cert: " + pki.innerBridge + "/tls.crt, key: " + pki.innerBridge + "/tls.key, ca: " + pki.innerBridge + "/ca.crt}",
                "allow: [\"spiffe://" + COMPANY + "/tenant/" + TENANT + "/wrapper/*\"]",
                "openbao: {addresses: [" + String.join(", ", baoAddrs.stream().map(a -> "\"" + a + "\"").toList())
                        + "], ca: " + pki.openbao + "/ca.crt}",
                "admin: {host: 127.0.0.1, port: " + bridgeAdmin + "}", ""));
        List<String> bridgeCmd = new ArrayList<>(List.of(java));
        bridgeCmd.addAll(JvmFlags.BRIDGE);
        bridgeCmd.addAll(List.of("-jar", bridgeJar.toString(), "run", "--config", bridgeYaml.toString()));
        Process bridge = spawn("bridge", bridgeCmd, dir.resolve("logs/bridge.log"));
        waitReady("bridge " + BRIDGE, bridge, bridgeAdmin, dir.resolve("logs/bridge.log"));
        waitBridgeHoldsAll(bridgeAdmin, n);

        // The status page probes the local cluster from outside, with its own canary bridge (tenant "canary").
        int statusPort = freePort();
        int statusAdmin = freePort();
        String statusToken = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        Path statusYaml = dir.resolve("status-page.yaml");
        List<String> probeNodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            probeNodes.add("{name: node-" + (i + 1) + ", relay: \"localhost:" + relayPorts[i] + "\", admin: \"http://127.0.0.1:" + adminPorts[i] + "\"}");
        }
        Files.writeString(statusYaml, String.join("\n",
                "location: local",
                "title: \"beacon (local)\"",
                "dataDir: " + dir.resolve("status-page"),
                "refreshInterval: 5s",
                "probes:",
                "  nodes: [" + String.join(", ", probeNodes) + "]",
                "  canary: {publicAddress: \"localhost:" + relayPorts[0] + "\", bridge: " + CANARY_BRIDGE + "}",
                "  interval: 15s",
                "  wrapper: {cert: " + pki.canaryWrapper + "/tls.crt, key: " + pki.canaryWrapper + "/tls.key, ca: " + pki.canaryWrapper + "/ca.crt}",
                "  innerWrapper: {cert: " + pki.canaryInnerWrapper + "/tls.crt, key: " + pki.canaryInnerWrapper + "/tls.key, ca: "
                        + pki.canaryInnerWrapper + "/ca.crt}",
                "  bridge: {cert: " + pki.canaryBridge + "/tls.crt, key: " + pki.canaryBridge + "/tls.key, ca: " + pki.canaryBridge + "/ca.crt}",
                "  innerBridge: {cert: " + pki.canaryInnerBridge + "/tls.crt, key: " + pki.canaryInnerBridge + "/tls.key, ca: "
                        + pki.canaryInnerBridge + "/ca.crt}",
                "listen: {host: 127.0.0.1, port: " + statusPort + "}",
                "publicUrl: \"http://127.0.0.1:" + statusPort + "/\"",
                "admin: {host: 127.0.0.1, port: " + statusAdmin + ", token: \"" + statusToken + "\"}", ""));
        Process statusPage = spawn("status page", List.of(java, "-jar", statusJar.toString(), "serve", "--config", statusYaml.toString()),
                dir.resolve("logs/status-page.log"));
        waitReady("status page", statusPage, statusAdmin, dir.resolve("logs/status-page.log"));
        String statusUrl = "http://127.0.0.1:" + statusPort + "/";

        List<String> beaconAddrs = new ArrayList<>();
        for (int p : relayPorts) beaconAddrs.add("localhost:" + p);
        String wrapperCmd = String.join(" ", java, "-jar", beaconJar.toString(), "wrapper",
                "--beacon", String.join(",", beaconAddrs), "--bridge", BRIDGE,
                "--cert", pki.wrapper + "/tls.crt", "--key", pki.wrapper + "/tls.key", "--ca", pki.wrapper + "/ca.crt",
                "--inner-cert", pki.innerWrapper + "/tls.crt", "--inner-key", pki.innerWrapper + "/tls.key",
                "--inner-ca", pki.innerWrapper + "/ca.crt", "-H", "X-Vault-Token:" + ROOT_TOKEN, "--path", "/v1/secret/data/" + SEED_PATH);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dir", dir.toString());
        out.put("beacon_nodes", nodeState);
        out.put("bridge", Map.of("id", BRIDGE, "tenant", TENANT, "pid", bridge.pid(), "admin", "http://127.0.0.1:" + bridgeAdmin,
                "log", dir.resolve("logs/bridge.log").toString(), "config", bridgeYaml.toString()));
        Map<String, Object> bao = new LinkedHashMap<>();
        bao.put("note", "a SIMULATED OpenBao HA cluster (openbao-sim.jar), not OpenBao");
        bao.put("pid", sim.pid());
        bao.put("nodes", baoAddrs);
        bao.put("root_token", ROOT_TOKEN);
        bao.put("seeded_secret", "secret/data/" + SEED_PATH + " = " + SEED_JSON);
        bao.put("control", "http://127.0.0.1:" + simControl);
        bao.put("status", "curl http://127.0.0.1:" + simControl + "/sim/status");
        bao.put("kill_node_i", "curl -X POST http://127.0.0.1:" + simControl + "/sim/nodes/<i>/kill   (restart: .../restart)");
        bao.put("seal_node_i", "curl -X POST http://127.0.0.1:" + simControl + "/sim/nodes/<i>/seal   (unseal: .../unseal)");
        bao.put("step_down_node_i", "curl -X POST http://127.0.0.1:" + simControl + "/sim/nodes/<i>/step-down");
        bao.put("hang_node_i", "curl -X POST http://127.0.0.1:" + simControl + "/sim/nodes/<i>/hang   (unhang: .../unhang)");
        out.put("openbao", bao);
        Map<String, Object> sp = new LinkedHashMap<>();
        sp.put("url", statusUrl);
        sp.put("summary", statusUrl + "api/v2/summary.json");
        sp.put("admin", "http://127.0.0.1:" + statusAdmin);
        sp.put("admin_token", statusToken);
        sp.put("pid", statusPage.pid());
        sp.put("log", dir.resolve("logs/status-page.log").toString());
        sp.put("config", statusYaml.toString());
        sp.put("note", "probes every node (TLS, /readyz) and a canary through node-1 every 15 s; a killed node shows within a minute,"
                + " an incident opens after 2 down minutes");
        out.put("status_page", sp);
        Map<String, String> w = new LinkedHashMap<>();
        w.put("identity", Identity.wrapper(DOMAIN, TENANT, "demo").uri());
        w.put("cert", pki.wrapper + "/tls.crt");
        w.put("key", pki.wrapper + "/tls.key");
        w.put("ca", pki.wrapper + "/ca.crt");
        w.put("inner_cert", pki.innerWrapper + "/tls.crt");
        w.put("inner_key", pki.innerWrapper + "/tls.key");
        w.put("inner_ca", pki.innerWrapper + "/ca.crt");
        out.put("wrapper", w);
        out.put("wrapper_command", wrapperCmd);
        out.put("how_to", Map.of(
                "kill a node", "kill -9 <beacon_nodes[i].pid>  (then start it again with beacon_nodes[i].restart)",
                "drain a node", "kill <beacon_nodes[i].pid>  (SIGTERM: drains, leaves the cluster, exits 0)",
                "freeze a node", "kill -STOP <beacon_nodes[i].pid>  (accepts TCP, answers nothing; the wrapper command moves on"
                        + " after its 5 s connect timeout; kill -CONT to thaw)",
                "cluster state", "curl <beacon_nodes[i].admin>/cluster"));
        out.put("local_pid", ProcessHandle.current().pid());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("local.json").toFile(), out);

        CountDownLatch done = new CountDownLatch(1);
        Cli.onTerminate(() -> {
            stopping = true; // the watch loop below must not mistake our own shutdown for a crash
            say("stopping");
            stopAll();
            done.countDown();
        });
        System.out.println("local system up: " + n + " beacon node(s) " + beaconAddrs + ", bridge " + BRIDGE + " (tenant " + TENANT
                + ") on every node, simulated OpenBao " + baoAddrs + " (control http://127.0.0.1:" + simControl + ")");
        System.out.println("status page: " + statusUrl);
        System.out.println("state: " + dir.resolve("local.json"));
        System.out.println("try:   " + wrapperCmd);
        System.out.println("ready");
        System.out.flush();
        // Beacon nodes may be killed and restarted by hand (that is what they are for); the bridge must stay.
        while (!done.await(200, TimeUnit.MILLISECONDS)) {
            if (!bridge.isAlive() && !stopping) {
                System.err.println("error: the bridge (pid " + bridge.pid() + ") exited with code " + bridge.exitValue()
                        + "; see " + dir.resolve("logs/bridge.log") + "; stopping the local system");
                stopAll();
                return 1;
            }
        }
        return 0;
    }

    private record Pki(List<Path> nodes, Path bridge, Path wrapper, Path innerBridge, Path innerWrapper, Path openbao,
                       Path canaryWrapper, Path canaryInnerWrapper, Path canaryBridge, Path canaryInnerBridge) {
    }

    /** Beacon operator's CA for the outer mTLS, the company's CA for the inner TLS. Reused if present. */
    private static Pki pki(Path d, int n) {
        DevCa beaconCa = loadOrCreate(d.resolve("beacon-ca"), "beacon local CA");
        DevCa companyCa = loadOrCreate(d.resolve("company-ca"), "acme company CA");
        List<Path> nodeDirs = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            Path nd = d.resolve("node-" + i);
            issue(beaconCa, d.resolve("beacon-ca"), new DevCa.Request(Identity.node(DOMAIN, "node-" + i)).dns("localhost").ip("127.0.0.1"), nd);
            nodeDirs.add(nd);
        }
        Pki p = new Pki(nodeDirs, d.resolve("bridge"), d.resolve("wrapper"), d.resolve("inner-bridge"), d.resolve("inner-wrapper"),
                d.resolve("openbao"), d.resolve("canary-wrapper"), d.resolve("canary-inner-wrapper"), d.resolve("canary-bridge"),
                d.resolve("canary-inner-bridge"));
        // OpenBao's server certificate comes from the company's CA: the bridge trusts it for the OpenBao leg.
        issue(companyCa, d.resolve("company-ca"), new DevCa.Request(Identity.node(COMPANY, "openbao")).dns("localhost").ip("127.0.0.1"), p.openbao);
        issue(beaconCa, d.resolve("beacon-ca"), new DevCa.Request(Identity.bridge(DOMAIN, TENANT, BRIDGE)), p.bridge);
        issue(beaconCa, d.resolve("beacon-ca"), new DevCa.Request(Identity.wrapper(DOMAIN, TENANT, "demo")), p.wrapper);
        issue(companyCa, d.resolve("company-ca"), new DevCa.Request(Identity.bridge(COMPANY, TENANT, BRIDGE)), p.innerBridge);
        issue(companyCa, d.resolve("company-ca"), new DevCa.Request(Identity.wrapper(COMPANY, TENANT, "demo")), p.innerWrapper);
        // the status page: a wrapper of the canary tenant, and that tenant's canary bridge (both ends of its canary)
        issue(beaconCa, d.resolve("beacon-ca"), new DevCa.Request(Identity.wrapper(DOMAIN, CANARY_TENANT, "status-page")), p.canaryWrapper);
        issue(beaconCa, d.resolve("beacon-ca"), new DevCa.Request(Identity.bridge(DOMAIN, CANARY_TENANT, CANARY_BRIDGE)), p.canaryBridge);
        issue(companyCa, d.resolve("company-ca"), new DevCa.Request(Identity.wrapper(COMPANY, CANARY_TENANT, "status-page")), p.canaryInnerWrapper);
        issue(companyCa, d.resolve("company-ca"), new DevCa.Request(Identity.bridge(COMPANY, CANARY_TENANT, CANARY_BRIDGE)), p.canaryInnerBridge);
        return p;
    }

    private static DevCa loadOrCreate(Path caDir, String name) {
        if (Files.isReadable(caDir.resolve("ca.crt")) && Files.isReadable(caDir.resolve("ca.key"))) {
            return DevCa.load(caDir.resolve("ca.crt"), caDir.resolve("ca.key"));
        }
        DevCa ca = DevCa.create(name);
        ca.write(caDir);
        return ca;
    }

    private static void issue(DevCa ca, Path caDir, DevCa.Request r, Path out) {
        try {
            Files.createDirectories(out);
            ca.issue(r, out.resolve("tls.crt"), out.resolve("tls.key"));
            Files.copy(caDir.resolve("ca.crt"), out.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    private Process spawn(String what, List<String> cmd, Path log) throws IOException {
        say("starting " + what + " (log: " + log + ")");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        children.add(p);
        return p;
    }

    private void waitReady(String what, Process p, int adminPort, Path log) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(readyTimeout);
        long lastSay = System.nanoTime();
        while (true) {
            if (!p.isAlive()) {
                String tail = Files.exists(log) ? String.join("\n", tail(Files.readAllLines(log), 15)) : "";
                stopAll();
                throw new IllegalStateException(what + " exited with code " + p.exitValue() + " before it was ready; " + log + ":\n" + tail);
            }
            try {
                if (http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    say(what + " ready (pid " + p.pid() + ")");
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                stopAll();
                throw new IllegalStateException(what + " not ready after " + readyTimeout + " s; see " + log);
            }
            if (System.nanoTime() - lastSay > TimeUnit.SECONDS.toNanos(5)) {
                say("still waiting for " + what + "...");
                lastSay = System.nanoTime();
            }
            Thread.sleep(100); // polling a child's readiness endpoint
        }
    }

    /** Waits for a child to write its state file (it does so once it is listening). */
    private void waitFile(String what, Process p, Path file, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(readyTimeout);
        while (!Files.exists(file) || Files.size(file) == 0) {
            if (!p.isAlive()) {
                stopAll();
                throw new IllegalStateException(what + " exited with code " + p.exitValue() + "; see " + log);
            }
            if (System.nanoTime() > deadline) {
                stopAll();
                throw new IllegalStateException(what + " not ready after " + readyTimeout + " s; see " + log);
            }
            Thread.sleep(50); // polling for the child's state file
        }
        say(what + " ready (pid " + p.pid() + ")");
    }

    /** Waits until the bridge holds a control connection to every node (its /beacons view). */
    private void waitBridgeHoldsAll(int adminPort, int n) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/beacons")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(readyTimeout);
        while (System.nanoTime() < deadline) {
            try {
                String body = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
                if (body.split("\"registered\" : true", -1).length - 1 >= n) {
                    say("bridge holds all " + n + " node(s)");
                    return;
                }
            } catch (IOException e) {
                // retry
            }
            Thread.sleep(100); // polling the bridge's view
        }
        say("warning: the bridge does not hold every node yet; see " + dir.resolve("logs/bridge.log"));
    }

    private static List<String> tail(List<String> lines, int n) {
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }

    private synchronized void stopAll() {
        for (int i = children.size() - 1; i >= 0; i--) children.get(i).destroy(); // SIGTERM: bridge first, then the node drains
        for (Process p : children) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void say(String s) {
        System.out.println("local: " + s);
        System.out.flush();
    }

    /** A jar given by flag (checked), or the one the build made. */
    private static Path given(Path flag, String name, String option) {
        if (flag == null) return dev.beacon.runtime.BuiltJars.require(name, option);
        if (!Files.isReadable(flag)) throw new Cli.UsageException(name + " not found at " + flag + " (" + option + ")");
        return flag;
    }
}
