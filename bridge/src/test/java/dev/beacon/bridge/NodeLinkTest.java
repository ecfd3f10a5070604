package dev.beacon.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameType;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.TestPki;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bridge's link to one beacon node, as the beacon's frames drive it: the beacon is played by the test on
 * EmbeddedChannels (after TLS), dials and reconnect timers go through a fake {@link NodeLink.Net}.
 */
class NodeLinkTest {
    private static final String SEED = "10.0.0.1:8443";
    private static final String NODE_B = "10.0.0.2:8443";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static TlsFiles outer;
    private static TlsFiles inner;

    private final BridgeConfig config = new BridgeConfig();
    private final FakeNet net = new FakeNet();
    private Bridge bridge;
    private NodeLink link;

    @BeforeAll
    static void pki() {
        TestPki pki = TestPki.create(dir);
        outer = pki.bridge("acme", "vault");
        inner = pki.innerBridge("acme", "vault");
    }

    @BeforeEach
    void bridge() {
        config.beacon.addresses = List.of(SEED);
        config.tls.cert = outer.cert().toString();
        config.tls.key = outer.key().toString();
        config.tls.ca = outer.ca().toString();
        config.inner.cert = inner.cert().toString();
        config.inner.key = inner.key().toString();
        config.inner.ca = inner.ca().toString();
        config.allow = List.of("spiffe://acme.internal/tenant/acme/*");
        config.upstream.address = "127.0.0.1:8200";
    }

    private void startLink() {
        bridge = new Bridge(config);
        bridge.net = net;
        link = bridge.follow(SEED);
    }

    @AfterEach
    void close() {
        net.dials.forEach(d -> d.ch().finishAndReleaseAll());
        if (bridge != null) bridge.close();
    }

    /** Dials recorded instead of made; timers recorded instead of run. */
    static final class FakeNet implements NodeLink.Net {
        record Dial(String address, ChannelHandler handler, EmbeddedChannel ch) {
        }

        record Timer(Runnable task, long delayMs) {
        }

        final List<Dial> dials = new ArrayList<>();
        final List<Timer> timers = new ArrayList<>();
        final Set<String> refusing = new HashSet<>();

        @Override
        public synchronized ChannelFuture connect(String host, int port, ChannelHandler handler) {
            String address = host + ":" + port;
            EmbeddedChannel ch = new EmbeddedChannel();
            ch.freezeTime(); // the beacon's clock moves only when a test advances it
            if (refusing.contains(address)) {
                dials.add(new Dial(address, handler, ch));
                return ch.newFailedFuture(new ConnectException("Connection refused: " + address));
            }
            ch.pipeline().addLast("handler", handler);
            dials.add(new Dial(address, handler, ch));
            return ch.newSucceededFuture();
        }

        @Override
        public synchronized void schedule(Runnable task, long delayMs) {
            timers.add(new Timer(task, delayMs));
        }

        synchronized List<Dial> controlDials(String address) {
            return dials.stream().filter(d -> d.address().equals(address) && d.handler() instanceof NodeLink.ControlHandler).toList();
        }

        synchronized long dataDials() {
            return dials.stream().filter(d -> d.handler() instanceof NodeLink.DataHandler).count();
        }

        /** The delay of the one reconnect timer pending (runTimers runs it). */
        synchronized long reconnectDelay() {
            assertEquals(1, timers.size(), "one reconnect scheduled: " + timers);
            return timers.get(0).delayMs();
        }

        void runTimers() {
            List<Timer> due;
            synchronized (this) {
                due = List.copyOf(timers);
                timers.clear();
            }
            due.forEach(t -> t.task().run());
        }
    }

    /** The control connection the link dialled to the seed address: the beacon's side of it. */
    private EmbeddedChannel control() {
        List<FakeNet.Dial> d = net.controlDials(SEED);
        return d.get(d.size() - 1).ch();
    }

    private static JsonNode nodes(String... idAndRelay) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < idAndRelay.length; i += 2) {
            if (i > 0) b.append(',');
            b.append("{\"id\":\"").append(idAndRelay[i]).append("\",\"relay\":\"").append(idAndRelay[i + 1]).append("\"}");
        }
        try {
            return JSON.readTree(b.append(']').toString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Frame registered(long pool, long heartbeatMs) {
        return Frame.of(FrameType.REGISTERED).put("version", 1).put("node", "node-a").put("pool", pool)
                .put("heartbeat_ms", heartbeatMs).put("nodes", nodes("node-a", SEED));
    }

    // ---- REGISTERED ----

    @Test
    void registeredOpensThePoolTheBeaconAsksFor() {
        startLink();
        control().writeInbound(registered(3, 15_000));

        assertEquals(3, net.dataDials());
        assertTrue(link.registered());
        assertEquals(Map.of("node-a", SEED), bridge.connectedNodes());
    }

    @Test
    void theBridgesOwnPoolSizeWinsOverTheBeacons() {
        config.beacon.poolSize = 2;
        startLink();
        control().writeInbound(registered(3, 15_000));
        assertEquals(2, net.dataDials());
    }

    @Test
    void aPoolAboveTheBeaconsIdleCapIsClampedTo64() {
        startLink();
        control().writeInbound(registered(1000, 15_000));
        assertEquals(64, net.dataDials());
    }

    @Test
    void wantOpensThatManyMoreDataConnections() {
        startLink();
        control().writeInbound(registered(2, 15_000));
        control().writeInbound(Frame.of(FrameType.WANT).put("count", 3));
        assertEquals(5, net.dataDials());
    }

    @Test
    void theHeartbeatIsTheShorterOfTheBridgesAndTheBeacons() {
        config.beacon.heartbeatInterval = Duration.ofSeconds(15);
        startLink();
        EmbeddedChannel c = control();
        c.writeInbound(registered(1, 1000));

        c.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        c.runScheduledPendingTasks();
        assertNull(c.readOutbound(), "nothing before a heartbeat of silence");

        c.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        c.runScheduledPendingTasks();
        Frame ping = c.readOutbound();
        assertEquals(FrameType.PING, ping.type());
        assertEquals(1, ping.number("seq", -1));
    }

    @Test
    void aBeaconSilentForThreeHeartbeatsIsDroppedAndRedialled() {
        startLink();
        EmbeddedChannel c = control();
        c.writeInbound(registered(1, 1000));

        for (int i = 0; i < 3; i++) {
            c.advanceTimeBy(1000, TimeUnit.MILLISECONDS);
            c.runScheduledPendingTasks();
        }

        assertFalse(c.isOpen());
        assertFalse(link.registered());
        assertTrue(bridge.connectedNodes().isEmpty());
        net.reconnectDelay();
    }

    @Test
    void aPingFromTheBeaconIsAnsweredWithPong() {
        startLink();
        control().writeInbound(registered(1, 15_000));
        control().writeInbound(Frame.of(FrameType.PING).put("seq", 4));
        Frame pong = control().readOutbound();
        assertEquals(FrameType.PONG, pong.type());
        assertEquals(4, pong.number("seq", -1));
    }

    // ---- MEMBERS ----

    @Test
    void membersMakesTheBridgeDialANewNode() {
        startLink();
        control().writeInbound(registered(1, 15_000));

        control().writeInbound(Frame.of(FrameType.MEMBERS).put("nodes", nodes("node-a", SEED, "node-b", NODE_B)));

        assertEquals(1, net.controlDials(NODE_B).size());
    }

    @Test
    void entriesWithoutIdOrRelayAreIgnored() throws Exception {
        startLink();
        control().writeInbound(registered(1, 15_000));
        control().writeInbound(Frame.of(FrameType.MEMBERS).put("nodes",
                JSON.readTree("[{\"id\":\"node-a\",\"relay\":\"" + SEED + "\"},{\"id\":\"node-b\"},{\"relay\":\"" + NODE_B + "\"}]")));
        assertTrue(net.controlDials(NODE_B).isEmpty());
    }

    @Test
    void aNodeThatLeftIsNoLongerDialled() {
        net.refusing.add(NODE_B);
        startLink();
        control().writeInbound(registered(1, 15_000));
        control().writeInbound(Frame.of(FrameType.MEMBERS).put("nodes", nodes("node-a", SEED, "node-b", NODE_B)));
        assertEquals(1, net.controlDials(NODE_B).size());
        net.runTimers();
        assertEquals(2, net.controlDials(NODE_B).size(), "while listed, an unreachable node is redialled");

        control().writeInbound(Frame.of(FrameType.MEMBERS).put("nodes", nodes("node-a", SEED)));
        net.runTimers();
        net.runTimers();

        assertEquals(2, net.controlDials(NODE_B).size(), "once it left the list, never again");
    }

    // ---- DRAIN and refusals: when to dial again ----

    @Test
    void drainClosesTheControlConnectionAndRedialsAfterTheHint() {
        startLink();
        EmbeddedChannel c = control();
        c.writeInbound(registered(1, 15_000));

        c.writeInbound(Frame.of(FrameType.DRAIN).put("reconnect_in_ms", 3000).put("try_for_ms", 30_000));

        assertFalse(c.isOpen());
        assertFalse(link.registered());
        assertTrue(bridge.connectedNodes().isEmpty(), "the draining node is released");
        assertEquals(3000, net.reconnectDelay(), "max(reconnect_in_ms, backoff) with a fresh backoff");
        net.runTimers();
        assertEquals(2, net.controlDials(SEED).size(), "dials the address again");
    }

    @Test
    void aRetryableRefusalWaitsForItsRetryHint() {
        startLink();
        EmbeddedChannel c = control();
        c.writeInbound(Frame.error(ErrorCode.OVERLOADED, "too many control connections").put("retry_after_ms", 1000));

        assertFalse(c.isOpen());
        assertEquals(1000, net.reconnectDelay());
    }

    @Test
    void aRefusalThatCannotHealByItselfWaitsReconnectMax() {
        startLink();
        control().writeInbound(Frame.error(ErrorCode.FORBIDDEN, "only a bridge certificate may REGISTER"));
        assertEquals(config.beacon.reconnectMax.toMillis(), net.reconnectDelay());
    }

    @Test
    void aRetryableRefusalWithoutHintWaitsTheBackoff() {
        startLink();
        control().writeInbound(Frame.error(ErrorCode.DRAINING, "draining"));
        long delay = net.reconnectDelay();
        assertTrue(delay >= 50 && delay <= 100, "first backoff step of reconnectMin 100 ms: " + delay);
    }

    @Test
    void theBackoffGrowsWhileTheBeaconKeepsRefusingAndResetsOnRegistered() {
        startLink();
        for (int i = 0; i < 4; i++) {
            control().writeInbound(Frame.error(ErrorCode.DRAINING, "draining"));
            net.runTimers();
        }
        control().writeInbound(Frame.error(ErrorCode.DRAINING, "draining"));
        long grown = net.reconnectDelay();
        assertTrue(grown >= 800 && grown <= 1600, "fifth attempt: between 800 and 1600 ms, was " + grown);

        net.timers.clear();
        startAgainAndRegister();
        control().writeInbound(Frame.of(FrameType.DRAIN).put("reconnect_in_ms", 0));
        long reset = net.reconnectDelay();
        assertTrue(reset <= 100, "reset by REGISTERED: " + reset);
    }

    private void startAgainAndRegister() {
        link.start();
        control().writeInbound(registered(1, 15_000));
        assertTrue(link.registered());
    }

    @Test
    void aSecondLinkToAnAlreadyHeldNodeClosesAndParks() {
        startLink();
        control().writeInbound(registered(1, 15_000));
        NodeLink second = bridge.follow(SEED);
        EmbeddedChannel secondControl = control();

        secondControl.writeInbound(registered(1, 15_000));

        assertFalse(secondControl.isOpen(), "one control connection per node is enough");
        assertTrue(second.parked(), "every listed node is held: wait instead of dialling");
        assertTrue(net.timers.isEmpty());
        assertTrue(link.registered());
    }
}
