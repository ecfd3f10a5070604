package dev.beacon.it;

import dev.beacon.protocol.Connect;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.Offer;
import dev.beacon.protocol.Protocol;
import dev.beacon.protocol.Refusal;
import dev.beacon.splice.Transport;
import dev.beacon.tls.TlsContexts;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A wrapper as a load generator: each attempt is a new stream the way the reference wrapper opens one (TCP from the
 * identity's own source address, a full outer mTLS handshake, CONNECT, CONNECTED, inner mTLS with the bridge, one
 * short HTTP request to the upstream, its whole response), but asynchronous on Netty with BoringSSL, so that one
 * test JVM can offer more new streams per second than a beacon node serves. Every attempt ends in exactly one
 * {@link Outcome}, classified by what the client could tell: an answer, an ERROR frame, or the phase at which the
 * connection ended without one.
 */
final class StreamLoad implements AutoCloseable {

    /** How an attempt ended, as a client sees it. */
    enum Kind {
        /** the HTTP response arrived through the relay */
        OK,
        /** an ERROR frame (code and retry_after_ms in the outcome) */
        REFUSED,
        /** closed or reset before the outer TLS handshake finished: the documented pre-TLS refusal (rate, drain, handshake timeout) */
        CLOSED_BEFORE_TLS,
        /** closed after TLS without an ERROR frame or CONNECTED: an answer the protocol does not allow */
        CLOSED_WITHOUT_ANSWER,
        /** closed after CONNECTED, before the response was complete: a broken stream */
        BROKEN,
        /** nothing at all within the client's deadline: a hang */
        HUNG
    }

    /** {@code marks}: nanoseconds from due to TCP connected, outer TLS done, CONNECTED, inner TLS done (0 if not reached). */
    record Outcome(Kind kind, String code, long retryAfterMs, long nanos, String detail, long[] marks) {
        boolean retryable() {
            return kind == Kind.CLOSED_BEFORE_TLS || (kind == Kind.REFUSED && dev.beacon.protocol.ErrorCode.fromWire(code) != null
                    && dev.beacon.protocol.ErrorCode.fromWire(code).retryable);
        }
    }

    /** A wrapper identity of tenant acme, dialling from its own loopback address (127.0.0.x). */
    record Wrapper(String name, String source, SslContext outer, SslContext inner) {
        static Wrapper of(dev.beacon.tls.testing.TestPki pki, String name, String source) {
            TlsFiles outer = pki.wrapper(Stack.TENANT, name);
            TlsFiles inner = pki.innerWrapper(Stack.TENANT, name);
            // no host name in newHandler below: no client session cache, every handshake is a full one (as in the bench)
            return new Wrapper(name, source, TlsContexts.client(TlsMaterial.load(outer), false),
                    TlsContexts.client(TlsMaterial.load(inner), false));
        }
    }

    private static final byte[] CONNECT = FrameCodec.encode(new Connect(Offer.of(List.of(1)), Stack.BRIDGE, null).toFrame());
    /** The generator's buffers are not the node's: unpooled and untracked, so paranoid leak detection in this JVM costs nothing here. */
    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(true, true);

    final EventLoopGroup group;
    private final long deadlineMs;

    StreamLoad(int threads, long deadlineMs) {
        this.group = Transport.group(threads, "load");
        this.deadlineMs = deadlineMs;
    }

    /** One attempt; {@code due} (System.nanoTime) is when it was meant to start: latency counts from there. */
    CompletableFuture<Outcome> attempt(Wrapper w, InetSocketAddress node, long due) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        EventLoop loop = group.next();
        Attempt a = new Attempt(w, result, due);
        Transport.configure(new Bootstrap()).group(loop).channel(Transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) deadlineMs)
                .option(ChannelOption.ALLOCATOR, ALLOC)
                .localAddress(new InetSocketAddress(w.source(), 0))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = w.outer().newHandler(ch.alloc());
                        ssl.setHandshakeTimeoutMillis(deadlineMs * 2); // the node's handshake timeout is what a test sees, not ours
                        ch.pipeline().addLast("tls", ssl)
                                .addLast("frames", new FrameCodec.Decoder(Protocol.DEFAULT_MAX_FRAME_BYTES, EnumSet.of(FrameType.CONNECTED)))
                                .addLast("attempt", a);
                    }
                })
                .connect(node).addListener(f -> {
                    if (!f.isSuccess()) a.end(Kind.CLOSED_BEFORE_TLS, null, 0, "connect: " + f.cause());
                });
        loop.schedule(() -> a.end(Kind.HUNG, null, 0, "no outcome within " + deadlineMs + " ms in phase " + a.phase),
                deadlineMs, TimeUnit.MILLISECONDS);
        return result;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }

    private static final class Attempt extends ChannelInboundHandlerAdapter {
        private final Wrapper w;
        private final CompletableFuture<Outcome> result;
        private final long due;
        private Channel ch;
        /** tcp, tls, frame, inner, http: where the attempt is (for the outcome of a close) */
        volatile String phase = "tcp";
        private ByteBuf response;
        final long[] marks = new long[4];

        private void mark(int i) {
            marks[i] = System.nanoTime() - due;
        }

        Attempt(Wrapper w, CompletableFuture<Outcome> result, long due) {
            this.w = w;
            this.result = result;
            this.due = due;
        }

        void end(Kind kind, String code, long retryAfterMs, String detail) {
            if (result.complete(new Outcome(kind, code, retryAfterMs, System.nanoTime() - due, detail, marks)) && ch != null) ch.close();
            if (response != null) {
                response.release();
                response = null;
            }
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ch = ctx.channel();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof SslHandshakeCompletionEvent e)) return;
            if ("tls".equals(phase)) {
                if (!e.isSuccess()) {
                    end(Kind.CLOSED_BEFORE_TLS, null, 0, "outer handshake: " + e.cause());
                    return;
                }
                phase = "frame";
                mark(1);
                ctx.writeAndFlush(Unpooled.wrappedBuffer(CONNECT));
            } else if ("inner".equals(phase)) {
                if (!e.isSuccess()) {
                    end(Kind.BROKEN, null, 0, "inner handshake: " + e.cause());
                    return;
                }
                phase = "http";
                mark(3);
                ctx.writeAndFlush(Unpooled.copiedBuffer("GET /overload/" + w.name() + " HTTP/1.1\r\nHost: upstream\r\nConnection: close\r\n\r\n",
                        StandardCharsets.US_ASCII));
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            phase = "tls";
            mark(0);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Frame f) {
                if (f.type() == FrameType.ERROR) {
                    Refusal r = Refusal.from(f);
                    end(Kind.REFUSED, r.code(), r.retryAfterMs(), r.message());
                } else if (f.type() == FrameType.CONNECTED) {
                    phase = "inner";
                    mark(2);
                    ctx.pipeline().remove("frames");
                    SslHandler inner = w.inner().newHandler(ctx.alloc());
                    ctx.pipeline().addAfter("tls", "inner", inner);
                } else {
                    end(Kind.CLOSED_WITHOUT_ANSWER, null, 0, "unexpected " + f.type());
                }
                return;
            }
            try {
                if (!(msg instanceof ByteBuf b) || !"http".equals(phase)) return;
                if (response == null) response = ctx.alloc().heapBuffer();
                response.writeBytes(b);
                String s = response.toString(StandardCharsets.US_ASCII);
                int head = s.indexOf("\r\n\r\n");
                if (head < 0) return;
                int cl = s.toLowerCase().indexOf("content-length:");
                int len = cl < 0 ? 0 : Integer.parseInt(s.substring(cl + 15, s.indexOf("\r\n", cl)).trim());
                if (s.length() - head - 4 < len) return;
                if (s.startsWith("HTTP/1.1 200")) end(Kind.OK, null, 0, null);
                else end(Kind.BROKEN, null, 0, "HTTP " + s.substring(0, Math.min(12, s.length())));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            switch (phase) {
                case "tcp", "tls" -> end(Kind.CLOSED_BEFORE_TLS, null, 0, "closed during the outer handshake");
                case "frame" -> end(Kind.CLOSED_WITHOUT_ANSWER, null, 0, "closed after TLS without an ERROR or CONNECTED");
                default -> end(Kind.BROKEN, null, 0, "closed in phase " + phase);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // channelInactive classifies by phase
        }
    }
}
