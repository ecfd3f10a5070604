package dev.beacon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.ProtocolException;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Forwarding a wrapper stream to a node that holds its bridge: holders are tried one at a time until one answers
 * CONNECTED; the wrapper gets the last holder's ERROR, or unknown_bridge with a retry hint when none could be reached.
 * Each link is an EmbeddedChannel standing for the far node (after TLS), answered by the test.
 */
class LinksTest {
    private static final Links.Request REQUEST = new Links.Request("beacon.test", "acme", "vault", 1,
            "spiffe://beacon.test/tenant/acme/wrapper/app", "10.0.0.9");
    private static final List<ClusterView.NodeRef> HOLDERS = List.of(
            new ClusterView.NodeRef("node-b", "10.0.0.2:8001"),
            new ClusterView.NodeRef("node-c", "10.0.0.3:8002"),
            new ClusterView.NodeRef("node-d", "10.0.0.4:8003"));

    private final EmbeddedChannel wrapper = new EmbeddedChannel();
    /** The links dialled, in order, by port. */
    private final Map<Integer, EmbeddedChannel> dialled = new LinkedHashMap<>();
    private final Set<Integer> unreachable = new HashSet<>();
    private final List<Channel> linked = new ArrayList<>();
    private final List<ProtocolException> failed = new ArrayList<>();

    /** Without a pool: every stream dials (the pooled cases are in LinkPoolTest). */
    private final Links links = new Links(null, this::dial, (ch, node) -> { }, Links.Settings.NONE, System::nanoTime);

    private ChannelFuture dial(EventLoop loop, String host, int port, ChannelHandler link) {
        if (unreachable.contains(port)) {
            // a refused connect: the channel never became active, so its handler sees nothing
            EmbeddedChannel never = new EmbeddedChannel();
            dialled.put(port, never);
            return never.newFailedFuture(new ConnectException("Connection refused: " + host + ":" + port));
        }
        EmbeddedChannel ch = new EmbeddedChannel(link);
        dialled.put(port, ch);
        return ch.newSucceededFuture();
    }

    @AfterEach
    void close() {
        wrapper.finishAndReleaseAll();
        dialled.values().forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private void forward() {
        links.forward(wrapper, REQUEST, HOLDERS, linked::add, failed::add);
    }

    /** The link dialled most recently: the holder being tried now. */
    private EmbeddedChannel current() {
        EmbeddedChannel last = null;
        for (EmbeddedChannel c : dialled.values()) last = c;
        return last;
    }

    /** The far node answers; the next attempt, if any, runs on the wrapper's event loop. */
    private void answer(Frame f) {
        current().writeInbound(f);
        wrapper.runPendingTasks();
    }

    private static Frame error(ErrorCode code, String message, long retryMs) {
        Frame f = Frame.error(code, message);
        return retryMs > 0 ? f.put("retry_after_ms", retryMs) : f;
    }

    @Test
    void holdersAreTriedOneAtATimeUntilOneAnswersConnected() {
        forward();
        assertEquals(1, dialled.size(), "one holder at a time");

        answer(error(ErrorCode.OVERLOADED, "no data connection", 1000));
        assertEquals(2, dialled.size(), "a refusal moves on to the next holder");

        EmbeddedChannel second = current();
        answer(Frame.of(FrameType.CONNECTED).put("version", 1));

        assertEquals(List.of(second), linked, "the wrapper is linked to the holder that answered CONNECTED");
        assertTrue(failed.isEmpty());
        assertEquals(2, dialled.size(), "no holder is tried after CONNECTED");
        assertFalse(dialled.values().iterator().next().isOpen(), "the refusing holder's link is closed");
        assertTrue(second.isOpen());
        assertTrue(second.pipeline().toMap().isEmpty(), "the link handler steps aside so the splice gets the bytes behind CONNECTED");
    }

    @Test
    void everyHolderIsTriedOnceInSomeOrder() {
        forward();
        answer(error(ErrorCode.OVERLOADED, "busy", 1000));
        answer(error(ErrorCode.OVERLOADED, "busy", 1000));
        answer(error(ErrorCode.OVERLOADED, "busy", 1000));
        assertEquals(Set.of(8001, 8002, 8003), dialled.keySet());
        assertEquals(1, failed.size());
    }

    @Test
    void theWrapperGetsTheLastHoldersError() {
        forward();
        answer(error(ErrorCode.DRAINING, "node is draining", 200));
        answer(error(ErrorCode.UNKNOWN_BRIDGE, "not connected here", 0));
        answer(error(ErrorCode.OVERLOADED, "bridge offered no data connection within 5000 ms", 1000));

        assertTrue(linked.isEmpty());
        assertEquals(1, failed.size());
        ProtocolException e = failed.get(0);
        assertEquals(ErrorCode.OVERLOADED, e.code);
        assertEquals("overloaded", e.wireCode);
        assertEquals(1000, e.retryAfterMs);
        assertEquals("bridge offered no data connection within 5000 ms", Frame.error(e).text("message"),
                "passed on unchanged");
        assertFalse(e instanceof Links.LinkFailure, "the holder answered: counted under its own code, not forward_failed");
    }

    @Test
    void noHolderReachableIsUnknownBridgeWithARetryHint() {
        unreachable.addAll(List.of(8001, 8002, 8003));
        forward();
        wrapper.runPendingTasks();

        assertEquals(3, dialled.size());
        assertEquals(1, failed.size());
        ProtocolException e = failed.get(0);
        assertEquals(ErrorCode.UNKNOWN_BRIDGE, e.code);
        assertEquals(200, e.retryAfterMs);
        assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
        assertTrue(e instanceof Links.LinkFailure, "counted as beacon_streams_failed_total{reason=forward_failed}");
    }

    @Test
    void aLastHolderThatClosesWithoutAFrameIsUnknownBridgeWithARetryHintNotTheEarlierError() {
        forward();
        answer(error(ErrorCode.OVERLOADED, "busy", 1000));
        answer(error(ErrorCode.OVERLOADED, "busy", 1000));
        current().close();
        wrapper.runPendingTasks();

        assertEquals(1, failed.size());
        assertEquals(ErrorCode.UNKNOWN_BRIDGE, failed.get(0).code);
        assertEquals(200, failed.get(0).retryAfterMs);
        assertTrue(failed.get(0).getMessage().contains("closed the link"), failed.get(0).getMessage());
        assertTrue(failed.get(0) instanceof Links.LinkFailure, "counted as forward_failed");
    }

    @Test
    void anUnreachableHolderIsSkippedForTheNext() {
        forward();
        int first = dialled.keySet().iterator().next();
        // the first holder's link fails; the ones after it are unreachable except one that answers
        current().close();
        wrapper.runPendingTasks();
        EmbeddedChannel second = current();
        answer(Frame.of(FrameType.CONNECTED).put("version", 1));

        assertEquals(2, dialled.size());
        assertFalse(dialled.get(first).isOpen());
        assertSame(second, linked.get(0));
        assertTrue(failed.isEmpty());
    }

    @Test
    void noFurtherHolderIsTriedOnceTheWrapperHasGone() {
        forward();
        wrapper.close();
        answer(error(ErrorCode.OVERLOADED, "busy", 1000));

        assertEquals(1, dialled.size());
        assertTrue(linked.isEmpty());
        assertTrue(failed.isEmpty(), "nobody is left to tell");
    }

    @Test
    void anUnexpectedFrameFromTheHolderCountsAsAFailedLink() {
        forward();
        answer(Frame.of(FrameType.WANT));
        assertEquals(2, dialled.size(), "moved on");
        assertFalse(dialled.values().iterator().next().isOpen());
    }
}
