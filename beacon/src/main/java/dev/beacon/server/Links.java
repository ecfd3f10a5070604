package dev.beacon.server;

import dev.beacon.config.HostPort;
import dev.beacon.protocol.ClientPipeline;
import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Forward;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameHandler;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.NodePeer;
import dev.beacon.protocol.Offer;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.protocol.Refusal;
import dev.beacon.tls.ReloadingTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * Node-to-node links for one-hop forwarding: a wrapper stream that lands on a node without the bridge is
 * carried over an mTLS connection (node certificates both ways) to a node that has it. The link is the relay
 * port of the other node, opened with FORWARD; it is spliced like any stream, so back-pressure is the same.
 */
final class Links {
    private final Relay relay;
    private final ReloadingTls tls;
    private final Dialer dialer;

    /** Opens a link's connection with {@code link} at the end of its pipeline, after TLS and the frame codec. */
    interface Dialer {
        ChannelFuture dial(Channel inbound, String host, int port, ChannelHandler link);
    }

    Links(Relay relay, ReloadingTls nodeClientTls) {
        this.relay = relay;
        this.tls = nodeClientTls;
        this.dialer = this::dialTls;
    }

    /** Seam for unit tests: links without sockets (the test's Dialer answers for the far node). */
    Links(Relay relay, Dialer dialer) {
        this.relay = relay;
        this.tls = null;
        this.dialer = dialer;
    }

    /** A stream to forward: who asked, for which bridge. */
    record Request(String trustDomain, String tenant, String bridgeId, int version, String wrapper, String source) {
    }

    /**
     * Tries the holders in random order until one answers CONNECTED (then {@code onLinked} gets the link channel,
     * decoder still in place holding any bytes behind CONNECTED) or all failed ({@code onFail}).
     */
    void forward(Channel inbound, Request r, List<ClusterView.NodeRef> holders, Consumer<Channel> onLinked,
                 Consumer<ProtocolException> onFail) {
        List<ClusterView.NodeRef> order = new ArrayList<>(holders);
        Collections.shuffle(order);
        attempt(inbound, r, order, 0, null, onLinked, onFail);
    }

    private void attempt(Channel inbound, Request r, List<ClusterView.NodeRef> order, int i, ProtocolException last,
                         Consumer<Channel> onLinked, Consumer<ProtocolException> onFail) {
        if (!inbound.isActive()) return;
        if (i >= order.size()) {
            onFail.accept(last != null ? last : new LinkFailure(
                    "no node holding bridge '" + r.bridgeId() + "' of tenant '" + r.tenant() + "' could be reached"));
            return;
        }
        ClusterView.NodeRef target = order.get(i);
        Consumer<ProtocolException> next = e -> inbound.eventLoop().execute(
                () -> attempt(inbound, r, order, i + 1, e, onLinked, onFail));
        HostPort to = HostPort.parse(target.relayAddress());
        dialer.dial(inbound, to.host(), to.port(), new LinkHandler(target, r, onLinked, next)).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                Relay.LOG.info("cluster link failed node={} address={} reason=\"{}\"", target.id(), target.relayAddress(),
                        f.cause().getMessage());
                next.accept(new LinkFailure("node " + target.id() + " holding the bridge is unreachable"));
            }
        });
    }

    private ChannelFuture dialTls(Channel inbound, String host, int port, ChannelHandler link) {
        // same loop as the wrapper: the splice never crosses threads
        return new ClientPipeline(new HostPort(host, port), tls.context())
                .connectTimeout(relay.config.limits.streamSetupTimeout)
                .handshakeTimeout(relay.config.limits.handshakeTimeout)
                .rawAfter(FrameType.CONNECTED)
                .allocator(relay.allocator)
                .onChannel(relay.all::add)
                .connect(inbound.eventLoop(), link);
    }

    private final class LinkHandler extends FrameHandler {
        private final ClusterView.NodeRef target;
        private final Request r;
        private final Consumer<Channel> onLinked;
        private final Consumer<ProtocolException> next;
        private boolean done;

        LinkHandler(ClusterView.NodeRef target, Request r, Consumer<Channel> onLinked, Consumer<ProtocolException> next) {
            this.target = target;
            this.r = r;
            this.onLinked = onLinked;
            this.next = next;
        }

        @Override
        protected void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, "TLS handshake with node " + target.id() + " failed: " + cause.getMessage());
        }

        @Override
        protected void handshaken(ChannelHandlerContext ctx) {
            try {
                NodePeer.check(ctx.channel(), target.id());
            } catch (SSLPeerUnverifiedException e) {
                fail(ctx, "the peer at " + target.relayAddress() + ": " + e.getMessage());
                return;
            }
            long waitMs = relay.config.limits.streamSetupTimeout.toMillis() + 1000;
            ctx.executor().schedule(() -> fail(ctx, "node " + target.id() + " did not answer FORWARD within " + waitMs + " ms"),
                    waitMs, java.util.concurrent.TimeUnit.MILLISECONDS);
            ctx.writeAndFlush(new Forward(Offer.supported(), r.trustDomain(), r.tenant(), r.bridgeId(), r.wrapper(), r.source())
                    .toFrame());
        }

        @Override
        protected void frameRead(ChannelHandlerContext ctx, Frame f) {
            if (f.type() == FrameType.CONNECTED && !done) {
                done = true;
                ctx.pipeline().remove(this);
                onLinked.accept(ctx.channel());
            } else if (f.type() == FrameType.ERROR && !done) {
                done = true;
                ctx.close();
                next.accept(Refusal.from(f).toException());
            } else {
                fail(ctx, "unexpected " + f.type() + " from node " + target.id());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(ctx, "node " + target.id() + " closed the link");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, "link to node " + target.id() + ": " + cause.getMessage());
        }

        private void fail(ChannelHandlerContext ctx, String why) {
            if (done) return;
            done = true;
            Relay.LOG.info("cluster link refused node={} reason=\"{}\"", target.id(), why);
            ctx.close();
            next.accept(new LinkFailure(why));
        }
    }

    /**
     * The link to the node holding the bridge failed (dial, TLS, no answer, closed): the beacon's own failure, not the
     * bridge's absence. The wrapper still gets {@code unknown_bridge} (retryable, 200 ms), the metrics say
     * {@code beacon_streams_failed_total{reason="forward_failed"}} so the availability SLI can tell the two apart.
     */
    static final class LinkFailure extends ProtocolException {
        LinkFailure(String why) {
            super(ErrorCode.UNKNOWN_BRIDGE, ErrorCode.UNKNOWN_BRIDGE.wire(), why, 200);
        }
    }
}
