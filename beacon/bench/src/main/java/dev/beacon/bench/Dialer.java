package dev.beacon.bench;

import dev.beacon.protocol.Connect;
import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.Offer;
import dev.beacon.splice.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The load generator's one way to open a stream, the same for every set-up: TCP, TLS 1.3 with the client
 * certificate (a fresh full handshake every time: no session resumption), and for the beacon the CONNECT/CONNECTED
 * exchange of a wrapper. The returned channel is ready for the bench protocol, with auto-read on.
 */
final class Dialer {
    static final byte[] CONNECT = FrameCodec.encode(new Connect(Offer.of(List.of(1)), BenchPki.BRIDGE, null).toFrame());

    private final EventLoopGroup group;
    private final SslContext tls;

    Dialer(EventLoopGroup group, SslContext tls) {
        this.group = group;
        this.tls = tls;
    }

    EventLoopGroup group() {
        return group;
    }

    /** Opens a stream; {@code handshakeOnly} completes right after the TLS handshake (no CONNECT). */
    Future<Channel> open(Target t, boolean handshakeOnly) {
        io.netty.channel.EventLoop loop = group.next();
        Promise<Channel> p = loop.newPromise(); // the channel lives on the same loop: listeners run there, no hand-off
        int port = handshakeOnly ? t.handshakePort() : t.port();
        Transport.configure(new Bootstrap()).group(loop).channel(Transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = tls.newHandler(ch.alloc()); // no peer host: no client session cache, no resumption
                        ssl.setHandshakeTimeoutMillis(15_000);
                        ch.pipeline().addLast("tls", ssl).addLast("open", new Opening(p, t.beacon() && !handshakeOnly));
                    }
                })
                .connect("127.0.0.1", port).addListener(f -> {
                    if (!f.isSuccess()) p.tryFailure(f.cause());
                });
        return p;
    }

    /** Negotiated TLS version and cipher suite of a stream (the report shows them per set-up). */
    static String cipher(Channel ch) {
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        return ssl == null ? "?" : ssl.engine().getSession().getProtocol() + " " + ssl.engine().getSession().getCipherSuite();
    }

    private static final class Opening extends ChannelInboundHandlerAdapter {
        private final Promise<Channel> promise;
        private final boolean beacon;
        private ByteBuf acc;

        Opening(Promise<Channel> promise, boolean beacon) {
            this.promise = promise;
            this.beacon = beacon;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (!e.isSuccess()) {
                    fail(ctx, e.cause());
                } else if (beacon) {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(CONNECT));
                } else {
                    done(ctx);
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf b) || promise.isDone()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (acc == null) acc = ctx.alloc().buffer();
            acc.writeBytes(b);
            b.release();
            if (acc.readableBytes() < 5) return;
            int type = acc.getUnsignedByte(0);
            long len = acc.getUnsignedInt(1);
            if (acc.readableBytes() < 5 + len) return;
            String payload = acc.toString(5, (int) len, StandardCharsets.UTF_8);
            acc.skipBytes(5 + (int) len);
            if (type != FrameType.CONNECTED.code) {
                fail(ctx, new IllegalStateException("beacon answered CONNECT with frame 0x" + Integer.toHexString(type) + " " + payload));
                return;
            }
            done(ctx);
        }

        private void done(ChannelHandlerContext ctx) {
            ByteBuf rest = acc;
            acc = null;
            ctx.pipeline().remove(this);
            if (!promise.trySuccess(ctx.channel())) {
                ctx.close();
            } else if (rest != null && rest.isReadable()) {
                ctx.fireChannelRead(rest);
                return;
            }
            if (rest != null) rest.release();
        }

        private void fail(ChannelHandlerContext ctx, Throwable cause) {
            promise.tryFailure(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            promise.tryFailure(new java.io.IOException("connection closed while opening the stream"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, cause);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (acc != null) {
                acc.release();
                acc = null;
            }
        }
    }
}
