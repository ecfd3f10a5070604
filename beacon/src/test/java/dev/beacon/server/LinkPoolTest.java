package dev.beacon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The warm pool of node-to-node links (decisions/0012): a forwarded stream takes a link whose TLS handshake and
 * identity check are already done, so it pays only FORWARD/CONNECTED; idle links are retired before the far node's
 * first-frame timeout; a link found dead at use never fails the stream. Each link is an EmbeddedChannel standing
 * for the far node; "handshaken" is the TLS handshake completing.
 */
class LinkPoolTest {
    private static final Links.Request REQUEST = new Links.Request("beacon.test", "acme", "vault", 1,
            "spiffe://beacon.test/tenant/acme/wrapper/app", "10.0.0.9");
    private static final ClusterView.NodeRef NODE_A = new ClusterView.NodeRef("node-a", "10.0.0.1:8443");
    private static final Links.Settings SETTINGS = new Links.Settings(2, 8, 100, 5_000, 300_000);

    private final EmbeddedChannel wrapper = new EmbeddedChannel();
    /** Every connection dialled to the far node, in order. */
    private final List<EmbeddedChannel> dialled = new ArrayList<>();
    private final List<Channel> linked = new ArrayList<>();
    private final List<ProtocolException> failed = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicBoolean unreachable = new AtomicBoolean();
    /** The identity the far node's certificate shows (the check itself is NodePeer's, tested there). */
    private String farNode = "node-a";

    private final Links links = new Links(null, this::dial, (ch, expected) -> {
        if (!expected.equals(farNode)) throw new SSLPeerUnverifiedException("the server is node " + farNode + ", not node " + expected);
    }, SETTINGS, now::get);

    private ChannelFuture dial(EventLoop loop, String host, int port, ChannelHandler link) {
        if (unreachable.get()) {
            EmbeddedChannel never = new EmbeddedChannel();
            dialled.add(never);
            return never.newFailedFuture(new ConnectException("Connection refused: " + host + ":" + port));
        }
        EmbeddedChannel ch = new EmbeddedChannel(link);
        ch.freezeTime();
        dialled.add(ch);
        return ch.newSucceededFuture();
    }

    @AfterEach
    void close() {
        links.close(); // nothing is dialled while the links are torn down
        wrapper.finishAndReleaseAll();
        List.copyOf(dialled).forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private void forward() {
        links.forward(wrapper, REQUEST, List.of(NODE_A), linked::add, failed::add);
        wrapper.runPendingTasks();
        List.copyOf(dialled).forEach(EmbeddedChannel::runPendingTasks);
    }

    private static void handshaken(EmbeddedChannel ch) {
        ch.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
    }

    /** Every connection still handshaking completes it: the pool is warm. */
    private void handshakeAll() {
        for (EmbeddedChannel ch : List.copyOf(dialled)) {
            if (ch.isActive() && ch.pipeline().last() != null && !handshook.contains(ch)) {
                handshook.add(ch);
                handshaken(ch);
            }
        }
    }

    private final List<EmbeddedChannel> handshook = new ArrayList<>();

    private static Frame forwardSent(EmbeddedChannel ch) {
        ch.runPendingTasks();
        Object f = ch.readOutbound();
        return f instanceof Frame frame ? frame : null;
    }

    /** The first stream dials (nothing is warm yet) and leaves the pool filled. */
    private void warmUp() {
        forward();
        EmbeddedChannel first = dialled.get(0);
        handshakeAll();
        assertEquals(FrameType.FORWARD, forwardSent(first).type());
        first.writeInbound(Frame.of(FrameType.CONNECTED).put("version", 1));
        assertEquals(List.of(first), linked);
        assertEquals(2, links.idle(NODE_A), "two links handshaken and waiting");
        linked.clear();
    }

    @Test
    void aForwardedStreamAfterWarmUpTakesAPreHandshakedLinkAndSendsForwardAtOnce() {
        warmUp();
        int before = dialled.size();
        List<EmbeddedChannel> warm = List.copyOf(dialled.subList(1, 3));

        forward();

        EmbeddedChannel used = warm.stream().filter(ch -> ch.outboundMessages().size() > 0).findFirst().orElseThrow(
                () -> new AssertionError("FORWARD went on none of the pre-handshaked links"));
        Frame fw = forwardSent(used);
        assertEquals(FrameType.FORWARD, fw.type());
        assertEquals("vault", fw.text("bridge"));
        assertEquals(before, dialled.size(), "nothing dialled while the stream sets up");
        used.writeInbound(Frame.of(FrameType.CONNECTED).put("version", 1));
        assertEquals(List.of(used), linked, "the stream is linked over a connection handshaken before it came");
        assertTrue(failed.isEmpty());
        wrapper.runPendingTasks();
        assertEquals(before + 1, dialled.size(), "then one dial, in the background, puts a link back in the pool");
        assertTrue(used.pipeline().toMap().isEmpty(), "the link handler steps aside for the splice");
    }

    @Test
    void pooledLinksTheFarNodeClosesAtUseAreDiscardedAndTheStreamStillLinks() {
        warmUp();
        java.util.Set<EmbeddedChannel> warm = java.util.Set.copyOf(dialled.subList(1, 3));
        forward();
        // the far node restarted just now: each pre-handshaked link dies as FORWARD reaches it; a fresh dial answers
        for (int round = 0; round < 4 && linked.isEmpty() && failed.isEmpty(); round++) {
            for (EmbeddedChannel ch : List.copyOf(dialled)) {
                Frame f = ch.isOpen() ? forwardSent(ch) : null;
                if (f == null) continue;
                if (warm.contains(ch)) {
                    ch.close();
                    wrapper.runPendingTasks();
                    List.copyOf(dialled).forEach(EmbeddedChannel::runPendingTasks);
                } else {
                    ch.writeInbound(Frame.of(FrameType.CONNECTED).put("version", 1));
                }
            }
            handshakeAll();
        }
        assertTrue(failed.isEmpty(), "no stream fails because a pooled link went stale: " + failed);
        assertEquals(1, linked.size());
        assertFalse(warm.contains(linked.get(0)));
    }

    @Test
    void aPooledLinkClosedWhileIdleLeavesThePoolAndIsReplaced() {
        warmUp();
        EmbeddedChannel idle = dialled.get(1);
        int before = dialled.size();
        idle.close(); // the far node restarted: its end of every idle link closed
        assertEquals(1, links.idle(NODE_A));
        assertEquals(before + 1, dialled.size(), "replaced at once");
        forward();
        assertNull(forwardSent(idle), "a closed link is never used");
    }

    @Test
    void idleLinksAreRetiredBeforeTheFarNodesFirstFrameTimeoutAndReplaced() {
        assertTrue(Links.Settings.defaults(10_000).maxAgeMs() <= 5_000, "half the default 10 s handshake timeout");
        warmUp();
        List<EmbeddedChannel> warm = List.copyOf(dialled.subList(1, 3));
        int before = dialled.size();
        for (EmbeddedChannel ch : warm) {
            ch.advanceTimeBy(SETTINGS.maxAgeMs() - 1, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertTrue(ch.isOpen(), "still young");
            ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertFalse(ch.isOpen(), "retired at its age, before the far node's timeout would send it an ERROR");
        }
        assertEquals(before + 2, dialled.size(), "each retired link is replaced");
        handshakeAll();
        assertEquals(2, links.idle(NODE_A));
    }

    @Test
    void nothingIsKeptWarmForANodeNotForwardedToForAWhile() {
        warmUp();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(SETTINGS.keepWarmMs() + 1));
        int before = dialled.size();
        for (EmbeddedChannel ch : List.copyOf(dialled.subList(1, 3))) {
            ch.advanceTimeBy(SETTINGS.maxAgeMs(), TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
        }
        assertEquals(0, links.idle(NODE_A));
        assertEquals(before, dialled.size(), "no churn at rest once the peer is no longer forwarded to");
    }

    @Test
    void linksToANodeThatLeftTheClusterAreClosed() {
        warmUp();
        List<EmbeddedChannel> warm = List.copyOf(dialled.subList(1, 3));
        int before = dialled.size();
        links.retain(List.of(new ClusterView.NodeRef("node-b", "10.0.0.2:8443")));
        warm.forEach(EmbeddedChannel::runPendingTasks);
        warm.forEach(ch -> assertFalse(ch.isOpen()));
        assertEquals(0, links.idle(NODE_A));
        assertEquals(before, dialled.size(), "not replaced");
    }

    @Test
    void aLinkToTheWrongNodeIsNeverPooled() {
        farNode = "node-x"; // whoever answers at A's address is not A
        forward();
        handshakeAll();
        wrapper.runPendingTasks();
        dialled.forEach(ch -> assertFalse(ch.isOpen(), "closed after the identity check"));
        assertEquals(0, links.idle(NODE_A));
        assertEquals(1, failed.size());
        assertInstanceOf(Links.LinkFailure.class, failed.get(0));
    }

    @Test
    void anUnreachableNodeIsNotHammeredByRefills() {
        unreachable.set(true);
        forward();
        int afterFirst = dialled.size();
        assertEquals(1, failed.size());
        assertEquals(ErrorCode.UNKNOWN_BRIDGE, failed.get(0).code);
        assertTrue(afterFirst <= 3, "the stream's dial and one pool fill, then refills back off: " + afterFirst);
        wrapper.runPendingTasks();
        assertEquals(afterFirst, dialled.size());
    }

    @Test
    void aTimeoutFromTheFarNodeOnAPooledLinkIsStaleNotTheStreamsAnswer() {
        warmUp();
        forward();
        EmbeddedChannel used = dialled.subList(1, 3).stream().filter(ch -> ch.outboundMessages().size() > 0).findFirst().orElseThrow();
        forwardSent(used);
        used.writeInbound(Frame.error(ErrorCode.TIMEOUT, "no first frame within 10000 ms"));
        wrapper.runPendingTasks();
        List.copyOf(dialled).forEach(EmbeddedChannel::runPendingTasks);
        handshakeAll();
        EmbeddedChannel next = dialled.stream().filter(ch -> ch != used && ch.isOpen() && ch.outboundMessages().size() > 0)
                .findFirst().orElseThrow(() -> new AssertionError("the stream tried no other link"));
        assertSame(FrameType.FORWARD, forwardSent(next).type());
        next.writeInbound(Frame.of(FrameType.CONNECTED).put("version", 1));
        assertEquals(List.of(next), linked);
        assertTrue(failed.isEmpty());
    }
}
