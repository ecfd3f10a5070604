package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Steady reads through wrapper -> beacon -> bridge -> simulated OpenBao HA while the active node fails in each
 * way OpenBao can: zero failed reads, only latency. Election time in the simulator: 2 s (unclean), 0.3 s (clean).
 */
class OpenBaoFailoverTest {
    @TempDir
    Path dir;

    private void steadyReadsSurvive(String what, java.util.function.BiConsumer<dev.beacon.bridge.openbao.sim.OpenBaoSimulator, Integer> failActive) throws Exception {
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> { })) {
            WrapperClient w = s.wrapper("reader");
            try (BaoStack.Reader r = new BaoStack.Reader(w)) {
                r.awaitMore(30);
                long baselineP50 = r.p50Millis();
                int old = s.bao.activeIndex();
                long t0 = System.nanoTime();
                failActive.accept(s.bao, old);
                Await.until("a new leader", Duration.ofSeconds(30), () -> s.bao.activeIndex() >= 0 && s.bao.activeIndex() != old);
                r.awaitMore(30);
                long took = (System.nanoTime() - t0) / 1_000_000;
                r.close();
                System.out.printf("openbao %s: %d reads ok, %d failed; slowest read %d ms (p50 before %d ms); new leader in service after %d ms%n",
                        what, r.ok.get(), r.failures.size(), r.maxMillis(), baselineP50, took);
                assertEquals(List.of(), r.failures, "no read failed while the active node was " + what);
            }
            assertTrue(s.bridge.meters().get("bridge_openbao_leader_changes_total").counter().count() >= 2, "the change was noticed");
        }
    }

    @Test
    void activeKilled() throws Exception {
        steadyReadsSurvive("killed", (b, i) -> b.kill(i));
    }

    @Test
    void activeSteppedDown() throws Exception {
        steadyReadsSurvive("stepped down", (b, i) -> b.stepDown(i));
    }

    @Test
    void activeSealed() throws Exception {
        steadyReadsSurvive("sealed", (b, i) -> b.seal(i));
    }

    @Test
    void activeHung() throws Exception {
        steadyReadsSurvive("hung", (b, i) -> b.hang(i));
    }
}
