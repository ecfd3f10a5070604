package dev.beacon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user of the status-page chart relies on. */
class ChartStatusPageTest {

    static Path ci(String name) {
        return Charts.chartDir("status-page").resolve("ci").resolve(name);
    }

    @Test
    void oneReplicaOnH2WithAPersistentVolume() {
        List<JsonNode> o = Charts.render("status-page", null);
        JsonNode d = Charts.one(o, "Deployment");
        assertEquals(1, d.path("spec").path("replicas").asInt());
        assertEquals("Recreate", d.path("spec").path("strategy").path("type").asText(), "one writer of the H2 file");
        JsonNode pvc = Charts.one(o, "PersistentVolumeClaim");
        assertEquals("[\"ReadWriteOnce\"]", pvc.path("spec").path("accessModes").toString());
        JsonNode config = Charts.config(o);
        assertEquals("/var/lib/status-page", config.path("dataDir").asText());
        assertTrue(config.path("database").isMissingNode());
        String claim = Charts.podSpec(d).path("volumes").findValue("claimName").asText();
        assertEquals(pvc.path("metadata").path("name").asText(), claim);
        assertEquals("/etc/status-page/admin-token/token", config.path("admin").path("tokenFile").asText());
        assertEquals(4, Charts.ofKind(o, "Certificate").size());
        assertEquals("spiffe://beacon.example.net/tenant/canary/wrapper/status-page",
                Charts.named(o, "Certificate", "rel-status-page-wrapper").orElseThrow().path("spec").path("uris").get(0).asText());
        assertEquals(3, config.path("probes").path("nodes").size());
    }

    @Test
    void postgresqlAllowsMoreReplicasWithThePasswordFromASecret() {
        List<JsonNode> o = Charts.render("status-page", ci("postgresql-ha-values.yaml"));
        JsonNode d = Charts.one(o, "Deployment");
        assertEquals(2, d.path("spec").path("replicas").asInt());
        assertEquals("RollingUpdate", d.path("spec").path("strategy").path("type").asText());
        assertTrue(Charts.ofKind(o, "PersistentVolumeClaim").isEmpty());
        JsonNode config = Charts.config(o);
        assertEquals("jdbc:postgresql://postgres.db.svc.cluster.local:5432/status", config.path("database").path("jdbcUrl").asText());
        assertTrue(config.path("database").path("password").isMissingNode(), "never in the config file");
        JsonNode env = Charts.podSpec(d).path("containers").get(0).path("env").get(0);
        assertEquals("STATUS_DATABASE_PASSWORD", env.path("name").asText());
        assertEquals("status-db", env.path("valueFrom").path("secretKeyRef").path("name").asText());
    }

    @Test
    void ingressServesOnlyThePublicPort() {
        List<JsonNode> o = Charts.render("status-page", ci("h2-ingress-values.yaml"));
        JsonNode ing = Charts.one(o, "Ingress");
        assertEquals("http", ing.path("spec").path("rules").get(0).path("http").path("paths").get(0).path("backend").path("service").path("port").path("name").asText());
        assertEquals("status.example.net", ing.path("spec").path("tls").get(0).path("hosts").get(0).asText());
        JsonNode np = Charts.one(o, "NetworkPolicy");
        JsonNode admin = np.path("spec").path("ingress").get(1);
        assertEquals("admin", admin.path("ports").get(0).path("port").asText());
        assertFalse(admin.path("from").isMissingNode(), "the admin port is not public");
    }

    @Test
    void probeOnlyLocationHasNoAdminToken() {
        List<JsonNode> o = Charts.render("status-page", ci("probe-only-values.yaml"));
        JsonNode config = Charts.config(o);
        assertFalse(config.path("page").asBoolean());
        assertTrue(config.path("admin").path("tokenFile").isMissingNode());
    }
}
