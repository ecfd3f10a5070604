package dev.beacon.bridge;

import dev.beacon.config.HostPort;
import dev.beacon.log.Untrusted;
import dev.beacon.protocol.Attach;
import dev.beacon.protocol.Backoff;
import dev.beacon.protocol.ClientPipeline;
import dev.beacon.protocol.Drain;
import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameHandler;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.Members;
import dev.beacon.protocol.NodePeer;
import dev.beacon.protocol.Offer;
import dev.beacon.protocol.Ping;
import dev.beacon.protocol.Protocol;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.protocol.Refusal;
import dev.beacon.protocol.Register;
import dev.beacon.protocol.Registered;
import dev.beacon.protocol.Stream;
import dev.beacon.protocol.Want;
import dev.beacon.splice.Splice;
import dev.beacon.splice.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The bridge's link to one beacon address: a control connection (REGISTER, heartbeats, WANT, DRAIN) that is
 * re-dialled with jittered exponential backoff, and a warm pool of data connections (ATTACH) that each carry
 * one wrapper stream once the beacon sends STREAM.
 */
final class NodeLink {
    private final Bridge bridge;
    private final String address;
    private final HostPort to;
    private final Backoff backoff;
    private final Set<Channel> idle = ConcurrentHashMap.newKeySet();
    private volatile Channel control;
    private volatile boolean registered;
    private volatile boolean stopped;
    private volatile String node = "";
    private volatile int poolTarget;
    private volatile long drainHintMs;
    /** This connection reached a node another link already holds. */
    private volatile boolean surplus;
    /** A surplus link waits here until some node lacks a connection. */
    private volatile boolean parked;
    /** Data connections dialled but not yet attached. */
    private final java.util.concurrent.atomic.AtomicInteger opening = new java.util.concurrent.atomic.AtomicInteger();
    /** The beacon refuses idle data connections beyond its cap (limits.maxIdleDataConnectionsPerBridge, default 64). */
    private static final int MAX_DATA_CONNECTIONS = 64;

    /** Where a link's connections and timers come from: {@link Tls} in the bridge, fakes in unit tests. */
    interface Net {
        /** Dials {@code host:port}, TLS and the frame codec first, {@code handler} last (named "handler"). */
        ChannelFuture connect(String host, int port, ChannelHandler handler);

        void schedule(Runnable task, long delayMs);
    }

    /** The real one: TLS to the beacon on the bridge's event loops. */
    static final class Tls implements Net {
        private final Bridge bridge;

        Tls(Bridge bridge) {
            this.bridge = bridge;
        }

        @Override
        public ChannelFuture connect(String host, int port, ChannelHandler handler) {
            return new ClientPipeline(new HostPort(host, port), bridge.outer.context())
                    .connectTimeout(bridge.config.beacon.connectTimeout)
                    .handshakeTimeout(bridge.config.beacon.connectTimeout)
                    .rawAfter(FrameType.STREAM)
                    .onChannel(bridge.channels::add)
                    .connect(bridge.group, handler);
        }

        @Override
        public void schedule(Runnable task, long delayMs) {
            bridge.group.next().schedule(task, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    NodeLink(Bridge bridge, String address) {
        this.bridge = bridge;
        this.address = address;
        this.to = HostPort.parse(address);
        this.backoff = new Backoff(bridge.config.beacon.reconnectMin, bridge.config.beacon.reconnectMax);
    }

    boolean registered() {
        return registered;
    }

    int idle() {
        return idle.size();
    }

    Map<String, Object> describe() {
        return Map.of("address", address, "node", node, "registered", registered, "idle_data_connections", idle.size(),
                "reconnect_attempts", backoff.attempts(), "parked", parked);
    }

    void start() {
        dialControl();
    }

    /** A parked (surplus) link dials again: some node lost its connection or joined. */
    void wake() {
        if (parked && !stopped) {
            parked = false;
            scheduleReconnect(0);
        }
    }

    boolean parked() {
        return parked;
    }

    String address() {
        return address;
    }

    String node() {
        return node;
    }

    /** The {@code nodes} of a REGISTERED or MEMBERS frame, id to relay address. */
    private static Map<String, String> byId(List<Members.Node> nodes) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Members.Node n : nodes) out.put(n.id(), n.relay());
        return out;
    }

    void stop() {
        stopped = true;
        Channel c = control;
        if (c != null) c.close();
        idle.forEach(Channel::close);
    }

    // ---- control connection ----

    private void dialControl() {
        if (stopped) return;
        connect(new ControlHandler()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                Bridge.LOG.info("beacon unreachable address={} reason=\"{}\"", address, f.cause().getMessage());
                scheduleReconnect(0);
            }
        });
    }

    private void scheduleReconnect(long atLeastMs) {
        if (stopped) return;
        long delay = Math.max(atLeastMs, backoff.nextMillis());
        bridge.net.schedule(this::dialControl, delay);
    }

    private ChannelFuture connect(FrameHandler handler) {
        return bridge.net.connect(to.host(), to.port(), handler);
    }

    final class ControlHandler extends FrameHandler {
        private long seq;
        /** REGISTERED or ERROR came; until then the answer timer may close the connection. */
        private boolean answered;

        @Override
        protected void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
            java.util.Optional<String> expired = dev.beacon.tls.TlsErrors.expired(cause, "beacon " + address)
                    .or(() -> dev.beacon.tls.TlsErrors.ownExpired(bridge.outer.material(), "beacon " + address));
            if (expired.isPresent()) {
                Bridge.LOG.warn("beacon TLS handshake failed address={} reason=\"{}\"", address, expired.get());
            } else {
                Bridge.LOG.warn("beacon TLS handshake failed address={} reason=\"{}\"", address, cause.getMessage());
            }
            ctx.close();
        }

        @Override
        protected void handshaken(ChannelHandlerContext ctx) throws SSLPeerUnverifiedException {
            node = NodePeer.check(ctx.channel(), null).name();
            control = ctx.channel();
            ctx.writeAndFlush(new Register(Offer.supported(), "bridge/" + Protocol.VERSION, bridge.config.beacon.poolSize).toFrame());
            // A node that completed TLS and then froze would hold this link forever: heartbeats start only at REGISTERED
            long answerMs = bridge.config.beacon.connectTimeout.toMillis();
            ctx.executor().schedule(() -> {
                if (!answered && ctx.channel().isActive()) {
                    Bridge.LOG.warn("beacon did not answer REGISTER within {} ms, reconnecting address={} node={}", answerMs, address, node);
                    ctx.close();
                }
            }, answerMs, TimeUnit.MILLISECONDS);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent ie) {
                if (ie.state() == io.netty.handler.timeout.IdleState.WRITER_IDLE) {
                    ctx.writeAndFlush(new Ping(++seq).toFrame());
                } else {
                    Bridge.LOG.warn("beacon silent for 3 heartbeats, reconnecting address={} node={}", address, node);
                    ctx.close();
                }
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        protected void frameRead(ChannelHandlerContext ctx, Frame f) {
            answered = true;
            switch (f.type()) {
                case REGISTERED -> {
                    Registered reg = Registered.from(f);
                    node = reg.node();
                    bridge.learn(byId(reg.nodes()));
                    if (!bridge.claim(NodeLink.this, node)) {
                        // Another link already holds this node (a load-balanced address landed on it again).
                        surplus = true;
                        Bridge.LOG.debug("already connected to node={}, address={} dials again", node, address);
                        ctx.close();
                        return;
                    }
                    registered = true;
                    backoff.reset();
                    int pool = bridge.config.beacon.poolSize > 0 ? bridge.config.beacon.poolSize : reg.pool();
                    poolTarget = Math.max(1, Math.min(pool, 64));
                    long hb = Math.min(bridge.config.beacon.heartbeatInterval.toMillis(), reg.heartbeatMs());
                    ctx.pipeline().addBefore("handler", "heartbeat", new IdleStateHandler(hb * 3, hb, 0, TimeUnit.MILLISECONDS));
                    Bridge.LOG.info("registered with beacon address={} node={} version={} pool={}", address, node,
                            reg.version(), poolTarget);
                    for (int i = 0; i < poolTarget; i++) openData();
                }
                case MEMBERS -> bridge.learn(byId(Members.from(f).nodes()));
                case WANT -> {
                    // Wrappers are waiting; open more, but never hold more than the beacon's idle cap.
                    long n = Math.min(Want.from(f).count(), MAX_DATA_CONNECTIONS - idle.size() - opening.get());
                    for (int i = 0; i < n; i++) openData();
                }
                case DRAIN -> {
                    long in = Drain.from(f).reconnectInMs();
                    Bridge.LOG.info("beacon node draining address={} node={} reconnect_in_ms={}", address, node, in);
                    drainHintMs = in;
                    ctx.close(); // channelInactive releases the node and schedules the reconnect
                }
                case PING -> ctx.writeAndFlush(Ping.from(f).answer().toFrame());
                case PONG -> { }
                case ERROR -> {
                    Refusal refusal = Refusal.from(f);
                    ProtocolException e = refusal.toException();
                    Bridge.LOG.warn("beacon refused registration address={} code={} reason=\"{}\"", address, e.wireCode,
                            refusal.message());
                    // Honour the beacon's hint; a refusal that cannot heal by itself is retried slowly, not hammered.
                    drainHintMs = e.retryable() ? e.retryAfterMs : bridge.config.beacon.reconnectMax.toMillis();
                    ctx.close();
                }
                default -> {
                    Bridge.LOG.warn("unexpected {} on control connection address={}", f.type(), address);
                    ctx.close();
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            boolean was = registered;
            registered = false;
            control = null;
            idle.forEach(Channel::close);
            if (was) {
                bridge.release(NodeLink.this, node);
                Bridge.LOG.info("beacon control connection lost address={} node={}", address, node);
            }
            long hint = drainHintMs;
            drainHintMs = 0;
            if (surplus) {
                surplus = false;
                if (!bridge.missingNodes()) {
                    parked = true; // every node is held; dial again when that changes (wake)
                    return;
                }
                hint = Math.max(hint, 200);
            }
            scheduleReconnect(hint); // a draining node says when to come back (to another node, behind the same address)
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            java.util.Optional<String> expired = dev.beacon.tls.TlsErrors.expired(cause, "beacon " + address)
                    .or(() -> dev.beacon.tls.TlsErrors.ownExpired(bridge.outer.material(), "beacon " + address));
            if (expired.isPresent()) {
                Bridge.LOG.warn("beacon TLS handshake failed address={} reason=\"{}\"", address, expired.get());
                ctx.close();
                return;
            }
            Bridge.LOG.info("beacon control connection error address={} reason=\"{}\"", address,
                    cause instanceof DecoderException && cause.getCause() != null ? cause.getCause().getMessage() : cause.getMessage());
            ctx.close();
        }
    }

    // ---- data connections ----

    private void openData() {
        if (stopped || !registered) return;
        opening.incrementAndGet();
        connect(new DataHandler()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                opening.decrementAndGet();
                Bridge.LOG.info("data connection failed address={} reason=\"{}\"", address, f.cause().getMessage());
            }
        });
    }

    final class DataHandler extends FrameHandler {
        private boolean streaming;
        private boolean counted;

        @Override
        protected void handshaken(ChannelHandlerContext ctx) {
            try {
                NodePeer.check(ctx.channel(), node);
            } catch (SSLPeerUnverifiedException e) {
                Bridge.LOG.debug("data connection: {}, retrying", e.getMessage());
                ctx.close(); // channelInactive replaces it
                return;
            }
            ctx.writeAndFlush(new Attach(Offer.supported(), null).toFrame());
            idle.add(ctx.channel());
            counted = true;
            opening.decrementAndGet();
        }

        @Override
        protected void frameRead(ChannelHandlerContext ctx, Frame f) {
            switch (f.type()) {
                case PING -> { }
                case STREAM -> startStream(ctx, Stream.from(f));
                case ERROR -> {
                    Refusal refusal = Refusal.from(f);
                    if (refusal.toException().code != ErrorCode.DRAINING) {
                        Bridge.LOG.info("beacon refused data connection address={} code={} reason=\"{}\"", address,
                                refusal.code(), refusal.message());
                    }
                    ctx.close();
                }
                default -> ctx.close();
            }
        }

        private void startStream(ChannelHandlerContext ctx, Stream f) {
            streaming = true;
            Channel ch = ctx.channel();
            idle.remove(ch);
            openData(); // keep the pool warm
            String wrapper = f.wrapper();
            SslHandler innerTls = bridge.inner.context().newHandler(ch.alloc());
            innerTls.setHandshakeTimeoutMillis(10_000);
            ch.pipeline().addAfter("frames", "inner-tls", innerTls);
            // the STREAM frame's fields come from the beacon, relaying a wrapper's or another node's: escaped once, for every log line
            ch.pipeline().addAfter("inner-tls", "stream", new StreamStart(Untrusted.escape(f.stream()), Untrusted.escape(wrapper)));
            ch.pipeline().remove("encoder");
            ch.pipeline().remove(this);
            ch.config().setAutoRead(true);
            ch.pipeline().remove("frames"); // bytes already behind STREAM go into the inner TLS
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!counted) {
                counted = true;
                opening.decrementAndGet(); // closed before its handshake finished
            }
            idle.remove(ctx.channel());
            if (!streaming && registered && !stopped && idle.size() < poolTarget) {
                // the beacon closed an idle one (e.g. restart): replace it after a short pause
                bridge.net.schedule(NodeLink.this::openData, 100);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Waits for the inner TLS handshake, connects upstream, then splices. Buffers what arrives meanwhile. */
    private final class StreamStart extends ChannelInboundHandlerAdapter {
        private final String streamId;
        private final String outerWrapper;
        private final ArrayDeque<Object> early = new ArrayDeque<>();

        StreamStart(String streamId, String outerWrapper) {
            this.streamId = streamId;
            this.outerWrapper = outerWrapper;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (!(evt instanceof SslHandshakeCompletionEvent e)) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            if (!e.isSuccess()) {
                bridge.metrics.streamsRefused.increment();
                String reason = e.cause().getMessage();
                for (Throwable c = e.cause(); c != null; c = c.getCause()) {
                    if (c instanceof java.security.cert.CertificateExpiredException && c.getMessage() != null
                            && c.getMessage().startsWith("certificate expired: ")) {
                        reason = c.getMessage(); // names the inner identity, serial and notAfter
                        break;
                    }
                }
                Bridge.LOG.info("stream refused stream={} wrapper={} reason=\"{}\"", streamId, outerWrapper, reason);
                ctx.close();
                return;
            }
            ctx.channel().config().setAutoRead(false);
            Channel in = ctx.channel();
            HostPort up = HostPort.parse(bridge.upstreamAddress());
            Bootstrap b = Transport.configure(new Bootstrap())
                    .group(in.eventLoop())
                    .channel(Transport.socketChannel())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) bridge.config.upstream.connectTimeout.toMillis())
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            bridge.channels.add(ch);
                        }
                    });
            b.connect(up.host(), up.port()).addListener((ChannelFuture cf) -> {
                if (!cf.isSuccess()) {
                    bridge.metrics.streamsUpstreamUnreachable.increment();
                    Bridge.LOG.warn("upstream unreachable stream={} upstream={} reason=\"{}\"", streamId,
                            bridge.upstreamAddress(), cf.cause().getMessage());
                    in.close();
                    return;
                }
                Channel out = cf.channel();
                bridge.metrics.streamsSpliced.increment();
                Splice s = Splice.between(in, out, null, null, (a, bb, cause) ->
                        Bridge.LOG.debug("stream ended stream={} to_upstream={} from_upstream={}", streamId, a, bb));
                s.install(out, s.handlerForB());
                s.install(in, s.handlerForA());
                boolean any = !early.isEmpty();
                while (!early.isEmpty()) ctx.fireChannelRead(early.poll());
                if (any) ctx.fireChannelReadComplete(); // flushes them to the upstream
                ctx.pipeline().remove(this);
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            early.add(msg);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            while (!early.isEmpty()) ReferenceCountUtil.release(early.poll());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            while (!early.isEmpty()) ReferenceCountUtil.release(early.poll());
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Bridge.LOG.debug("stream error stream={} reason=\"{}\"", streamId, cause.getMessage());
            ctx.close();
        }
    }
}
