package dev.beacon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user of the bridge chart relies on. */
class ChartBridgeTest {

    static Path ci(String name) {
        return Charts.chartDir("bridge").resolve("ci").resolve(name);
    }

    @Test
    void twoReplicasShareOneBridgeIdentityFromOneCertificate() {
        List<JsonNode> o = Charts.render("bridge", null);
        JsonNode d = Charts.one(o, "Deployment");
        assertEquals(2, d.path("spec").path("replicas").asInt());
        assertEquals(0, d.path("spec").path("strategy").path("rollingUpdate").path("maxUnavailable").asInt(), "the bridge id always has a registration");
        List<JsonNode> certs = Charts.ofKind(o, "Certificate");
        assertEquals(2, certs.size());
        JsonNode outer = Charts.named(o, "Certificate", "rel-bridge-outer").orElseThrow();
        assertEquals("spiffe://beacon.example.net/tenant/acme/bridge/acme-bridge", outer.path("spec").path("uris").get(0).asText());
        assertEquals("spiffe://acme.internal/tenant/acme/bridge/acme-bridge",
                Charts.named(o, "Certificate", "rel-bridge-inner").orElseThrow().path("spec").path("uris").get(0).asText());
        for (JsonNode c : certs) {
            assertEquals("cert-manager.io/v1", c.path("apiVersion").asText());
            assertEquals("720h", c.path("spec").path("renewBefore").asText(), "rotate 30 days before expiry");
            assertEquals("ECDSA", c.path("spec").path("privateKey").path("algorithm").asText());
            assertEquals(256, c.path("spec").path("privateKey").path("size").asInt());
        }
        List<String> secrets = Charts.podSpec(d).path("volumes").findValuesAsText("secretName");
        assertTrue(secrets.contains(outer.path("spec").path("secretName").asText()));
        JsonNode config = Charts.config(o);
        assertEquals("/etc/bridge/outer/tls.crt", config.path("tls").path("cert").asText());
        assertEquals("0.0.0.0", config.path("admin").path("host").asText());
        assertTrue(config.path("allow").size() > 0);
    }

    @Test
    void egressOnlyToTheBeaconOpenBaoAndDns() {
        List<JsonNode> o = Charts.render("bridge", ci("openbao-ha-values.yaml"));
        JsonNode np = Charts.one(o, "NetworkPolicy");
        assertEquals("[\"Ingress\",\"Egress\"]", np.path("spec").path("policyTypes").toString());
        JsonNode egress = np.path("spec").path("egress");
        assertEquals(3, egress.size());
        assertEquals(443, egress.get(0).path("ports").get(0).path("port").asInt());
        assertEquals(List.of("203.0.113.10/32", "203.0.113.11/32"), egress.get(0).path("to").findValuesAsText("cidr"));
        assertEquals(8200, egress.get(1).path("ports").get(0).path("port").asInt());
        assertEquals("openbao", egress.get(1).path("to").get(0).path("namespaceSelector").path("matchLabels").path("kubernetes.io/metadata.name").asText());
        assertEquals(53, egress.get(2).path("ports").get(0).path("port").asInt());
        JsonNode ingress = np.path("spec").path("ingress");
        assertEquals(1, ingress.size());
        assertEquals("admin", ingress.get(0).path("ports").get(0).path("port").asText());
        JsonNode config = Charts.config(o);
        assertEquals("https://openbao-internal.openbao.svc.cluster.local:8200", config.path("openbao").path("dns").asText());
        assertEquals("/etc/bridge/openbao-ca/ca.crt", config.path("openbao").path("ca").asText());
        assertEquals("45s", config.path("openbao").path("deadline").asText());
    }

    @Test
    void externalOpenBaoByCidrWithExistingSecrets() {
        List<JsonNode> o = Charts.render("bridge", ci("external-openbao-values.yaml"));
        assertTrue(Charts.ofKind(o, "Certificate").isEmpty());
        List<String> secrets = Charts.podSpec(Charts.one(o, "Deployment")).path("volumes").findValuesAsText("secretName");
        assertTrue(secrets.containsAll(List.of("corp-eu-beacon-tls", "corp-eu-inner-tls")), secrets.toString());
        JsonNode egress = Charts.one(o, "NetworkPolicy").path("spec").path("egress");
        assertEquals("10.20.0.0/24", egress.get(1).path("to").get(0).path("ipBlock").path("cidr").asText());
        assertEquals(1, egress.get(1).path("to").size());
    }
}
