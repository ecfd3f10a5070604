package dev.beacon.bench;

import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.FrameType;
import dev.beacon.splice.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The bridge role of the beacon set-up, as small as the protocol allows: a control connection (REGISTER, PING,
 * WANT) and a warm pool of data connections (ATTACH); a data connection that gets STREAM serves the bench protocol
 * ({@link Serve}) itself, so the beacon set-up has the same two TLS legs as HAProxy's (client to relay, relay to
 * server). docs/protocol.md sections 6.2 and 6.3.
 */
final class BridgeRole {
    private final EventLoopGroup group;
    private final SslContext tls;
    private final String host;
    private final int port;
    private final int pool;
    final CountDownLatch registered = new CountDownLatch(1);

    BridgeRole(EventLoopGroup group, SslContext tls, String host, int port, int pool) {
        this.group = group;
        this.tls = tls;
        this.host = host;
        this.port = port;
        this.pool = pool;
    }

    void start() {
        connect(new Control());
    }

    private void connect(ChannelInboundHandlerAdapter handler) {
        Transport.configure(new Bootstrap()).group(group).channel(Transport.socketChannel())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        boolean data = handler instanceof Data;
                        ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), host, port))
                                .addLast("frames", new FrameCodec.Decoder(16384, data ? EnumSet.of(FrameType.STREAM) : EnumSet.noneOf(FrameType.class)))
                                .addLast("encoder", new FrameCodec.Encoder())
                                .addLast("role", handler);
                    }
                })
                .connect(host, port).addListener(f -> {
                    if (!f.isSuccess()) System.err.println("bench bridge: cannot reach " + host + ":" + port + ": " + f.cause());
                });
    }

    private void openData(int n) {
        for (int i = 0; i < n; i++) connect(new Data());
    }

    private static Frame hello(FrameType t) {
        return Frame.of(t).put("versions", List.of(1)).put("agent", "beacon-bench");
    }

    private final class Control extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (!e.isSuccess()) {
                    System.err.println("bench bridge: control handshake with " + host + ":" + port + " failed: " + e.cause());
                    return;
                }
                ctx.writeAndFlush(hello(FrameType.REGISTER).put("pool", pool));
                ctx.executor().scheduleAtFixedRate(() -> ctx.writeAndFlush(Frame.of(FrameType.PING)), 5, 5, TimeUnit.SECONDS);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof Frame f)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            switch (f.type()) {
                case REGISTERED -> {
                    openData(pool);
                    registered.countDown();
                }
                case WANT -> openData((int) Math.max(1, Math.min(64, f.number("count", 1))));
                case PING -> ctx.writeAndFlush(Frame.of(FrameType.PONG).put("seq", f.number("seq", 0)));
                case ERROR -> System.err.println("bench bridge: beacon " + host + ":" + port + " refused: " + f);
                default -> { }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            System.err.println("bench bridge: control connection to " + host + ":" + port + " closed");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.err.println("bench bridge: control connection error: " + cause);
            ctx.close();
        }
    }

    private final class Data extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) ctx.writeAndFlush(hello(FrameType.ATTACH));
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof Frame f)) {
                ReferenceCountUtil.release(msg);
                return;
            }
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
