package dev.beacon.bridge.openbao.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.Await;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Kill, restart, hang, seal, step-down, elections and the standbys' stale view of the leader, over plain HTTP. */
class OpenBaoSimFailoverTest {
    static final Map<String, String> NO_FWD = Map.of("X-Vault-No-Request-Forwarding", "true");
    OpenBaoSimulator sim;
    final SimClient c = new SimClient(null).token("root");

    @AfterEach
    void stop() {
        if (sim != null) sim.close();
    }

    private OpenBaoSimulator start(long electionMs, long stepDownMs, long recheckMs, long holdOffMs) {
        OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
        o.electionTime = Duration.ofMillis(electionMs);
        o.stepDownElectionTime = Duration.ofMillis(stepDownMs);
        o.standbyLeaderRecheck = Duration.ofMillis(recheckMs);
        o.stepDownHoldOff = Duration.ofMillis(holdOffMs);
        o.seed = Map.of("app/config", Map.of("password", "s3cr3t"));
        sim = OpenBaoSimulator.start(o);
        return sim;
    }

    private String url(int node, String path) {
        return sim.addresses().get(node) + path;
    }

    private static long msSince(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    @Test
    void killRefusesConnectionsThenElectsAfterElectionTimeAndTheRestartedNodeRejoins() throws Exception {
        start(400, 50, 50, 5000);
        assertEquals(200, c.get(url(0, "/v1/sys/health")).status()); // a pooled connection to node 0
        long t0 = System.nanoTime();
        sim.kill(0);
        assertEquals(-1, sim.activeIndex());
        assertEquals("killed", sim.state(0));
        assertThrows(java.io.IOException.class, () -> c.get(url(0, "/v1/sys/health")), "the pooled connection was reset");
        assertThrows(ConnectException.class, () -> c.fresh().get(url(0, "/v1/sys/health")));

        sim.awaitActive(Duration.ofSeconds(5));
        long elected = msSince(t0);
        assertTrue(elected >= 400 && elected < 2400, "elected after " + elected + " ms");
        int leader = sim.activeIndex();
        assertNotEquals(0, leader);
        assertEquals(200, c.get(url(leader, "/v1/sys/health")).status());
        assertEquals("s3cr3t", ((Map<?, ?>) c.get(url(leader, "/v1/secret/data/app/config")).data().get("data")).get("password"));

        sim.restart(0);
        assertEquals("standby", sim.state(0));
        assertEquals(429, c.get(url(0, "/v1/sys/health")).status());
        assertEquals(sim.addresses().get(leader), c.get(url(0, "/v1/sys/leader")).json().get("leader_address"));
        assertEquals(200, c.get(url(0, "/v1/secret/data/app/config")).status(), "forwarded by the restarted standby");

        // It may win a later election: step the others down (they hold off), node 0 is the only candidate left.
        sim.stepDown(leader);
        sim.awaitActive(Duration.ofSeconds(5));
        int next = sim.activeIndex();
        if (next != 0) {
            sim.stepDown(next);
            sim.awaitActive(Duration.ofSeconds(5));
        }
        assertEquals(0, sim.activeIndex());
        assertEquals(200, c.get(url(0, "/v1/sys/health")).status());
    }

    @Test
    void electionWindowHasNoLeaderAndStandbysAnswerAsDocumented() throws Exception {
        start(1500, 50, 50, 5000);
        sim.kill(0);
        // Forwarding (default): 500; X-Vault-No-Request-Forwarding: 503; leader_address empty; health still 429.
        SimClient.Res fw = c.get(url(1, "/v1/secret/data/app/config"));
        assertEquals(500, fw.status(), fw.toString());
        assertEquals(Map.of("errors", List.of("local node not active but active cluster node not found")), fw.json());
        SimClient.Res nf = c.send("GET", url(2, "/v1/secret/data/app/config"), null, Duration.ofSeconds(5), NO_FWD);
        assertEquals(503, nf.status(), nf.toString());
        assertEquals(Map.of("errors", List.of("no active Vault instance found")), nf.json());
        Map<String, Object> leader = c.get(url(1, "/v1/sys/leader")).json();
        assertEquals("", leader.get("leader_address"));
        assertEquals(false, leader.get("is_self"));
        assertEquals(429, c.get(url(1, "/v1/sys/health")).status());
        assertEquals(429, c.get(url(2, "/v1/sys/health")).status());
        assertEquals(-1, sim.activeIndex(), "still inside the 1.5 s window");
        assertEquals(0, sim.writes("app/config"));

        sim.awaitActive(Duration.ofSeconds(5));
        assertEquals(200, c.get(url(sim.activeIndex(), "/v1/secret/data/app/config")).status());
    }

    @Test
    void afterAnElectionStandbysPointAtTheDeadLeaderUntilTheirRecheck() throws Exception {
        start(200, 50, 1000, 5000);
        long t0 = System.nanoTime();
        sim.kill(0);
        sim.awaitActive(Duration.ofSeconds(5));
        int leader = sim.activeIndex();
        int standby = 3 - leader; // of nodes 1 and 2, the one not elected
        String dead = sim.addresses().get(0);

        SimClient.Res r = c.send("GET", url(standby, "/v1/secret/data/app/config?version=1"), null, Duration.ofSeconds(5), NO_FWD);
        assertEquals(307, r.status(), r.toString());
        assertEquals(dead + "/v1/secret/data/app/config?version=1", r.location(), "307 to the dead address");
        assertThrows(ConnectException.class, () -> c.fresh().get(r.location()));
        // Forwarding to the dead leader fails: OpenBao falls back to the same 307.
        SimClient.Res fw = c.get(url(standby, "/v1/secret/data/app/config"));
        assertEquals(307, fw.status(), fw.toString());
        assertEquals(dead + "/v1/secret/data/app/config", fw.location());
        assertEquals(dead, c.get(url(standby, "/v1/sys/leader")).json().get("leader_address"));
        assertEquals(sim.addresses().get(leader), c.get(url(leader, "/v1/sys/leader")).json().get("leader_address"),
                "the new leader knows itself at once");

        String[] location = new String[1];
        Await.until("the standby re-checks the leader", Duration.ofSeconds(5), () -> {
            try {
                location[0] = c.send("GET", url(standby, "/v1/secret/data/app/config"), null, Duration.ofSeconds(2), NO_FWD).location();
                return !location[0].startsWith(dead);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        long switched = msSince(t0);
        assertEquals(sim.addresses().get(leader) + "/v1/secret/data/app/config", location[0]);
        assertTrue(switched >= 200 + 1000, "switched after " + switched + " ms, expected >= election + recheck");
        assertEquals(200, c.get(url(standby, "/v1/secret/data/app/config")).status(), "forwarding works again");
    }

    @Test
    void stepDownIsAQuickElectionAndTheNodeHoldsOff() throws Exception {
        start(3000, 100, 50, 1500);
        long t0 = System.nanoTime();
        sim.stepDown(0);
        assertEquals(-1, sim.activeIndex());
        assertThrows(IllegalStateException.class, () -> sim.stepDown(1), "only the active node can step down");
        sim.awaitActive(Duration.ofSeconds(5));
        long took = msSince(t0);
        assertTrue(took >= 100 && took < 1000, "clean election took " + took + " ms (unclean would be 3000)");
        assertEquals(1, sim.activeIndex());
        assertEquals("standby", sim.state(0));
        assertEquals(true, ((Map<?, ?>) ((List<?>) sim.status().get("nodes")).get(0)).get("held_off"));

        sim.stepDown(1);
        sim.awaitActive(Duration.ofSeconds(5));
        assertEquals(2, sim.activeIndex(), "node 0 holds off, node 1 just stepped down");

        long rounds = sim.electionRounds();
        sim.stepDown(2);
        Await.until("an election round", Duration.ofSeconds(5), () -> sim.electionRounds() > rounds);
        assertEquals(-1, sim.activeIndex(), "everyone is holding off");
        assertTrue(msSince(t0) < 1500, "still within node 0's hold-off");

        sim.awaitActive(Duration.ofSeconds(5));
        assertEquals(0, sim.activeIndex(), "node 0 competes again once its hold-off is over");
        assertTrue(msSince(t0) >= 1500, "elected after " + msSince(t0) + " ms");
    }

    @Test
    void stepDownThroughTheApi() throws Exception {
        start(3000, 100, 50, 5000);
        SimClient.Res r = c.post(url(1, "/v1/sys/step-down"), null); // forwarded to the active node
        assertEquals(204, r.status(), r.toString());
        sim.awaitActive(Duration.ofSeconds(5));
        assertNotEquals(0, sim.activeIndex());
    }

    @Test
    void hangAcceptsButNeverAnswersAndAnActiveHangIsAnUncleanElection() throws Exception {
        start(300, 50, 1000, 5000);
        long t0 = System.nanoTime();
        sim.hang(0);
        assertEquals("hung", sim.state(0));
        assertThrows(HttpTimeoutException.class,
                () -> c.fresh().send("GET", url(0, "/v1/sys/health"), null, Duration.ofMillis(300), Map.of()));
        sim.awaitActive(Duration.ofSeconds(5));
        assertTrue(msSince(t0) >= 300);
        int leader = sim.activeIndex();
        assertNotEquals(0, leader);
        // The other standby still points at node 0 (hung): its forwarded request hangs too.
        int standby = 3 - leader;
        assertThrows(HttpTimeoutException.class,
                () -> c.send("GET", url(standby, "/v1/secret/data/app/config"), null, Duration.ofMillis(300), Map.of()));

        sim.unhang(0);
        assertEquals("standby", sim.state(0));
        assertEquals(429, c.fresh().get(url(0, "/v1/sys/health")).status());
        assertEquals(200, c.get(url(0, "/v1/secret/data/app/config")).status(), "forwarded to the new leader");
        assertEquals(leader, sim.activeIndex());
    }

    @Test
    void hungStandbyDoesNotChangeTheLeaderAndAnswersQueuedRequestsWhenResumed() throws Exception {
        start(300, 50, 50, 5000);
        sim.hang(2);
        assertThrows(HttpTimeoutException.class,
                () -> c.send("GET", url(2, "/v1/sys/health"), null, Duration.ofMillis(200), Map.of()));
        assertEquals(0, sim.activeIndex());
        java.util.concurrent.CompletableFuture<SimClient.Res> queued = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new SimClient(null).send("GET", url(2, "/v1/sys/health"), null, Duration.ofSeconds(10), Map.of());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        sim.unhang(2);
        assertEquals(429, queued.get(10, TimeUnit.SECONDS).status());
    }

    @Test
    void sealingTheActiveNodeIsAnUncleanElection() throws Exception {
        start(400, 50, 50, 5000);
        long t0 = System.nanoTime();
        sim.seal(0);
        assertEquals(-1, sim.activeIndex());
        assertEquals(503, c.get(url(0, "/v1/sys/health")).status());
        sim.awaitActive(Duration.ofSeconds(5));
        assertTrue(msSince(t0) >= 400);
        assertNotEquals(0, sim.activeIndex());
        sim.unseal(0);
        assertEquals(429, c.get(url(0, "/v1/sys/health")).status());
    }

    @Test
    void withoutAMajorityThereIsNoLeader() throws Exception {
        start(200, 50, 50, 5000);
        sim.kill(1);
        assertEquals(0, sim.activeIndex(), "two of three still elect");
        long rounds = sim.electionRounds();
        sim.kill(0);
        Await.until("an election round", Duration.ofSeconds(5), () -> sim.electionRounds() > rounds);
        assertEquals(-1, sim.activeIndex(), "one of three is no quorum");
        assertEquals(500, c.get(url(2, "/v1/secret/data/app/config")).status());
        sim.restart(1);
        sim.awaitActive(Duration.ofSeconds(5));
        assertTrue(sim.activeIndex() == 1 || sim.activeIndex() == 2);
    }

    @Test
    void killingTwoStandbysTakesLeadershipFromTheActiveNode() throws Exception {
        start(200, 50, 50, 5000);
        sim.kill(1);
        sim.kill(2);
        assertEquals(-1, sim.activeIndex());
        assertEquals(429, c.get(url(0, "/v1/sys/health")).status());
        sim.restart(2);
        sim.awaitActive(Duration.ofSeconds(5));
    }
}
