package dev.beacon.bench;

import dev.beacon.config.HostPort;
import dev.beacon.protocol.Attach;
import dev.beacon.protocol.ClientPipeline;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameHandler;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.NodePeer;
import dev.beacon.protocol.Offer;
import dev.beacon.protocol.Ping;
import dev.beacon.protocol.Register;
import dev.beacon.protocol.Want;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The bridge role of the beacon set-up, as small as the protocol allows: a control connection (REGISTER, PING,
 * WANT) and a warm pool of data connections (ATTACH); a data connection that gets STREAM serves the bench protocol
 * ({@link Serve}) itself, so the beacon set-up has the same two TLS legs as HAProxy's (client to relay, relay to
 * server). docs/protocol.md sections 6.2 and 6.3.
 */
final class BridgeRole {
    private final EventLoopGroup group;
    private final SslContext tls;
    private final HostPort beacon;
    private final int pool;
    final CountDownLatch registered = new CountDownLatch(1);

    BridgeRole(EventLoopGroup group, SslContext tls, HostPort beacon, int pool) {
        this.group = group;
        this.tls = tls;
        this.beacon = beacon;
        this.pool = pool;
    }

    void start() {
        connect(new Control());
    }

    private void connect(FrameHandler handler) {
        ClientPipeline pipeline = new ClientPipeline(beacon, tls);
        if (handler instanceof Data) pipeline.rawAfter(FrameType.STREAM);
        pipeline.connect(group, handler).addListener(f -> {
            if (!f.isSuccess()) System.err.println("bench bridge: cannot reach " + beacon + ": " + f.cause());
        });
    }

    private void openData(int n) {
        for (int i = 0; i < n; i++) connect(new Data());
    }

    /** What the bench says it is, in REGISTER and ATTACH. */
    private static final String AGENT = "beacon-bench";

    private final class Control extends FrameHandler {
        @Override
        protected void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
            System.err.println("bench bridge: control handshake with " + beacon + " failed: " + cause);
        }

        @Override
        protected void handshaken(ChannelHandlerContext ctx) throws SSLPeerUnverifiedException {
            NodePeer.check(ctx.channel(), null);
            ctx.writeAndFlush(new Register(Offer.of(List.of(1)), AGENT, pool).toFrame());
            ctx.executor().scheduleAtFixedRate(() -> ctx.writeAndFlush(Ping.EMPTY.toFrame()), 5, 5, TimeUnit.SECONDS);
        }

        @Override
        protected void frameRead(ChannelHandlerContext ctx, Frame f) {
            switch (f.type()) {
                case REGISTERED -> {
                    openData(pool);
                    registered.countDown();
                }
                case WANT -> openData((int) Math.max(1, Math.min(64, Want.from(f).count())));
                case PING -> ctx.writeAndFlush(Ping.from(f).answer().toFrame());
                case ERROR -> System.err.println("bench bridge: beacon " + beacon + " refused: " + f);
                default -> { }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            System.err.println("bench bridge: control connection to " + beacon + " closed");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.err.println("bench bridge: control connection error: " + cause);
            ctx.close();
        }
    }

    private final class Data extends FrameHandler {
        @Override
        protected void handshaken(ChannelHandlerContext ctx) throws SSLPeerUnverifiedException {
            NodePeer.check(ctx.channel(), null);
            ctx.writeAndFlush(new Attach(Offer.of(List.of(1)), AGENT).toFrame());
        }

        @Override
        protected void frameRead(ChannelHandlerContext ctx, Frame f) {
            if (f.type() != FrameType.STREAM) return; // PINGs on an idle data connection need no answer
            Channel ch = ctx.channel();
            ch.pipeline().remove("encoder");
            ch.pipeline().replace(this, "serve", new Serve());
            ch.pipeline().remove("frames"); // bytes that came right behind STREAM go to Serve
            ch.config().setAutoRead(true);
            openData(1); // keep the pool full, as the reference bridge does
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
