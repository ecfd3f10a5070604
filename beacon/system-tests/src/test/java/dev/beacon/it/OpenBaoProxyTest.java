package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes that may have been applied, all nodes down, and a rolling OpenBao upgrade, through the whole relay. */
class OpenBaoProxyTest {
    @TempDir
    Path dir;

    @Test
    void aWriteInFlightWhenTheActiveDiesIsReportedNotRepeated() throws Exception {
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> { })) {
            WrapperClient w = s.wrapper("writer");
            String path = "app/written-once";
            s.bao.killDuringNextWrite(s.bao.activeIndex(), true); // applied, then the node dies before answering
            HttpExchange.Response r = BaoStack.send(w, "POST", "/v1/secret/data/" + path, "{\"data\":{\"v\":\"1\"}}");
            assertEquals(502, r.status(), r.bodyText());
            assertTrue(r.bodyText().contains("may have been applied"), r.bodyText());
            assertEquals(1, s.bao.writes(path), "applied exactly once, never replayed");
            // a read afterwards is held through the election and shows the write
            HttpExchange.Response read = BaoStack.send(w, "GET", "/v1/secret/data/" + path, null);
            assertEquals(200, read.status(), read.bodyText());
            assertTrue(read.bodyText().contains("\"v\":\"1\""), read.bodyText());

            String other = "app/never-applied";
            Await.until("leader", Duration.ofSeconds(30), () -> s.bao.activeIndex() >= 0);
            s.bao.killDuringNextWrite(s.bao.activeIndex(), false); // dies as the write arrives
            HttpExchange.Response r2 = BaoStack.send(w, "POST", "/v1/secret/data/" + other, "{\"data\":{\"v\":\"2\"}}");
            assertEquals(502, r2.status(), r2.bodyText());
            assertEquals(0, s.bao.writes(other), "not applied, and not repeated behind the wrapper's back");
        }
    }

    @Test
    void writesAndLoginsWorkAcrossAStepDown() throws Exception {
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> { })) {
            WrapperClient w = s.wrapper("busy");
            s.bao.stepDown(s.bao.activeIndex());
            HttpExchange.Response write = BaoStack.send(w, "POST", "/v1/secret/data/app/after-stepdown", "{\"data\":{\"k\":\"v\"}}");
            assertEquals(200, write.status(), write.bodyText());
            assertEquals(1, s.bao.writes("app/after-stepdown"), "a refused write (standby, no leader) is safe to send again");
            HttpExchange.Response login = BaoStack.send(w, "POST", "/v1/auth/kubernetes/login", "{\"role\":\"app\",\"jwt\":\"eyJ...\"}");
            assertEquals(200, login.status(), login.bodyText());
            assertTrue(login.bodyText().contains("client_token"), login.bodyText());
        }
    }

    @Test
    void allNodesDownLongerThanTheDeadlineGivesA503ThenRecovers() throws Exception {
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> c.openbao.deadline = Duration.ofSeconds(3))) {
            WrapperClient w = s.wrapper("patient");
            for (int i = 0; i < 3; i++) s.bao.kill(i);
            long t0 = System.nanoTime();
            HttpExchange.Response r = BaoStack.send(w, "GET", "/v1/secret/data/" + BaoStack.SECRET, null);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(503, r.status(), r.bodyText());
            assertTrue(r.bodyText().contains("bridge:"), "the bridge says it is its own answer: " + r.bodyText());
            assertTrue(ms >= 2500 && ms < 8000, "answered at the 3 s deadline, took " + ms + " ms");
            Await.until("bridge not ready without a leader", Duration.ofSeconds(10), () -> !s.bridge.ready());
            for (int i = 0; i < 3; i++) s.bao.restart(i);
            s.bao.awaitActive(Duration.ofSeconds(30));
            Await.until("bridge ready again by itself", Duration.ofSeconds(30), s.bridge::ready);
            HttpExchange.Response ok = BaoStack.send(w, "GET", "/v1/secret/data/" + BaoStack.SECRET, null);
            assertEquals(200, ok.status(), ok.bodyText());
            System.out.printf("openbao all down: 503 after %d ms (deadline 3 s); recovered by itself%n", ms);
        }
    }

    @Test
    void rollingUpgradeStandbysFirstThenStepDownLosesNoRead() throws Exception {
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> { })) {
            try (BaoStack.Reader r = new BaoStack.Reader(s.wrapper("upgrade-watch"))) {
                r.awaitMore(20);
                int leader = s.bao.activeIndex();
                for (int i = 0; i < 3; i++) {
                    if (i == leader) continue;
                    s.bao.kill(i); // "upgrade" a standby: stop, replace, start
                    r.awaitMore(10);
                    s.bao.restart(i);
                    r.awaitMore(10);
                }
                s.bao.stepDown(leader);
                Await.until("another node leads", Duration.ofSeconds(30), () -> s.bao.activeIndex() >= 0 && s.bao.activeIndex() != leader);
                r.awaitMore(10);
                s.bao.kill(leader); // the former leader last
                r.awaitMore(10);
                s.bao.restart(leader);
                r.awaitMore(20);
                r.close();
                System.out.printf("openbao rolling upgrade: %d reads ok, %d failed, slowest %d ms%n", r.ok.get(), r.failures.size(), r.maxMillis());
                assertEquals(List.of(), r.failures);
            }
        }
    }

    @Test
    void openBaosOwnAnswersPassThroughUnchanged() throws Exception {
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> { })) {
            WrapperClient w = s.wrapper("plain");
            HttpExchange.Response missing = BaoStack.send(w, "GET", "/v1/secret/data/no/such/secret", null);
            assertEquals(404, missing.status(), missing.bodyText());
            assertEquals("{\"errors\":[]}", missing.bodyText().trim(), "OpenBao's own 404 body");
            try (var st = w.open(Stack.BRIDGE)) {
                HttpExchange.Response denied = HttpExchange.send(st, "GET", "/v1/secret/data/" + BaoStack.SECRET,
                        java.util.Map.of("X-Vault-Token", "not-a-token"), null);
                assertEquals(403, denied.status(), denied.bodyText());
                assertTrue(denied.bodyText().contains("permission denied"), denied.bodyText());
            }
        }
    }
}
