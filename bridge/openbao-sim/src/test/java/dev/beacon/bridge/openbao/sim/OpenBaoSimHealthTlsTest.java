package dev.beacon.bridge.openbao.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health, leader, seal and standby handling over HTTPS with real certificates. */
class OpenBaoSimHealthTlsTest {
    @TempDir
    static Path dir;
    static TlsFiles tls;
    OpenBaoSimulator sim;

    @BeforeAll
    static void pki() {
        tls = TestPki.create(dir).node("openbao-sim");
    }

    @AfterEach
    void stop() {
        if (sim != null) sim.close();
    }

    private OpenBaoSimulator start(boolean forwarding) {
        OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
        o.tls = tls;
        o.requestForwarding = forwarding;
        o.seed = Map.of("app/config", Map.of("password", "s3cr3t"));
        sim = OpenBaoSimulator.start(o);
        return sim;
    }

    private String url(int node, String path) {
        return sim.addresses().get(node) + path;
    }

    @Test
    void healthCodesAndEveryQueryParameter() throws Exception {
        start(true);
        SimClient c = new SimClient(tls);
        assertTrue(sim.addresses().get(0).startsWith("https://127.0.0.1:"), sim.addresses().toString());
        assertEquals(0, sim.activeIndex());

        SimClient.Res active = c.get(url(0, "/v1/sys/health"));
        assertEquals(200, active.status());
        Map<String, Object> b = active.json();
        assertEquals(true, b.get("initialized"));
        assertEquals(false, b.get("sealed"));
        assertEquals(false, b.get("standby"));
        assertEquals("disabled", b.get("replication_performance_mode"));
        assertEquals("disabled", b.get("replication_dr_mode"));
        assertTrue(b.get("server_time_utc") instanceof Number);
        assertEquals("2.1.0-sim", b.get("version"));
        assertTrue(b.get("cluster_name").toString().startsWith("vault-cluster-"));
        assertNotNull(b.get("cluster_id"));

        SimClient.Res standby = c.get(url(1, "/v1/sys/health"));
        assertEquals(429, standby.status());
        assertEquals(true, standby.json().get("standby"));
        assertEquals(b.get("cluster_id"), standby.json().get("cluster_id"));

        assertEquals(200, c.get(url(1, "/v1/sys/health?standbyok=true")).status());
        assertEquals(200, c.get(url(1, "/v1/sys/health?standbyok=1")).status());
        assertEquals(429, c.get(url(1, "/v1/sys/health?standbyok=false")).status());
        assertEquals(299, c.get(url(1, "/v1/sys/health?standbycode=299")).status());
        assertEquals(202, c.get(url(1, "/v1/sys/health?standbyok=true&activecode=202")).status());
        assertEquals(202, c.get(url(0, "/v1/sys/health?activecode=202")).status());
        assertEquals(200, c.get(url(0, "/v1/sys/health?uninitcode=299")).status(), "always initialised");
        assertEquals(200, c.get(url(0, "/v1/sys/health?sealedcode=299")).status(), "not sealed");

        for (String bad : List.of("activecode=abc", "standbycode=4x", "sealedcode=", "uninitcode=2.5", "standbyok=maybe",
                "drsecondarycode=x", "performancestandbycode=x")) {
            SimClient.Res r = c.get(url(1, "/v1/sys/health?" + bad));
            assertEquals(400, r.status(), bad);
            assertEquals(Map.of("errors", List.of()), r.json(), bad);
        }
        assertEquals(405, c.post(url(0, "/v1/sys/health"), Map.of()).status());
    }

    @Test
    void headAnswersTheSameCodesWithoutABody() throws Exception {
        start(true);
        SimClient c = new SimClient(tls);
        SimClient.Res a = c.head(url(0, "/v1/sys/health"));
        assertEquals(200, a.status());
        assertEquals("", a.body());
        assertEquals("application/json", a.headers().firstValue("Content-Type").orElse(""));
        SimClient.Res s = c.head(url(1, "/v1/sys/health"));
        assertEquals(429, s.status());
        assertEquals("", s.body());
        assertEquals(200, c.head(url(1, "/v1/sys/health?standbyok=true")).status());
        SimClient.Res bad = c.head(url(1, "/v1/sys/health?activecode=nope"));
        assertEquals(400, bad.status());
        assertEquals("", bad.body());
        assertTrue(bad.headers().firstValue("Content-Type").isEmpty(), "no body, no content type (as OpenBao)");
        sim.seal(2);
        SimClient.Res sealed = c.head(url(2, "/v1/sys/health"));
        assertEquals(503, sealed.status());
        assertEquals("", sealed.body());
    }

    @Test
    void leaderFieldsOnActiveAndStandby() throws Exception {
        start(true);
        SimClient c = new SimClient(tls);
        Map<String, Object> a = c.get(url(0, "/v1/sys/leader")).json();
        assertEquals(true, a.get("ha_enabled"));
        assertEquals(true, a.get("is_self"));
        assertNotNull(a.get("active_time"));
        assertEquals(sim.addresses().get(0), a.get("leader_address"));
        assertTrue(a.get("leader_cluster_address").toString().startsWith("https://127.0.0.1:"));
        assertTrue(((Number) a.get("raft_committed_index")).longValue() > 0);
        assertTrue(((Number) a.get("raft_applied_index")).longValue() > 0);

        Map<String, Object> s = c.get(url(2, "/v1/sys/leader")).json();
        assertEquals(false, s.get("is_self"));
        assertFalse(s.containsKey("active_time"), "active_time only on the active node");
        assertEquals(sim.addresses().get(0), s.get("leader_address"));
        assertEquals(a.get("leader_cluster_address"), s.get("leader_cluster_address"));
    }

    @Test
    void sealedNodeAnswers503ToHealthLeaderAndData() throws Exception {
        start(true);
        SimClient c = new SimClient(tls).token("root");
        sim.seal(1);
        assertEquals("sealed", sim.state(1));
        assertEquals(0, sim.activeIndex(), "sealing a standby does not change the leader");

        SimClient.Res h = c.get(url(1, "/v1/sys/health"));
        assertEquals(503, h.status());
        Map<String, Object> b = h.json();
        assertEquals(true, b.get("sealed"));
        assertEquals(true, b.get("standby"));
        assertFalse(b.containsKey("cluster_name"), "cluster_name absent when sealed");
        assertFalse(b.containsKey("cluster_id"), "cluster_id absent when sealed");
        assertEquals(299, c.get(url(1, "/v1/sys/health?sealedcode=299")).status());
        assertEquals(503, c.get(url(1, "/v1/sys/health?standbyok=true")).status(), "sealed is checked before standby");

        SimClient.Res l = c.get(url(1, "/v1/sys/leader"));
        assertEquals(503, l.status());
        assertEquals(Map.of("errors", List.of("Vault is sealed")), l.json());
        for (SimClient.Res r : List.of(c.get(url(1, "/v1/secret/data/app/config")),
                c.post(url(1, "/v1/secret/data/app/config"), Map.of("data", Map.of("a", 1))),
                c.post(url(1, "/v1/auth/kubernetes/login"), Map.of("role", "r", "jwt", "j")))) {
            assertEquals(503, r.status(), r.toString());
            assertEquals(Map.of("errors", List.of("Vault is sealed")), r.json());
        }
        assertEquals(true, c.get(url(1, "/v1/sys/seal-status")).json().get("sealed"));
        assertEquals(0, sim.writes("app/config"));

        sim.unseal(1);
        assertEquals(429, c.get(url(1, "/v1/sys/health")).status());
        assertEquals(200, c.get(url(1, "/v1/secret/data/app/config")).status());
    }

    @Test
    void standbyForwardsOrRedirectsWithTheHeader() throws Exception {
        start(true);
        SimClient c = new SimClient(tls).token("root");
        SimClient.Res fw = c.post(url(2, "/v1/secret/data/app/db"), Map.of("data", Map.of("user", "u1")));
        assertEquals(200, fw.status(), fw.toString());
        assertEquals(1, sim.writes("app/db"));
        SimClient.Res read = c.get(url(1, "/v1/secret/data/app/db"));
        assertEquals(200, read.status());
        assertEquals("u1", ((Map<?, ?>) read.data().get("data")).get("user"));

        Map<String, String> noFwd = Map.of("X-Vault-No-Request-Forwarding", "true");
        SimClient.Res r = c.send("GET", url(1, "/v1/secret/data/app/db?version=1"), null, Duration.ofSeconds(5), noFwd);
        assertEquals(307, r.status());
        assertEquals(sim.addresses().get(0) + "/v1/secret/data/app/db?version=1", r.location());
        SimClient.Res w = c.send("POST", url(1, "/v1/secret/data/app/db"), Map.of("data", Map.of("user", "u2")), Duration.ofSeconds(5), noFwd);
        assertEquals(307, w.status());
        assertEquals(sim.addresses().get(0) + "/v1/secret/data/app/db", w.location());
        assertEquals(1, sim.writes("app/db"), "a 307 applies nothing");
        // the active node ignores the header
        assertEquals(200, c.send("GET", url(0, "/v1/secret/data/app/db"), null, Duration.ofSeconds(5), noFwd).status());
        // health and leader are answered by the standby itself
        assertEquals(429, c.send("GET", url(1, "/v1/sys/health"), null, Duration.ofSeconds(5), noFwd).status());
    }

    @Test
    void aHungNodeNeverCompletesTheTlsHandshake() throws Exception {
        start(true);
        sim.hang(2);
        assertThrows(java.net.http.HttpTimeoutException.class,
                () -> new SimClient(tls).send("GET", url(2, "/v1/sys/health"), null, Duration.ofMillis(300), Map.of()));
        sim.unhang(2);
        assertEquals(429, new SimClient(tls).get(url(2, "/v1/sys/health")).status());
    }

    @Test
    void withoutRequestForwardingStandbysAlwaysRedirect() throws Exception {
        start(false);
        SimClient c = new SimClient(tls).token("root");
        SimClient.Res r = c.get(url(2, "/v1/secret/data/app/config?version=1"));
        assertEquals(307, r.status());
        assertEquals(sim.addresses().get(0) + "/v1/secret/data/app/config?version=1", r.location());
        assertEquals(200, c.get(r.location()).status());
        assertNull(c.get(url(0, "/v1/secret/data/app/config")).location());
    }
}
