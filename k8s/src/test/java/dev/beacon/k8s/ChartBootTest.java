package dev.beacon.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import dev.beacon.tls.DevCa;
import dev.beacon.tls.Identity;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration the charts render boots the real binaries: the beacon chart (3 replicas) and the bridge chart are
 * rendered with real Helm, each pod's command, env and ConfigMap files are taken as rendered and run as local
 * processes ({@link RenderedPod} lists the only substitutions: pod names and addresses, cluster DNS names, mount
 * paths, java and the jars), with certificates from the test PKI where the configuration points. Then a secret is
 * read through them with the reference wrapper: wrapper -> beacon node -> bridge -> simulated OpenBao.
 *
 * <p>For the bridge chart (default values, both replicas of its Deployment): its identities are those of the
 * Certificates it renders (outer from the test PKI's beacon CA, inner from its company CA), {@code beacon.addresses}
 * (the public load balancer) becomes node 0's loopback relay address, each default OpenBao node address becomes a node
 * of openbao-sim.jar, and {@code openbao.ca.configMap} is set so that the bridge trusts the simulator's test CA.
 *
 * <p>In both configuration files, a bind address {@code 0.0.0.0} ({@code relay.host}, {@code admin.host},
 * {@code cluster.host}) becomes the pod's loopback address: each pod has its own network namespace, here they share one.
 *
 * <p>One more substitution, for the beacon: {@code cluster.peersDns} (the headless Service's name, resolving to every
 * pod) has no stand-in here (no hosts entries; one name, one port, three loopback addresses), so it is replaced by
 * {@code cluster.peers}, the three pods' loopback {@code address:port}s: the same discovery input the DNS answer gives.
 *
 * <p>A chart whose config the binary rejects fails here: {@link #aMisspeltConfigKeyFailsTheBoot()} shows it.
 */
class ChartBootTest {
    static final String TENANT = "acme";
    static final String SECRET_PATH = "app/config";
    static final String SECRET_VALUE = "s3cr3t-from-the-charts";
    static final String ROOT_TOKEN = "root";

    @TempDir
    Path dir;

    private final List<RenderedPod> pods = new ArrayList<>();
    private Process sim;

    @AfterEach
    void stopAll() throws InterruptedException {
        for (RenderedPod p : pods) p.close();
        if (sim != null && sim.isAlive()) {
            sim.destroyForcibly();
            sim.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void threeBeaconNodesAndABridgeBootFromTheRenderedConfigAndRelayASecret() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        String net = loopbackNet();
        List<RenderedPod> nodes = startBeacons(pki, net, Map.of("replicaCount", "3"));
        awaitReady(nodes);
        awaitMembers(nodes, 3);

        List<String> bao = startSimulator(pki);
        List<RenderedPod> bridges = startBridges(pki, net, nodes.get(0).ip + ":" + relayPort(nodes.get(0)), bao, Map.of());
        awaitReady(bridges);

        WrapperClient.Options o = new WrapperClient.Options();
        o.beacons = nodes.stream().map(n -> n.ip + ":" + relayPort(n)).toList();
        o.outer = TlsMaterial.load(issue(pki, pki.beaconCa, "wrapper", Identity.wrapper(trustDomain, TENANT, "test-app")));
        o.inner = TlsMaterial.load(issue(pki, pki.companyCa, "inner-wrapper", Identity.wrapper(companyDomain, TENANT, "test-app")));
        o.retryFor = Duration.ofSeconds(10);
        o.readTimeout = Duration.ofSeconds(30);
        // through each node in turn: the bridge holds every node (followMembers), or the node forwards one hop
        for (RenderedPod entry : nodes) {
            WrapperClient.Options one = copy(o, List.of(entry.ip + ":" + relayPort(entry)));
            try (WrapperStream s = new WrapperClient(one).open(bridgeId)) {
                HttpExchange.Response r = HttpExchange.send(s, "GET", "/v1/secret/data/" + SECRET_PATH,
                        Map.of("X-Vault-Token", ROOT_TOKEN), null);
                assertEquals(200, r.status(), "through " + entry.name + ": " + r.bodyText());
                assertEquals(SECRET_VALUE, new ObjectMapper().readTree(r.bodyText()).path("data").path("data").path("password").asText(),
                        r.bodyText());
            }
        }
    }

    @Test
    void aMisspeltConfigKeyFailsTheBoot() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        // the chart merges .Values.config into the file; a misspelt key there is what a user would get wrong
        AssertionError e = assertThrows(AssertionError.class, () -> {
            List<RenderedPod> nodes = startBeacons(pki, loopbackNet(), Map.of("replicaCount", "1", "config.limits.maxStreamsPerIdentiy", "5"));
            awaitReady(nodes);
        });
        assertTrue(e.getMessage().contains("limits.maxStreamsPerIdentiy"), "the failure names the key: " + e.getMessage());
        RenderedPod node = pods.get(0);
        assertTrue(node.process().waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, node.process().exitValue(), "the binary exits non-zero");
    }

    @Test
    void aMisspeltBridgeConfigKeyFailsTheBoot() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"));
        baoCa = pki.node("openbao").ca();
        AssertionError e = assertThrows(AssertionError.class, () -> {
            List<RenderedPod> bridges = startBridges(pki, loopbackNet(), "127.0.0.1:9", List.of("https://127.0.0.1:9", "https://127.0.0.1:10",
                    "https://127.0.0.1:11"), Map.of("replicaCount", "1", "config.openbao.deadlin", "45s"));
            awaitReady(bridges);
        });
        assertTrue(e.getMessage().contains("openbao.deadlin"), "the failure names the key: " + e.getMessage());
        RenderedPod bridge = pods.get(0);
        assertTrue(bridge.process().waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, bridge.process().exitValue(), "the binary exits non-zero");
    }

    // ---------------------------------------------------------------------------------------------------------------

    String trustDomain = "";
    String companyDomain = TestPki.COMPANY_DOMAIN;
    String bridgeId = "";

    /** Renders the beacon chart and starts every pod of its StatefulSet. */
    List<RenderedPod> startBeacons(TestPki pki, String net, Map<String, String> sets) throws Exception {
        List<JsonNode> objects = render("beacon", null, sets);
        JsonNode sts = only(objects, "StatefulSet");
        String stsName = sts.path("metadata").path("name").asText();
        String ns = sts.path("metadata").path("namespace").asText("default");
        String svc = sts.path("spec").path("serviceName").asText();
        int replicas = sts.path("spec").path("replicas").asInt();
        JsonNode fileConfig = RenderedPod.YAML.readTree(configMapData(objects, sts));
        String peersDns = fileConfig.path("cluster").path("peersDns").asText("");
        String headlessFqdn = peersDns.isEmpty() ? svc + "." + ns + ".svc.cluster.local" : peersDns.substring(0, peersDns.lastIndexOf(':'));
        trustDomain = fileConfig.path("node").path("trustDomain").asText("");

        Map<String, String> hosts = new LinkedHashMap<>();
        List<String> ips = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            String pod = stsName + "-" + i;
            String ip = net + (i + 1);
            ips.add(ip);
            hosts.put(pod + "." + headlessFqdn, ip);
            hosts.put(pod + "." + svc + "." + ns + ".svc", ip);
        }
        List<RenderedPod> started = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            String podName = stsName + "-" + i;
            RenderedPod pod = new RenderedPod(objects, sts, podName, ips.get(i), dir.resolve("pods/" + podName), hosts, jars());
            pods.add(pod);
            ObjectNode cfg = pod.config();
            bindToPodAddress(cfg, pod.ip);
            ObjectNode cluster = (ObjectNode) cfg.path("cluster");
            if (!peersDns.isEmpty()) {
                int port = Integer.parseInt(peersDns.substring(peersDns.lastIndexOf(':') + 1));
                ArrayNode peers = cluster.putArray("peers");
                for (String ip : ips) peers.add(ip + ":" + port);
                cluster.put("peersDns", "");
            }
            // the node certificate, where the configuration (file or BEACON_TLS_*) says it is
            String nodeId = pod.effective(cfg, "BEACON_", "node.id");
            Identity id = csiUriSan(sts, podName).orElse(Identity.node(trustDomain, nodeId.isEmpty() ? podName : nodeId));
            TlsFiles files = issue(pki, pki.beaconCa, "node-" + podName, id, pod.ip);
            place(pod, files.cert(), pod.effective(cfg, "BEACON_", "tls.cert"), "tls.cert");
            place(pod, files.key(), pod.effective(cfg, "BEACON_", "tls.key"), "tls.key");
            place(pod, files.ca(), pod.effective(cfg, "BEACON_", "tls.ca"), "tls.ca");
            pod.writeConfig(cfg);
            pod.checkPortsFree();
            started.add(pod.start(dir));
        }
        return started;
    }

    /** Starts openbao-sim.jar (3 nodes, https with a test certificate, the secret seeded); returns its node addresses. */
    List<String> startSimulator(TestPki pki) throws Exception {
        TlsFiles tls = pki.node("openbao"); // localhost and 127.0.0.1
        Path state = dir.resolve("openbao-sim.json");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        sim = new ProcessBuilder(java, "-jar", jar("openbao-sim.jar").toString(), "--nodes", "3",
                "--tls-cert", tls.cert().toString(), "--tls-key", tls.key().toString(), "--tls-ca", tls.ca().toString(),
                "--control-port", "-1", "--state-file", state.toString(), "--root-token", ROOT_TOKEN,
                "--seed", SECRET_PATH + "={\"password\":\"" + SECRET_VALUE + "\"}")
                .redirectErrorStream(true).redirectOutput(dir.resolve("openbao-sim.log").toFile()).start();
        Await.until("openbao-sim writes its state file", Duration.ofSeconds(30), () -> Files.exists(state) || !sim.isAlive());
        assertTrue(sim.isAlive(), "openbao-sim exited: " + Files.readString(dir.resolve("openbao-sim.log")));
        Await.until("openbao-sim state complete", Duration.ofSeconds(10), () -> {
            try {
                return new ObjectMapper().readTree(state.toFile()).path("addresses").size() == 3;
            } catch (IOException e) {
                return false;
            }
        });
        List<String> out = new ArrayList<>();
        new ObjectMapper().readTree(state.toFile()).path("addresses").forEach(a -> out.add(a.asText()));
        baoCa = tls.ca();
        return out;
    }

    Path baoCa;

    /**
     * Renders the bridge chart (default values, plus {@code openbao.ca.configMap} so that it trusts the simulator's
     * test CA) and starts every replica of its Deployment. Substituted: the beacon's public address
     * ({@code beacon.addresses}, the load balancer) by node 0's relay address, and each OpenBao node's address by a
     * simulator node's.
     */
    List<RenderedPod> startBridges(TestPki pki, String net, String beaconAddress, List<String> bao, Map<String, String> sets)
            throws Exception {
        Map<String, String> all = new LinkedHashMap<>(sets);
        all.put("openbao.ca.configMap", "openbao-ca");
        List<JsonNode> objects = render("bridge", null, all);
        JsonNode deploy = only(objects, "Deployment");
        JsonNode fileConfig = RenderedPod.YAML.readTree(configMapData(objects, deploy));
        Map<String, String> hosts = new LinkedHashMap<>();
        for (JsonNode a : fileConfig.path("beacon").path("addresses")) hosts.put(a.asText(), beaconAddress);
        JsonNode baoAddresses = fileConfig.path("openbao").path("addresses");
        assertEquals(bao.size(), baoAddresses.size(), "the chart's default OpenBao nodes, one simulator node each: " + baoAddresses);
        for (int i = 0; i < bao.size(); i++) hosts.put(baoAddresses.get(i).asText(), bao.get(i));

        Identity outer = certificateUri(objects, deploy, "/etc/bridge/outer", fileConfig.path("tls").path("cert").asText());
        Identity inner = certificateUri(objects, deploy, "/etc/bridge/inner", fileConfig.path("inner").path("cert").asText());
        bridgeId = outer.name();
        companyDomain = inner.trustDomain();
        TlsFiles outerFiles = pki.issue(pki.beaconCa, "bridge-outer", outer, r -> r);
        TlsFiles innerFiles = pki.issue(pki.companyCa, "bridge-inner", inner, r -> r);

        List<RenderedPod> started = new ArrayList<>();
        int replicas = deploy.path("spec").path("replicas").asInt(1);
        for (int i = 0; i < replicas; i++) {
            String podName = deploy.path("metadata").path("name").asText() + "-" + i;
            RenderedPod pod = new RenderedPod(objects, deploy, podName, net + (100 + i), dir.resolve("pods/" + podName), hosts, jars(),
                    java.util.Set.of("openbao-ca"));
            pods.add(pod);
            ObjectNode cfg = pod.config();
            bindToPodAddress(cfg, pod.ip);
            place(pod, outerFiles.cert(), pod.effective(cfg, "BRIDGE_", "tls.cert"), "tls.cert");
            place(pod, outerFiles.key(), pod.effective(cfg, "BRIDGE_", "tls.key"), "tls.key");
            place(pod, outerFiles.ca(), pod.effective(cfg, "BRIDGE_", "tls.ca"), "tls.ca");
            place(pod, innerFiles.cert(), pod.effective(cfg, "BRIDGE_", "inner.cert"), "inner.cert");
            place(pod, innerFiles.key(), pod.effective(cfg, "BRIDGE_", "inner.key"), "inner.key");
            place(pod, innerFiles.ca(), pod.effective(cfg, "BRIDGE_", "inner.ca"), "inner.ca");
            place(pod, baoCa, pod.effective(cfg, "BRIDGE_", "openbao.ca"), "openbao.ca");
            pod.writeConfig(cfg);
            pod.checkPortsFree();
            started.add(pod.start(dir));
        }
        return started;
    }

    /**
     * The identity cert-manager would issue into the Secret mounted at {@code mountPath}: the URI SAN of the rendered
     * Certificate whose secretName is that volume's Secret.
     */
    static Identity certificateUri(List<JsonNode> objects, JsonNode workload, String mountPath, String configuredCert) {
        assertTrue(configuredCert.startsWith(mountPath + "/"), configuredCert + " is under " + mountPath);
        JsonNode spec = workload.path("spec").path("template").path("spec");
        String volume = null;
        for (JsonNode m : spec.path("containers").get(0).path("volumeMounts")) {
            if (m.path("mountPath").asText().equals(mountPath)) volume = m.path("name").asText();
        }
        String secret = null;
        for (JsonNode v : spec.path("volumes")) if (v.path("name").asText().equals(volume)) secret = v.path("secret").path("secretName").asText();
        for (JsonNode o : objects) {
            if (o.path("kind").asText().equals("Certificate") && o.path("spec").path("secretName").asText().equals(secret)) {
                return Identity.parse(o.path("spec").path("uris").get(0).asText());
            }
        }
        throw new AssertionError("no Certificate renders Secret " + secret + " (mounted at " + mountPath + ")");
    }

    // ---------------------------------------------------------------------------------------------------------------

    static void bindToPodAddress(JsonNode n, String ip) {
        if (n instanceof ObjectNode o) {
            o.fields().forEachRemaining(e -> {
                if (e.getKey().equals("host") && e.getValue().asText().equals("0.0.0.0")) o.put("host", ip);
                else bindToPodAddress(e.getValue(), ip);
            });
        }
    }

    /** Copies a test PKI file to where the configuration points; that path must be in a mounted volume. */
    static void place(RenderedPod pod, Path from, String configured, String key) throws IOException {
        if (configured.isEmpty()) throw new AssertionError(pod.name + ": " + key + " is empty in the rendered config and env");
        Path to = Path.of(configured);
        if (!to.startsWith(pod.root)) {
            throw new AssertionError(pod.name + ": " + key + " = " + configured + " is not in any volume the container mounts");
        }
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }

    static TlsFiles issue(TestPki pki, DevCa ca, String name, Identity id, String... ips) {
        return pki.issue(ca, name, id, r -> r.dns("localhost").ip(ips.length == 0 ? new String[] {"127.0.0.1"} : ips));
    }

    /** The identity cert-manager's csi-driver would put in the pod's certificate (uri-sans, ${POD_NAME} filled in). */
    static java.util.Optional<Identity> csiUriSan(JsonNode workload, String podName) {
        for (JsonNode v : workload.path("spec").path("template").path("spec").path("volumes")) {
            String uri = v.path("csi").path("volumeAttributes").path("csi.cert-manager.io/uri-sans").asText("");
            if (!uri.isEmpty()) return java.util.Optional.of(Identity.parse(uri.replace("${POD_NAME}", podName)));
        }
        return java.util.Optional.empty();
    }

    void awaitReady(List<RenderedPod> list) {
        for (RenderedPod p : list) {
            Await.until(p.name + " ready (" + p.container.path("readinessProbe").path("httpGet") + ")", Duration.ofSeconds(45), () -> {
                if (!p.alive()) {
                    throw new AssertionError(p.name + " exited with " + p.process().exitValue() + ": " + p.log());
                }
                return p.probe("readinessProbe") == 200;
            });
        }
    }

    static void awaitMembers(List<RenderedPod> nodes, int expected) {
        for (RenderedPod n : nodes) {
            Await.until(n.name + " sees " + expected + " reachable members", Duration.ofSeconds(30), () -> {
                try {
                    int c = 0;
                    for (JsonNode m : new ObjectMapper().readTree(n.getBody(adminPort(n), "/cluster")).path("members")) {
                        if (m.path("reachable").asBoolean(false)) c++;
                    }
                    return c == expected;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    static int adminPort(RenderedPod p) {
        return p.containerPort(new com.fasterxml.jackson.databind.node.TextNode("admin"));
    }

    static int relayPort(RenderedPod p) {
        return p.containerPort(new com.fasterxml.jackson.databind.node.TextNode("relay"));
    }

    static WrapperClient.Options copy(WrapperClient.Options o, List<String> beacons) {
        WrapperClient.Options c = new WrapperClient.Options();
        c.beacons = beacons;
        c.outer = o.outer;
        c.inner = o.inner;
        c.retryFor = o.retryFor;
        c.readTimeout = o.readTimeout;
        return c;
    }

    /** A random 127.x.y. prefix, so that runs side by side (other worktrees) do not share addresses. */
    static String loopbackNet() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "127." + r.nextInt(10, 250) + "." + r.nextInt(1, 250) + ".";
    }

    static JsonNode only(List<JsonNode> objects, String kind) {
        List<JsonNode> l = objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
        if (l.size() != 1) throw new AssertionError("expected one " + kind + ", the chart renders " + l.size());
        return l.get(0);
    }

    /** The text of the ConfigMap file behind the workload's {@code --config} argument. */
    static String configMapData(List<JsonNode> objects, JsonNode workload) {
        JsonNode c = workload.path("spec").path("template").path("spec").path("containers").get(0);
        List<String> argv = new ArrayList<>();
        c.path("command").forEach(a -> argv.add(a.asText()));
        c.path("args").forEach(a -> argv.add(a.asText()));
        int i = argv.indexOf("--config");
        if (i < 0) throw new AssertionError("no --config in " + argv);
        String path = argv.get(i + 1);
        for (JsonNode m : c.path("volumeMounts")) {
            String mp = m.path("mountPath").asText();
            if (!path.startsWith(mp + "/")) continue;
            for (JsonNode v : workload.path("spec").path("template").path("spec").path("volumes")) {
                if (!v.path("name").asText().equals(m.path("name").asText()) || !v.has("configMap")) continue;
                String cm = v.path("configMap").path("name").asText();
                for (JsonNode o : objects) {
                    if (o.path("kind").asText().equals("ConfigMap") && o.path("metadata").path("name").asText().equals(cm)) {
                        return o.path("data").path(path.substring(mp.length() + 1)).asText();
                    }
                }
            }
        }
        throw new AssertionError("--config " + path + " is not a file of a mounted ConfigMap");
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** k8s/charts, or -Dbeacon.charts.dir (to try charts from another checkout). */
    static Path chartDir(String chart) {
        String override = System.getProperty("beacon.charts.dir", "");
        Path base = override.isEmpty() ? SchemaValidator.moduleDir().resolve("charts") : Path.of(override);
        Path p = base.resolve(chart);
        if (!Files.isRegularFile(p.resolve("Chart.yaml"))) throw new AssertionError("no chart " + p);
        return p;
    }

    static List<JsonNode> render(String chart, Path values, Map<String, String> sets) throws IOException {
        TemplateCommand t = new Helm(chartDir(chart)).template().withName("rel").withNamespace("beacon-system")
                .withKubeVersion("v1.36.0");
        if (values != null) t = t.withValuesFile(values);
        for (Map.Entry<String, String> s : sets.entrySet()) t = t.set(s.getKey(), s.getValue());
        String text = t.call();
        List<JsonNode> out = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(text)) {
            var it = RenderedPod.YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && n.isObject() && n.has("kind")) out.add(n);
            }
        }
        return out;
    }

    static Map<String, Path> jars() {
        return Map.of("beacon.jar", jar("beacon.jar"), "bridge.jar", jar("bridge.jar"));
    }

    static Path jar(String name) {
        String p = System.getProperty(name);
        if (p == null) throw new AssertionError("system property " + name + " (k8s/pom.xml sets it)");
        Path jar = Path.of(p).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) throw new AssertionError(jar + " missing: ./mvnw -B -o -pl k8s -am package -DskipTests");
        return jar;
    }
}
