package dev.beacon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user of the beacon chart relies on, read from the rendered objects. */
class ChartBeaconTest {

    static Path ci(String name) {
        return Charts.chartDir("beacon").resolve("ci").resolve(name);
    }

    static List<Path> beaconValues() {
        List<Path> out = new ArrayList<>();
        out.add(null);
        out.addAll(Charts.ciValues("beacon"));
        return out;
    }

    static JsonNode container(List<JsonNode> objects) {
        return Charts.podSpec(Charts.one(objects, "StatefulSet")).path("containers").get(0);
    }

    static String env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) if (e.path("name").asText().equals(name)) return e.path("value").asText(null);
        return null;
    }

    static long seconds(String duration) {
        var m = java.util.regex.Pattern.compile("(?:(\\d+)m)?(?:(\\d+)s)?").matcher(duration);
        assertTrue(m.matches(), duration);
        return (m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * 60) + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)));
    }

    @Test
    void defaultsAreAThreeNodeStatefulSet() {
        List<JsonNode> o = Charts.render("beacon", null);
        JsonNode sts = Charts.one(o, "StatefulSet");
        assertEquals(3, sts.path("spec").path("replicas").asInt());
        assertEquals(1, Charts.render("beacon", ci("minimal-values.yaml")).stream()
                .filter(x -> x.path("kind").asText().equals("StatefulSet")).findFirst().orElseThrow().path("spec").path("replicas").asInt());
    }

    @ParameterizedTest
    @MethodSource("beaconValues")
    void peersDnsPointsAtTheHeadlessServiceTheStatefulSetUses(Path values) {
        List<JsonNode> o = Charts.render("beacon", values);
        JsonNode sts = Charts.one(o, "StatefulSet");
        JsonNode config = Charts.config(o);
        String headless = sts.path("spec").path("serviceName").asText();
        JsonNode svc = Charts.named(o, "Service", headless).orElseThrow(() -> new AssertionError("no Service " + headless));
        assertEquals("None", svc.path("spec").path("clusterIP").asText());
        assertTrue(svc.path("spec").path("publishNotReadyAddresses").asBoolean(), "nodes must find peers before they are ready");
        int clusterPort = config.path("cluster").path("port").asInt();
        assertEquals(headless + "." + Charts.NAMESPACE + ".svc.cluster.local:" + clusterPort, config.path("cluster").path("peersDns").asText());
        assertTrue(svc.path("spec").path("ports").findValues("port").stream().anyMatch(p -> p.asInt() == clusterPort));
        assertTrue(config.path("cluster").path("enabled").asBoolean());
        JsonNode c = container(o);
        assertEquals("$(POD_NAME)", env(c, "BEACON_NODE_ID"), "node.id is the pod name");
        assertEquals("$(POD_IP)", env(c, "BEACON_CLUSTER_ADVERTISE_HOST"));
        assertTrue(env(c, "BEACON_NODE_ADVERTISE_RELAY").startsWith("$(POD_NAME)." + headless + "."));
        assertEquals("0.0.0.0", config.path("admin").path("host").asText(), "the admin port must be reachable by probes");
    }

    @ParameterizedTest
    @MethodSource("beaconValues")
    void drainFitsInTheGracePeriodAndProbesUseTheAdminPort(Path values) {
        List<JsonNode> o = Charts.render("beacon", values);
        JsonNode pod = Charts.podSpec(Charts.one(o, "StatefulSet"));
        JsonNode c = container(o);
        long drain = seconds(Charts.config(o).path("drain").path("gracePeriod").asText());
        long preStop = 0;
        JsonNode cmd = c.path("lifecycle").path("preStop").path("exec").path("command");
        if (cmd.isArray()) {
            assertEquals("sleep", cmd.get(0).asText(), "the preStop hook only waits; the binary drains on SIGTERM");
            preStop = Long.parseLong(cmd.get(1).asText());
        }
        long grace = pod.path("terminationGracePeriodSeconds").asLong();
        assertTrue(grace >= preStop + drain + 3, "terminationGracePeriodSeconds " + grace + " <= preStop " + preStop + " + drain " + drain + " + 3");
        int admin = Charts.config(o).path("admin").path("port").asInt();
        assertEquals("/readyz", c.path("readinessProbe").path("httpGet").path("path").asText());
        assertEquals("/healthz", c.path("livenessProbe").path("httpGet").path("path").asText());
        assertEquals("/healthz", c.path("startupProbe").path("httpGet").path("path").asText());
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertEquals("admin", c.path(probe).path("httpGet").path("port").asText());
        }
        assertTrue(c.path("ports").findValues("containerPort").stream().anyMatch(p -> p.asInt() == admin));
    }

    @ParameterizedTest
    @MethodSource("beaconValues")
    void relayOn443PdbSpreadAndNetworkPolicy(Path values) {
        List<JsonNode> o = Charts.render("beacon", values);
        JsonNode svc = Charts.ofKind(o, "Service").stream()
                .filter(s -> "relay".equals(s.path("metadata").path("labels").path("app.kubernetes.io/component").asText())).findFirst().orElseThrow();
        JsonNode port = svc.path("spec").path("ports").get(0);
        assertEquals(443, port.path("port").asInt());
        assertEquals("relay", port.path("targetPort").asText());
        if (values == null) {
            assertEquals("LoadBalancer", svc.path("spec").path("type").asText());
            assertEquals(1, Charts.one(o, "PodDisruptionBudget").path("spec").path("maxUnavailable").asInt());
            List<String> keys = Charts.podSpec(Charts.one(o, "StatefulSet")).path("topologySpreadConstraints").findValuesAsText("topologyKey");
            assertEquals(List.of("topology.kubernetes.io/zone", "kubernetes.io/hostname"), keys);
        }
        JsonNode np = Charts.one(o, "NetworkPolicy");
        JsonNode sel = Charts.one(o, "StatefulSet").path("spec").path("selector").path("matchLabels");
        assertEquals(sel, np.path("spec").path("podSelector").path("matchLabels"));
        Map<String, JsonNode> byPort = new java.util.HashMap<>();
        np.path("spec").path("ingress").forEach(r -> r.path("ports").forEach(p -> byPort.put(p.path("port").asText(), r)));
        assertTrue(byPort.get("relay").path("from").isMissingNode() || values != null, "relay port open to all by default");
        JsonNode clusterFrom = byPort.get("cluster").path("from");
        assertEquals(1, clusterFrom.size());
        assertEquals(sel, clusterFrom.get(0).path("podSelector").path("matchLabels"), "cluster port only from beacon pods");
        assertFalse(clusterFrom.get(0).has("namespaceSelector"));
        JsonNode adminFrom = byPort.get("admin").path("from");
        assertTrue(adminFrom.get(0).path("namespaceSelector").path("matchLabels").has("kubernetes.io/metadata.name"), "admin only from the monitoring namespace");
        assertEquals(3, byPort.size(), "only relay, cluster and admin are admitted: " + byPort.keySet());
    }

    @Test
    void haAcrossZonesIsStrict() {
        List<JsonNode> o = Charts.render("beacon", ci("ha-zones-values.yaml"));
        JsonNode sts = Charts.one(o, "StatefulSet");
        assertEquals(6, sts.path("spec").path("replicas").asInt());
        sts.path("spec").path("template").path("spec").path("topologySpreadConstraints").forEach(t ->
                assertEquals("DoNotSchedule", t.path("whenUnsatisfiable").asText(), t.path("topologyKey").asText()));
        assertEquals(90 + 10 + 10, Charts.podSpec(sts).path("terminationGracePeriodSeconds").asInt());
    }

    @Test
    void certManagerGivesEveryPodItsOwnNodeIdentity() {
        List<JsonNode> o = Charts.render("beacon", ci("cert-manager-values.yaml"));
        JsonNode pod = Charts.podSpec(Charts.one(o, "StatefulSet"));
        JsonNode csi = pod.path("volumes").findParent("csi").path("csi");
        assertEquals("csi.cert-manager.io", csi.path("driver").asText());
        JsonNode a = csi.path("volumeAttributes");
        assertEquals("spiffe://beacon.example.net/node/${POD_NAME}", a.path("csi.cert-manager.io/uri-sans").asText(),
                "the node id is the pod name, filled in per pod by csi-driver");
        assertEquals("720h", a.path("csi.cert-manager.io/renew-before").asText(), "rotate 30 days before expiry");
        assertEquals("ECDSA", a.path("csi.cert-manager.io/key-algorithm").asText());
        assertEquals("256", a.path("csi.cert-manager.io/key-size").asText());
        assertEquals("beacon-nodes", a.path("csi.cert-manager.io/issuer-name").asText());
        assertEquals("Issuer", a.path("csi.cert-manager.io/issuer-kind").asText());
        assertTrue(a.path("csi.cert-manager.io/dns-names").asText().contains("relay.example.net"));
        assertTrue(a.path("csi.cert-manager.io/key-usages").asText().contains("client auth"), "links and the cluster port dial with it");
        JsonNode tls = Charts.config(o).path("tls");
        assertEquals("/etc/beacon/tls/tls.crt", tls.path("cert").asText());
        assertEquals("/etc/beacon/tls/ca.crt", tls.path("ca").asText());
    }

    @Test
    void existingSecretsAreOnePerPodMountedWhole() {
        List<JsonNode> o = Charts.render("beacon", ci("existing-secrets-values.yaml"));
        JsonNode sts = Charts.one(o, "StatefulSet");
        JsonNode tls = Charts.podSpec(sts).path("volumes").findParent("projected");
        List<String> secrets = tls.path("projected").path("sources").findValuesAsText("name");
        assertEquals(List.of("beacon-0-node-tls", "beacon-1-node-tls", "beacon-2-node-tls"), secrets);
        JsonNode c = container(o);
        assertEquals("/etc/beacon/tls/$(POD_NAME)/tls.crt", env(c, "BEACON_TLS_CERT"));
        assertEquals("/etc/beacon/tls/$(POD_NAME)/tls.key", env(c, "BEACON_TLS_KEY"));
        assertEquals("/etc/beacon/tls/$(POD_NAME)/ca.crt", env(c, "BEACON_TLS_CA"));
    }

    @Test
    void proxyProtocolSetsTheKeysAndTheLoadBalancerAnnotation() {
        List<JsonNode> o = Charts.render("beacon", ci("proxy-protocol-values.yaml"));
        JsonNode pp = Charts.config(o).path("relay").path("proxyProtocol");
        assertTrue(pp.path("enabled").asBoolean());
        assertEquals("[\"10.0.0.0/16\",\"10.1.0.0/16\"]", pp.path("trustedSources").toString());
        JsonNode svc = Charts.named(o, "Service", "rel-beacon").orElseThrow();
        assertEquals("*", svc.path("metadata").path("annotations").path("service.beta.kubernetes.io/aws-load-balancer-proxy-protocol").asText());
        assertTrue(Charts.config(Charts.render("beacon", null)).path("relay").path("proxyProtocol").isMissingNode(), "off by default");
    }

    @Test
    void userConfigCannotOverrideWhatTheChartManages() {
        List<JsonNode> o = Charts.render("beacon", null, Map.of("config.admin.host", "127.0.0.1", "config.limits.idleTimeout", "10m"));
        assertEquals("0.0.0.0", Charts.config(o).path("admin").path("host").asText());
        assertEquals("10m", Charts.config(o).path("limits").path("idleTimeout").asText());
    }
}
