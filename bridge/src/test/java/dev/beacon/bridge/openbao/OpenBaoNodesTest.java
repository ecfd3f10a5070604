package dev.beacon.bridge.openbao;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Following the OpenBao leader from /v1/sys/health: each node is a loopback HTTP server answering a scripted status.
 * Polls every 20 ms (50 ms while a leader is known), so every change is seen within a few polls.
 */
class OpenBaoNodesTest {
    private static final Duration WAIT = Duration.ofSeconds(2);

    /** One event loop, as in VaultProxy: the nodes' state is touched on one thread, and so are the test's reads. */
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
    private final HttpClient http = vertx.createHttpClient();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final OpenBaoConfig config = new OpenBaoConfig();
    private final List<FakeBao> baos = new ArrayList<>();
    private OpenBaoNodes nodes;

    /** A node answering its health endpoint with whatever status the test sets. */
    private final class FakeBao {
        final AtomicInteger status = new AtomicInteger();
        final AtomicInteger polls = new AtomicInteger();
        final HttpServer server;
        final URI uri;

        FakeBao(int initial) {
            status.set(initial);
            server = await(vertx.createHttpServer().requestHandler(req -> {
                polls.incrementAndGet();
                req.response().setStatusCode(status.get()).end("{}");
            }).listen(0, "127.0.0.1"));
            uri = URI.create("http://127.0.0.1:" + server.actualPort());
        }

        void set(int code) {
            status.set(code);
        }

        void stop() {
            await(server.close());
        }
    }

    private FakeBao bao(int status) {
        FakeBao b = new FakeBao(status);
        baos.add(b);
        return b;
    }

    private void start() {
        start(Duration.ofMillis(50), Duration.ofMillis(20));
    }

    private void start(Duration healthInterval, Duration electionPollInterval) {
        config.healthInterval = healthInterval;
        config.electionPollInterval = electionPollInterval;
        config.attemptTimeout = Duration.ofMillis(500);
        List<URI> uris = baos.stream().map(b -> b.uri).toList();
        nodes = new OpenBaoNodes(vertx, http, config, () -> uris, new OpenBaoMetrics(meters, new java.util.concurrent.atomic.AtomicLong()));
        nodes.start();
    }

    @AfterEach
    void stop() {
        if (nodes != null) onLoop(() -> {
            nodes.close();
            return null;
        });
        await(vertx.close());
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Runs on the nodes' event loop, where their state lives. */
    private <T> T onLoop(Supplier<T> read) {
        CompletableFuture<T> out = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            try {
                out.complete(read.get());
            } catch (Throwable t) {
                out.completeExceptionally(t);
            }
        });
        try {
            return out.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private OpenBaoNodes.Node active() {
        return onLoop(() -> nodes.active());
    }

    private OpenBaoNodes.Node node(FakeBao b) {
        return onLoop(() -> nodes.byUri(b.uri));
    }

    private OpenBaoNodes.State state(FakeBao b) {
        return onLoop(() -> {
            OpenBaoNodes.Node n = nodes.byUri(b.uri);
            return n == null ? null : n.state;
        });
    }

    private void awaitActive(FakeBao b) {
        Await.until("leader " + b.uri, WAIT, () -> {
            OpenBaoNodes.Node a = active();
            return a != null && a.matches(b.uri);
        });
    }

    private double failovers() {
        return meters.get("bridge_openbao_failover_detection_seconds").timer().count();
    }

    @Test
    void theNodeAnswering200IsTheLeaderAndTheOthersStandby() {
        FakeBao standby = bao(429);
        FakeBao leader = bao(200);
        start();

        awaitActive(leader);
        Await.until("the standby polled", WAIT, () -> state(standby) == OpenBaoNodes.State.STANDBY);
        assertTrue(onLoop(() -> nodes.hasActive()));
    }

    @Test
    void eachHealthAnswerSetsWhatTheBridgeKnowsOfTheNode() {
        FakeBao standby = bao(429);
        FakeBao sealed = bao(503);
        FakeBao uninitialized = bao(501);
        FakeBao performanceStandby = bao(473);
        FakeBao drStandby = bao(472);
        start();

        Await.until("every node polled", WAIT, () -> baos.stream().allMatch(b -> state(b) != OpenBaoNodes.State.UNKNOWN));
        assertEquals(OpenBaoNodes.State.STANDBY, state(standby));
        assertEquals(OpenBaoNodes.State.SEALED, state(sealed));
        assertEquals(OpenBaoNodes.State.UNINITIALIZED, state(uninitialized));
        assertEquals(OpenBaoNodes.State.STANDBY, state(performanceStandby), "473: not active");
        assertEquals(OpenBaoNodes.State.STANDBY, state(drStandby), "472: not active");
        assertNull(active(), "none of them is a leader");
    }

    @Test
    void aLeaderWhoseHealthPollFailsIsLostAndItsSuccessorFound() {
        FakeBao old = bao(200);
        FakeBao next = bao(429);
        start();
        awaitActive(old);

        old.stop(); // connection refused from now on
        Await.until("leader lost", WAIT, () -> active() == null);
        assertEquals(OpenBaoNodes.State.UNREACHABLE, state(old));

        next.set(200);
        awaitActive(next);
        assertEquals(1.0, failovers(), "the failover time is recorded once");
        assertEquals(2.0, meters.get("bridge_openbao_leader_changes_total").counter().count());
    }

    @Test
    void aLeaderThatAnswersSealedIsNoLongerTheLeader() {
        FakeBao old = bao(200);
        bao(429);
        start();
        awaitActive(old);

        old.set(503);

        Await.until("leader lost", WAIT, () -> active() == null);
        assertEquals(OpenBaoNodes.State.SEALED, state(old));
    }

    @Test
    void theFailoverTimeIsRecordedWhenANewLeaderIsElected() {
        FakeBao old = bao(200);
        FakeBao next = bao(429);
        start();
        awaitActive(old);
        assertEquals(0.0, failovers(), "the first leader is no failover");

        old.set(429);
        next.set(200);
        awaitActive(next);

        assertEquals(1.0, failovers());
        double seconds = meters.get("bridge_openbao_failover_detection_seconds").timer().totalTime(TimeUnit.SECONDS);
        assertTrue(seconds > 0 && seconds < WAIT.toSeconds(), "from the old leader last seen healthy to the new one: " + seconds + " s");
    }

    @Test
    void aResponseTeachesTheLeaderBeforeTheNextHealthPoll() {
        FakeBao a = bao(429);
        FakeBao b = bao(429);
        start(Duration.ofSeconds(30), Duration.ofSeconds(30)); // one poll each, then nothing to confirm or contradict
        Await.until("both polled", WAIT, () -> state(a) == OpenBaoNodes.State.STANDBY && state(b) == OpenBaoNodes.State.STANDBY);
        Future<OpenBaoNodes.Node> waiting = onLoop(() -> nodes.awaitActive(System.nanoTime() + WAIT.toNanos()));

        OpenBaoNodes.Node learned = node(b);
        onLoop(() -> {
            nodes.learnedActive(learned);
            return null;
        });

        assertSame(learned, active());
        assertSame(learned, await(waiting), "a request held for a leader goes on at once");
        assertEquals(OpenBaoNodes.State.ACTIVE, state(b));
    }

    @Test
    void awaitActiveCompletesWhenALeaderAppears() {
        FakeBao a = bao(429);
        FakeBao b = bao(503);
        start();
        Future<OpenBaoNodes.Node> waiting = onLoop(() -> nodes.awaitActive(System.nanoTime() + WAIT.toNanos()));
        Await.until("polled", WAIT, () -> state(a) == OpenBaoNodes.State.STANDBY);
        assertFalse(waiting.isComplete(), "no leader yet");

        b.set(200);

        OpenBaoNodes.Node leader = await(waiting);
        assertTrue(leader.matches(b.uri));
    }

    @Test
    void awaitActiveCompletesAtOnceWhileALeaderIsKnown() {
        FakeBao a = bao(200);
        start();
        awaitActive(a);
        Future<OpenBaoNodes.Node> f = onLoop(() -> nodes.awaitActive(System.nanoTime()));
        assertTrue(f.succeeded());
    }

    @Test
    void awaitActiveFailsAtTheDeadlineWithoutALeader() {
        bao(429);
        bao(503);
        start();
        long t0 = System.nanoTime();
        Future<OpenBaoNodes.Node> waiting = onLoop(() -> nodes.awaitActive(t0 + TimeUnit.MILLISECONDS.toNanos(200)));

        ExecutionException e = assertThrows(ExecutionException.class,
                () -> waiting.toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertTrue(e.getCause().getMessage().contains("no active OpenBao node within the deadline"), e.getCause().getMessage());
        assertTrue(tookMs >= 190, "not before the deadline: " + tookMs + " ms");
    }
}
