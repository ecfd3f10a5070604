package dev.beacon.bridge.openbao.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The simulator's HTTP/1.1 plumbing: plain Netty, so that kill (RST), hang (no reads) and TLS are under our control. */
final class SimHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    /** When a hang of this connection's node ended (System.nanoTime): requests read soon after are checked for a client that left. */
    static final AttributeKey<Long> RESUMED = AttributeKey.valueOf("openbao-sim.resumed");
    private static final long RESUME_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int MAX_REQUEST = 32 * 1024 * 1024; // OpenBao's default max_request_size

    private SimHttp() {
    }

    /** One request, copied out of Netty's buffers. {@code uri} is the raw path and query as received. */
    record Request(String method, String uri, String path, Map<String, List<String>> query, HttpHeaders headers, byte[] body) {
        String param(String name) {
            List<String> v = query.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        String header(String name) {
            return headers.get(name);
        }

        boolean isHead() {
            return "HEAD".equals(method);
        }
    }

    /** A response; a null body means none (307, 204, HEAD). */
    record Response(int status, Map<String, String> headers, byte[] body) {
        static Response json(int status, Object value) {
            try {
                byte[] b = JSON.writeValueAsBytes(value);
                byte[] nl = new byte[b.length + 1];
                System.arraycopy(b, 0, nl, 0, b.length);
                nl[b.length] = '\n';
                return new Response(status, Map.of("Content-Type", "application/json", "Cache-Control", "no-store"), nl);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        static Response errors(int status, String... errors) {
            return json(status, Map.of("errors", List.of(errors)));
        }

        static Response empty(int status, Map<String, String> headers) {
            return new Response(status, headers, null);
        }

        /** The same response as a HEAD answer: status and headers, no body. */
        Response head() {
            Map<String, String> h = new LinkedHashMap<>(headers);
            if (body == null) h.remove("Content-Type");
            return new Response(status, h, null);
        }
    }

    /** A request on a connection, answered at most once. */
    static final class Exchange {
        final Request request;
        final Channel channel;
        private final boolean keepAlive;
        private boolean answered;

        Exchange(Request request, Channel channel, boolean keepAlive) {
            this.request = request;
            this.channel = channel;
            this.keepAlive = keepAlive;
        }

        synchronized void respond(Response r) {
            if (answered) return;
            answered = true;
            HttpResponseStatus st = HttpResponseStatus.valueOf(r.status());
            int code = st.code();
            boolean head = request.isHead();
            boolean noBody = head || code < 200 || code == 204 || code == 304;
            byte[] body = r.body() == null || noBody ? new byte[0] : r.body();
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, st, Unpooled.wrappedBuffer(body));
            r.headers().forEach((k, v) -> resp.headers().set(k, v));
            resp.headers().set(HttpHeaderNames.DATE, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                    .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)));
            if (!noBody) resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            if (!keepAlive) resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ChannelFuture f = channel.writeAndFlush(resp);
            if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    interface Handler {
        /** Called on the connection's event loop. */
        void handle(Exchange ex);
    }

    interface ConnectionPolicy {
        /** A new connection was accepted (already in the group): may pause its reads or reset it. */
        void accepted(SocketChannel ch);
    }

    static ChannelFuture bind(EventLoopGroup group, String host, int port, SslContext ssl, ChannelGroup channels,
                              ConnectionPolicy policy, Handler handler) {
        return new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()));
                        ch.pipeline().addLast("http", new HttpServerCodec());
                        ch.pipeline().addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST));
                        ch.pipeline().addLast("handler", new RequestHandler(handler));
                        channels.add(ch);
                        policy.accepted(ch);
                    }
                })
                .bind(host, port);
    }

    /** A process crash: no TLS close_notify, no FIN: the peer sees a reset. Safe from any thread. */
    static ChannelFuture reset(Channel ch) {
        ch.eventLoop().execute(() -> {
            try {
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (RuntimeException ignored) {
                // closing anyway
            }
            ch.unsafe().close(ch.unsafe().voidPromise());
        });
        return ch.closeFuture();
    }

    private static final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Handler handler;

        RequestHandler(Handler handler) {
            this.handler = handler;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
            Channel ch = ctx.channel();
            if (!msg.decoderResult().isSuccess()) {
                Request bad = new Request("GET", "/", "/", Map.of(), msg.headers().copy(), new byte[0]);
                new Exchange(bad, ch, false).respond(Response.errors(400, "malformed HTTP request"));
                return;
            }
            QueryStringDecoder q = new QueryStringDecoder(msg.uri(), StandardCharsets.UTF_8);
            Request r = new Request(msg.method().name(), msg.uri(), q.path(), q.parameters(), msg.headers().copy(),
                    ByteBufUtil.getBytes(msg.content()));
            Exchange ex = new Exchange(r, ch, HttpUtil.isKeepAlive(msg));
            Runnable run = () -> {
                // Like Go cancelling a request whose client went away: a request is dropped if the connection closed.
                if (ch.isActive()) handler.handle(ex);
            };
            Long resumed = ch.attr(RESUMED).get();
            if (resumed != null && System.nanoTime() - resumed < RESUME_WINDOW_NANOS) {
                // Read right after a hang ended: give the event loop a moment to see the client's FIN first.
                ctx.executor().schedule(run, 25, TimeUnit.MILLISECONDS);
            } else {
                ctx.executor().execute(run);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
