package dev.beacon.bridge.openbao.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Vault-API surface: envelope, KV v2, auth, tokens, leases, transit, write counting and the kill-during-write hook. */
class OpenBaoSimApiTest {
    OpenBaoSimulator sim;
    final SimClient c = new SimClient(null).token("root");

    @AfterEach
    void stop() {
        if (sim != null) sim.close();
    }

    private OpenBaoSimulator start(OpenBaoSimulator.Options o) {
        o.electionTime = Duration.ofMillis(300);
        o.stepDownElectionTime = Duration.ofMillis(50);
        o.standbyLeaderRecheck = Duration.ofMillis(50);
        o.seed = Map.of("app/config", Map.of("password", "s3cr3t"));
        sim = OpenBaoSimulator.start(o);
        return sim;
    }

    private OpenBaoSimulator start() {
        return start(new OpenBaoSimulator.Options());
    }

    private String url(int node, String path) {
        return sim.addresses().get(node) + path;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void kvV2ReadWriteCheckAndSetVersionsMetadataAndMissing() throws Exception {
        start();
        SimClient.Res seeded = c.get(url(0, "/v1/secret/data/app/config"));
        assertEquals(200, seeded.status());
        Map<String, Object> env = seeded.json();
        assertTrue(env.keySet().containsAll(Set.of("request_id", "lease_id", "renewable", "lease_duration", "data", "warnings",
                "wrap_info", "auth")), env.keySet().toString());
        assertEquals("s3cr3t", map(seeded.data().get("data")).get("password"));
        Map<String, Object> md = map(seeded.data().get("metadata"));
        assertEquals(1, md.get("version"));
        assertEquals("", md.get("deletion_time"));
        assertEquals(false, md.get("destroyed"));
        assertTrue(md.containsKey("custom_metadata") && md.containsKey("created_time"));
        assertEquals(0, sim.writes("app/config"), "seed data is not a counted write");

        SimClient.Res missing = c.get(url(0, "/v1/secret/data/nope"));
        assertEquals(404, missing.status());
        assertEquals(Map.of("errors", List.of()), missing.json());
        assertEquals(404, c.get(url(0, "/v1/secret/metadata/nope")).status());

        SimClient.Res w1 = c.post(url(0, "/v1/secret/data/app/db"), Map.of("data", Map.of("user", "a")));
        assertEquals(200, w1.status(), w1.toString());
        assertEquals(1, w1.data().get("version"));
        SimClient.Res w2 = c.send("PUT", url(0, "/v1/secret/data/app/db"),
                Map.of("options", Map.of("cas", 1), "data", Map.of("user", "b")), Duration.ofSeconds(5), Map.of());
        assertEquals(200, w2.status(), w2.toString());
        assertEquals(2, w2.data().get("version"));
        SimClient.Res stale = c.post(url(0, "/v1/secret/data/app/db"), Map.of("options", Map.of("cas", 1), "data", Map.of("user", "c")));
        assertEquals(400, stale.status());
        assertEquals(Map.of("errors", List.of("check-and-set parameter did not match the current version")), stale.json());
        assertEquals(400, c.post(url(0, "/v1/secret/data/app/db"), Map.of("options", Map.of("cas", 0), "data", Map.of())).status(),
                "cas 0 = only if absent");
        assertEquals(200, c.post(url(0, "/v1/secret/data/app/new"), Map.of("options", Map.of("cas", 0), "data", Map.of("k", "v"))).status());
        assertEquals(400, c.post(url(0, "/v1/secret/data/app/db"), Map.of("nodata", true)).status());
        assertEquals(400, c.post(url(0, "/v1/secret/data/app/db"), "{not json").status());

        assertEquals("b", map(c.get(url(0, "/v1/secret/data/app/db")).data().get("data")).get("user"));
        SimClient.Res v1 = c.get(url(0, "/v1/secret/data/app/db?version=1"));
        assertEquals("a", map(v1.data().get("data")).get("user"));
        assertEquals(1, map(v1.data().get("metadata")).get("version"));
        assertEquals(404, c.get(url(0, "/v1/secret/data/app/db?version=9")).status());

        Map<String, Object> meta = c.get(url(0, "/v1/secret/metadata/app/db")).data();
        assertEquals(2, meta.get("current_version"));
        assertEquals(Set.of("1", "2"), map(meta.get("versions")).keySet());
        assertEquals(2, sim.writes("app/db"));
        assertEquals(2, sim.writes("/app/db/"), "paths are normalised");
        assertEquals(Map.of("user", "b"), sim.read("app/db"));
        assertNull(sim.read("nope"));
    }

    @Test
    void tokensInEitherHeaderAndPermissionDenied() throws Exception {
        start();
        SimClient anon = new SimClient(null);
        for (SimClient.Res r : List.of(anon.get(url(0, "/v1/secret/data/app/config")),
                anon.token("wrong").get(url(0, "/v1/secret/data/app/config")),
                anon.token(null).get(url(0, "/v1/auth/token/lookup-self")))) {
            assertEquals(403, r.status());
            assertEquals(Map.of("errors", List.of("permission denied")), r.json());
        }
        SimClient.Res bearer = anon.token(null).send("GET", url(0, "/v1/secret/data/app/config"), null, Duration.ofSeconds(5),
                Map.of("Authorization", "Bearer root"));
        assertEquals(200, bearer.status());
        assertEquals(404, c.get(url(0, "/v1/nothing/here")).status());
        assertEquals(405, c.send("DELETE", url(0, "/v1/secret/metadata/app/config"), null, Duration.ofSeconds(5), Map.of()).status());
    }

    @Test
    void kubernetesLoginIssuesATokenForLookupAndRenew() throws Exception {
        OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
        o.tokenTtl = Duration.ofHours(1);
        o.tokenMaxTtl = Duration.ofHours(3);
        start(o);
        String claims = "{\"sub\":\"system:serviceaccount:shop:cart\",\"kubernetes.io\":{\"namespace\":\"shop\","
                + "\"serviceaccount\":{\"name\":\"cart\",\"uid\":\"u-1\"}}}";
        String jwt = "eyJhbGciOiJSUzI1NiJ9." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes(StandardCharsets.UTF_8))
                + ".sig";
        SimClient anon = new SimClient(null);
        SimClient.Res login = anon.post(url(1, "/v1/auth/kubernetes/login"), Map.of("role", "cart", "jwt", jwt)); // via a standby
        assertEquals(200, login.status(), login.toString());
        Map<String, Object> auth = login.auth();
        String token = (String) auth.get("client_token");
        assertTrue(token.startsWith("s."), token);
        assertNotNull(auth.get("accessor"));
        assertEquals(List.of("default", "cart"), auth.get("policies"));
        assertEquals("cart", map(auth.get("metadata")).get("role"));
        assertEquals("cart", map(auth.get("metadata")).get("service_account_name"));
        assertEquals("shop", map(auth.get("metadata")).get("service_account_namespace"));
        assertEquals(3600, auth.get("lease_duration"));
        assertEquals(true, auth.get("renewable"));

        SimClient me = new SimClient(null).token(token);
        Map<String, Object> self = me.get(url(2, "/v1/auth/token/lookup-self")).data();
        assertEquals(token, self.get("id"));
        assertEquals(auth.get("accessor"), self.get("accessor"));
        assertEquals(List.of("default", "cart"), self.get("policies"));
        assertTrue(((Number) self.get("ttl")).longValue() > 3500);
        assertEquals(200, me.get(url(0, "/v1/secret/data/app/config")).status());

        SimClient.Res renewed = me.post(url(0, "/v1/auth/token/renew-self"), Map.of("increment", "2h"));
        assertEquals(200, renewed.status(), renewed.toString());
        assertEquals(token, renewed.auth().get("client_token"));
        long lease = ((Number) renewed.auth().get("lease_duration")).longValue();
        assertTrue(lease > 7100 && lease <= 7200, "lease " + lease);
        SimClient.Res capped = me.post(url(0, "/v1/auth/token/renew-self"), Map.of("increment", 86400));
        assertTrue(((Number) capped.auth().get("lease_duration")).longValue() <= 3 * 3600);
        assertNotNull(capped.json().get("warnings"), "capped at max_ttl with a warning");

        assertEquals(400, anon.post(url(0, "/v1/auth/kubernetes/login"), Map.of("role", "cart")).status(), "missing jwt");
        assertEquals(400, anon.post(url(0, "/v1/auth/kubernetes/login"), Map.of("jwt", "x")).status(), "missing role");
        assertEquals(200, anon.post(url(0, "/v1/auth/kubernetes/login"), Map.of("role", "r", "jwt", "opaque")).status(),
                "any non-empty jwt");
        assertEquals(400, c.post(url(0, "/v1/auth/token/renew-self"), null).status(), "the root token is not renewable");
    }

    @Test
    void expiredTokensAreDenied() throws Exception {
        OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
        o.tokenTtl = Duration.ofSeconds(1);
        start(o);
        String token = (String) new SimClient(null).post(url(0, "/v1/auth/kubernetes/login"), Map.of("role", "r", "jwt", "j"))
                .auth().get("client_token");
        SimClient me = new SimClient(null).token(token);
        assertEquals(200, me.get(url(0, "/v1/auth/token/lookup-self")).status());
        Await.until("the token expires", Duration.ofSeconds(5), () -> {
            try {
                return me.get(url(0, "/v1/auth/token/lookup-self")).status() == 403;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void leaseRenewal() throws Exception {
        start();
        SimClient.Res creds = c.get(url(0, "/v1/database/creds/app"));
        assertEquals(200, creds.status());
        String lease = (String) creds.json().get("lease_id");
        assertTrue(lease.startsWith("database/creds/app/"), lease);
        assertEquals(true, creds.json().get("renewable"));
        SimClient.Res r = c.post(url(2, "/v1/sys/leases/renew"), Map.of("lease_id", lease, "increment", 600));
        assertEquals(200, r.status(), r.toString());
        assertEquals(lease, r.json().get("lease_id"));
        assertEquals(600, r.json().get("lease_duration"));
        assertEquals(true, r.json().get("renewable"));
        SimClient.Res unknown = c.post(url(0, "/v1/sys/leases/renew"), Map.of("lease_id", "database/creds/app/nope"));
        assertEquals(400, unknown.status());
        assertEquals(Map.of("errors", List.of("lease not found")), unknown.json());
        assertEquals(403, new SimClient(null).post(url(0, "/v1/sys/leases/renew"), Map.of("lease_id", lease)).status());
    }

    @Test
    void transitEncryptFormatAndRoundTrip() throws Exception {
        start();
        String plain = Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8));
        SimClient.Res e = c.post(url(1, "/v1/transit/encrypt/orders"), Map.of("plaintext", plain));
        assertEquals(200, e.status(), e.toString());
        String ct = (String) e.data().get("ciphertext");
        assertTrue(ct.matches("vault:v1:[A-Za-z0-9+/]+=*"), ct);
        assertNotEquals(plain, ct.substring("vault:v1:".length()));
        SimClient.Res d = c.post(url(0, "/v1/transit/decrypt/orders"), Map.of("ciphertext", ct));
        assertEquals(plain, d.data().get("plaintext"));
        assertEquals(400, c.post(url(0, "/v1/transit/encrypt/orders"), Map.of("plaintext", "***")).status());
    }

    @Test
    void writesCountExactlyOncePerAppliedWrite() throws Exception {
        start();
        Map<String, Object> w = Map.of("data", Map.of("n", 1));
        assertEquals(200, c.post(url(0, "/v1/secret/data/count"), w).status());
        assertEquals(200, c.post(url(1, "/v1/secret/data/count"), w).status(), "forwarded");
        assertEquals(2, sim.writes("count"));
        assertEquals(400, c.post(url(0, "/v1/secret/data/count"), Map.of("options", Map.of("cas", 7), "data", Map.of())).status());
        assertEquals(307, c.send("POST", url(2, "/v1/secret/data/count"), w, Duration.ofSeconds(5),
                Map.of("X-Vault-No-Request-Forwarding", "1")).status());
        assertEquals(403, new SimClient(null).post(url(0, "/v1/secret/data/count"), w).status());
        assertEquals(2, sim.writes("count"));
    }

    @Test
    void killDuringWriteAfterApplyingIt() throws Exception {
        start();
        sim.killDuringNextWrite(0, true);
        assertEquals(200, c.get(url(0, "/v1/secret/data/app/config")).status(), "reads do not trigger it");
        assertThrows(IOException.class, () -> c.post(url(0, "/v1/secret/data/k"), Map.of("data", Map.of("v", "applied"))));
        assertEquals("killed", sim.state(0));
        assertEquals(1, sim.writes("k"));
        sim.awaitActive(Duration.ofSeconds(5));
        assertEquals("applied", map(c.get(url(sim.activeIndex(), "/v1/secret/data/k")).data().get("data")).get("v"));
    }

    @Test
    void killDuringWriteBeforeApplyingIt() throws Exception {
        start();
        sim.killDuringNextWrite(0, false);
        assertThrows(IOException.class, () -> c.post(url(0, "/v1/secret/data/k"), Map.of("data", Map.of("v", "lost"))));
        assertEquals("killed", sim.state(0));
        assertEquals(0, sim.writes("k"));
        assertNull(sim.read("k"));
        assertThrows(java.net.ConnectException.class, () -> c.fresh().get(url(0, "/v1/sys/health")));
    }

    @Test
    void killOfAForwardingStandbyAfterTheActiveAppliedTheWrite() throws Exception {
        start();
        sim.killDuringNextWrite(1, true);
        assertThrows(IOException.class, () -> c.post(url(1, "/v1/secret/data/k"), Map.of("data", Map.of("v", 1))));
        assertEquals(1, sim.writes("k"));
        assertEquals("killed", sim.state(1));
        assertEquals(0, sim.activeIndex(), "a standby's death is no election");
    }

    @Test
    void activeDiesAfterApplyingAForwardedWriteAndTheStandbyAnswersWithoutALeader() throws Exception {
        start();
        sim.killDuringNextWrite(0, true);
        SimClient.Res r = c.post(url(1, "/v1/secret/data/k"), Map.of("data", Map.of("v", 1)));
        // Forwarding failed, the fallback (respondStandby) finds no leader: 503, although the write was applied.
        assertEquals(503, r.status(), r.toString());
        assertEquals(Map.of("errors", List.of("no active Vault instance found")), r.json());
        assertEquals(1, sim.writes("k"), "applied: retrying it elsewhere would be a replay");
    }

    @Test
    void aForwardToAStaleLeaderFallsBackToA307() throws Exception {
        OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
        o.standbyLeaderRecheck = Duration.ofSeconds(10);
        o.stepDownElectionTime = Duration.ofMillis(20);
        sim = OpenBaoSimulator.start(o);
        sim.stepDown(0);
        sim.awaitActive(Duration.ofSeconds(5));
        int standby = 3 - sim.activeIndex();
        // The standby still believes in node 0, which is alive but no longer active: the forward fails, 307 to node 0.
        SimClient.Res r = c.post(url(standby, "/v1/secret/data/k"), Map.of("data", Map.of("v", 1)));
        assertEquals(307, r.status(), r.toString());
        assertEquals(sim.addresses().get(0) + "/v1/secret/data/k", r.location());
        assertEquals(0, sim.writes("k"));
        // Node 0 stepped down and knows no leader until its re-check: forwarding mode answers 500 there.
        SimClient.Res at0 = c.post(r.location(), Map.of("data", Map.of("v", 1)));
        assertEquals(500, at0.status(), at0.toString());
        assertEquals(0, sim.writes("k"));
    }

    @Test
    void redirectWhenForwardingFailsCanBeTurnedOff() throws Exception {
        OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
        o.redirectWhenForwardingFails = false;
        start(o);
        sim.killDuringNextWrite(0, false);
        SimClient.Res r = c.post(url(1, "/v1/secret/data/k"), Map.of("data", Map.of("v", 1)));
        assertEquals(500, r.status(), r.toString());
        assertEquals(0, sim.writes("k"));
    }

    @Test
    void fromVersion25StandbysServeReadsThemselves() throws Exception {
        OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
        o.version = "2.5.0-sim";
        o.electionTime = Duration.ofSeconds(10);
        o.seed = Map.of("app/config", Map.of("password", "s3cr3t"));
        sim = OpenBaoSimulator.start(o);
        sim.kill(0);
        assertEquals(-1, sim.activeIndex());
        assertEquals(200, c.get(url(1, "/v1/secret/data/app/config")).status(), "a read on a standby, no leader needed");
        assertEquals(500, c.post(url(1, "/v1/secret/data/app/config"), Map.of("data", Map.of())).status(), "writes are forwarded");
    }
}
