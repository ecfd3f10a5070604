package dev.beacon.wrapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.TestPki;
import dev.beacon.wrapper.StallingBeacon.Stall;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client timeouts of docs/protocol.md section 13, on real sockets with real TLS: a node that stops answering in any
 * phase costs the reference wrapper that phase's timeout, then the next address while no request byte has been sent,
 * and never more than the overall deadline. The timeouts differ so that each message shows which one fired; the
 * bounds allow seconds of slack for a busy machine.
 */
class WrapperClientTimeoutsTest {
    private static final long SLACK_MS = 3000;

    @TempDir
    static Path dir;
    private static TestPki pki;
    private final List<StallingBeacon> beacons = new ArrayList<>();

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir);
    }

    @AfterEach
    void close() throws Exception {
        for (StallingBeacon b : beacons) b.close();
    }

    private StallingBeacon beacon(Stall stall) throws Exception {
        StallingBeacon b = new StallingBeacon(pki, stall);
        beacons.add(b);
        return b;
    }

    private static WrapperClient.Options options(StallingBeacon... at) {
        WrapperClient.Options o = new WrapperClient.Options();
        for (StallingBeacon b : at) o.beacons.add(b.address());
        o.outer = TlsMaterial.load(pki.wrapper("acme", "app"));
        o.inner = TlsMaterial.load(pki.innerWrapper("acme", "app"));
        o.connectTimeout = Duration.ofMillis(500);
        o.setupTimeout = Duration.ofMillis(700);
        o.innerHandshakeTimeout = Duration.ofMillis(900);
        o.readTimeout = Duration.ofSeconds(20); // far above the others: a phase that waited on it instead fails its bound
        o.retryFor = Duration.ZERO;
        return o;
    }

    private static long since(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static void assertTookAbout(long expectedMs, long tookMs) {
        assertTrue(tookMs >= expectedMs - 100 && tookMs < expectedMs + SLACK_MS, "took " + tookMs + " ms, expected about " + expectedMs);
    }

    @Test
    void aNodeThatAcceptsTcpAndNeverAnswersTlsCostsTheConnectTimeout() throws Exception {
        StallingBeacon frozen = beacon(Stall.TLS);
        long t0 = System.nanoTime();
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                () -> new WrapperClient(options(frozen)).openOnce(frozen.address(), "vault"));
        assertTookAbout(500, since(t0));
        assertTrue(e.getMessage().contains("no TLS handshake within 500 ms"), e.getMessage());
    }

    @Test
    void aNodeSilentAfterConnectCostsTheSetupTimeout() throws Exception {
        StallingBeacon silent = beacon(Stall.CONNECTED);
        long t0 = System.nanoTime();
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                () -> new WrapperClient(options(silent)).openOnce(silent.address(), "vault"));
        assertTookAbout(700, since(t0));
        assertTrue(e.getMessage().contains("no CONNECTED or ERROR within 700 ms"), e.getMessage());
    }

    @Test
    void aStreamSilentInTheInnerHandshakeCostsTheInnerHandshakeTimeout() throws Exception {
        StallingBeacon silent = beacon(Stall.INNER_TLS);
        long t0 = System.nanoTime();
        java.net.SocketException e = assertThrows(java.net.SocketException.class,
                () -> new WrapperClient(options(silent)).openOnce(silent.address(), "vault"));
        assertTookAbout(900, since(t0));
        assertTrue(e.getMessage().contains("inner TLS handshake with bridge 'vault'") && e.getMessage().contains("900 ms"), e.getMessage());
    }

    @Test
    void everyPhaseBeforeTheRequestThatGoesSilentMovesOnToTheNextAddress() throws Exception {
        StallingBeacon tls = beacon(Stall.TLS);
        StallingBeacon connected = beacon(Stall.CONNECTED);
        StallingBeacon innerTls = beacon(Stall.INNER_TLS);
        StallingBeacon healthy = beacon(Stall.NONE);
        WrapperClient.Options o = options(tls, connected, innerTls, healthy);
        o.retryFor = Duration.ofSeconds(10);
        long t0 = System.nanoTime();
        try (WrapperStream s = new WrapperClient(o).open("vault")) {
            HttpExchange.Response r = HttpExchange.send(s, "GET", "/v1/secret/data/app", Map.of(), null);
            assertEquals(200, r.status());
            assertEquals("ok", r.bodyText());
        }
        long took = since(t0);
        // 500 + 700 + 900 ms of timeouts and three backoffs of at most 200 ms
        assertTrue(took >= 2100 && took < 2100 + 600 + SLACK_MS, "took " + took + " ms");
        assertEquals(List.of(1, 1, 1, 1), List.of(tls.accepted.get(), connected.accepted.get(), innerTls.accepted.get(), healthy.accepted.get()));
    }

    /**
     * Defect D2 (docs/operational-readiness.md FM-07): a bridge replica that dies as it is handed the stream cuts the
     * inner handshake. Nothing was sent, so the wrapper tries again, and another replica (here: another address) serves.
     * Before, the cut was a plain IOException and the call failed.
     */
    @Test
    void anInnerHandshakeCutWithoutAnAlertIsRetriedBecauseNothingWasSent() throws Exception {
        StallingBeacon cut = beacon(Stall.CUT_INNER);
        StallingBeacon healthy = beacon(Stall.NONE);
        WrapperClient.Options o = options(cut, healthy);
        o.retryFor = Duration.ofSeconds(10);
        try (WrapperStream s = new WrapperClient(o).open("vault")) {
            assertEquals(200, HttpExchange.send(s, "GET", "/v1/secret/data/app", Map.of(), null).status());
        }
        assertEquals(List.of(1, 1), List.of(cut.accepted.get(), healthy.accepted.get()));
        // and alone, the failure says what happened
        java.net.SocketException e = assertThrows(java.net.SocketException.class,
                () -> new WrapperClient(options(cut)).openOnce(cut.address(), "vault"));
        assertTrue(e.getMessage().contains("cut before it finished") && e.getMessage().contains("nothing sent"), e.getMessage());
    }

    /**
     * Rule 8: a node that did not answer is tried last by the next calls, so while it stays frozen only the first call
     * pays its timeout. A bridge-side failure (rule 4) says nothing against the node and does not count.
     */
    @Test
    void anAddressThatDidNotAnswerIsTriedLastByTheNextCalls() throws Exception {
        StallingBeacon frozen = beacon(Stall.TLS);
        StallingBeacon healthy = beacon(Stall.NONE);
        WrapperClient.Options o = options(frozen, healthy);
        o.retryFor = Duration.ofSeconds(10);
        WrapperClient client = new WrapperClient(o);
        long t0 = System.nanoTime();
        try (WrapperStream s = client.open("vault")) {
            assertEquals(200, HttpExchange.send(s, "GET", "/v1/secret/data/app", Map.of(), null).status());
        }
        assertTrue(since(t0) >= 500, "the first call paid the frozen node's handshake timeout");
        for (int i = 0; i < 3; i++) {
            long t1 = System.nanoTime();
            try (WrapperStream s = client.open("vault")) {
                assertEquals(200, HttpExchange.send(s, "GET", "/v1/secret/data/app", Map.of(), null).status());
            }
            assertTrue(since(t1) < 500, "call " + (i + 2) + " went to the healthy node first: " + since(t1) + " ms");
        }
        assertEquals(1, frozen.accepted.get(), "the frozen node was dialled once");

        StallingBeacon cut = beacon(Stall.CUT_INNER);
        StallingBeacon second = beacon(Stall.NONE);
        WrapperClient.Options o2 = options(cut, second);
        o2.retryFor = Duration.ofSeconds(10);
        WrapperClient c2 = new WrapperClient(o2);
        for (int i = 0; i < 2; i++) {
            try (WrapperStream s = c2.open("vault")) {
                assertEquals(200, HttpExchange.send(s, "GET", "/v1/secret/data/app", Map.of(), null).status());
            }
        }
        assertEquals(2, cut.accepted.get(), "a cut inner handshake is the bridge's, not the node's: the node stays first");
    }

    @Test
    void noAnswerAfterTheRequestFailsAfterTheReadTimeoutAndIsNotSentAgain() throws Exception {
        StallingBeacon silent = beacon(Stall.ANSWER);
        StallingBeacon healthy = beacon(Stall.NONE);
        WrapperClient.Options o = options(silent, healthy);
        o.retryFor = Duration.ofSeconds(10);
        o.readTimeout = Duration.ofMillis(1100);
        try (WrapperStream s = new WrapperClient(o).open("vault")) {
            long t0 = System.nanoTime();
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                    () -> HttpExchange.send(s, "POST", "/v1/secret/data/app", Map.of(), "{}".getBytes()));
            assertTookAbout(1100, since(t0));
            assertTrue(e.getMessage().contains("1100 ms") && e.getMessage().contains("not retried"), e.getMessage());
        }
        assertEquals(1, silent.requests.get());
        assertEquals(0, healthy.accepted.get(), "a request that may have been applied is not sent again");
    }

    @Test
    void theOverallDeadlineEndsAnAnswerThatTricklesFasterThanTheReadTimeout() throws Exception {
        StallingBeacon trickle = beacon(Stall.TRICKLE);
        WrapperClient.Options o = options(trickle);
        o.deadline = Duration.ofMillis(2500);
        long t0 = System.nanoTime();
        try (WrapperStream s = new WrapperClient(o).open("vault")) {
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                    () -> HttpExchange.send(s, "GET", "/v1/secret/data/app", Map.of(), null));
            assertTrue(e.getMessage().contains("deadline of 2500 ms"), e.getMessage());
        }
        assertTookAbout(2500, since(t0));
    }

    @Test
    void theOverallDeadlineAlsoEndsRetrying() throws Exception {
        StallingBeacon a = beacon(Stall.TLS);
        StallingBeacon b = beacon(Stall.CONNECTED);
        WrapperClient.Options o = options(a, b);
        o.retryFor = Duration.ofSeconds(60);
        o.deadline = Duration.ofMillis(2500);
        long t0 = System.nanoTime();
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> new WrapperClient(o).open("vault"));
        assertTookAbout(2500, since(t0));
        assertTrue(e.getMessage().contains("deadline of 2500 ms"), e.getMessage());
    }
}
