package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenBao without a leader for longer than the bridge's deadline (3 s here, 30 s by default): a majority of the raft
 * nodes down (the one left is a standby that cannot elect itself), or every node sealed. The wrapper gets the bridge's
 * 503 at the deadline, never a hang, and the bridge recovers by itself when a leader is back.
 * docs/operational-readiness.md FM-09 (majority down) and FM-10 (sealed).
 */
class OpenBaoQuorumTest {
    private static final Duration DEADLINE = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    @Test
    void fm09MajorityDownGivesThe503AtTheDeadlineAndRecoversWhenOneComesBack() throws Exception {
        int[] killed = new int[1];
        noLeader("majority down (2 of 3 killed)", s -> {
            int active = s.bao.activeIndex();
            s.bao.kill(active);
            killed[0] = (active + 1) % 3;
            s.bao.kill(killed[0]);
        }, s -> s.bao.restart(killed[0])); // one back: 2 of 3, a majority
    }

    @Test
    void fm10AllSealedGivesThe503AtTheDeadlineAndRecoversWhenUnsealed() throws Exception {
        noLeader("all sealed", s -> {
            for (int i = 0; i < 3; i++) s.bao.seal(i);
        }, s -> {
            for (int i = 0; i < 3; i++) s.bao.unseal(i);
        });
    }

    private void noLeader(String what, Consumer<BaoStack> fail, Consumer<BaoStack> heal) throws Exception {
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> c.openbao.deadline = DEADLINE)) {
            WrapperClient w = s.wrapper("patient");
            assertEquals(200, BaoStack.send(w, "GET", "/v1/secret/data/" + BaoStack.SECRET, null).status());
            fail.accept(s);
            Await.until("no leader", Duration.ofSeconds(10), () -> s.bao.activeIndex() < 0);
            long t0 = System.nanoTime();
            HttpExchange.Response r = BaoStack.send(w, "GET", "/v1/secret/data/" + BaoStack.SECRET, null);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(503, r.status(), r.bodyText());
            assertTrue(r.bodyText().contains("bridge:"), r.bodyText());
            assertTrue(ms >= DEADLINE.toMillis() - 500 && ms < DEADLINE.toMillis() + 5000, "answered at the deadline, took " + ms + " ms");
            Await.until("bridge not ready without a leader", Duration.ofSeconds(10), () -> !s.bridge.ready());
            long t1 = System.nanoTime();
            heal.accept(s);
            s.bao.awaitActive(Duration.ofSeconds(30));
            long leader = (System.nanoTime() - t1) / 1_000_000;
            Await.until("bridge ready again by itself", Duration.ofSeconds(30), s.bridge::ready);
            long ready = (System.nanoTime() - t1) / 1_000_000;
            HttpExchange.Response ok = BaoStack.send(w, "GET", "/v1/secret/data/" + BaoStack.SECRET, null);
            assertEquals(200, ok.status(), ok.bodyText());
            long read = (System.nanoTime() - t1) / 1_000_000;
            System.out.printf("FM-09/10 openbao %s: wrapper got %d after %d ms (deadline %d ms): %s; healed: leader after %d ms, "
                            + "bridge ready after %d ms, read ok after %d ms (simulated election %d ms)%n",
                    what, r.status(), ms, DEADLINE.toMillis(), r.bodyText().trim(), leader, ready, read, 2000);
        }
    }
}
