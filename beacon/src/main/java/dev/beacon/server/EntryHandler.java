package dev.beacon.server;

import dev.beacon.protocol.Connect;
import dev.beacon.protocol.Connected;
import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Forward;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameHandler;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.Ping;
import dev.beacon.protocol.Protocol;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.protocol.Registered;
import dev.beacon.protocol.Stream;
import dev.beacon.splice.Splice;
import dev.beacon.tls.Identity;
import dev.beacon.tls.Role;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A connection's life until it knows what it is: TLS handshake, identity from the certificate, first frame.
 * Then it becomes a wrapper stream (spliced), a bridge control connection, or a pooled bridge data connection.
 */
final class EntryHandler extends FrameHandler {
    private final Relay relay;
    private final String source;
    /** Reads the client's identity once TLS is up: from the SslHandler's session, or a test's stand-in. */
    private final Function<ChannelHandlerContext, Identity> peer;
    private Identity identity;
    private ScheduledFuture<?> firstFrameTimeout;
    private boolean classified;
    /** One ERROR per connection: after a refusal the connection is closing. */
    private boolean refused;

    EntryHandler(Relay relay, String source) {
        this(relay, source, EntryHandler::peerIdentity);
    }

    /** Seam for unit tests: the identity without a TLS handshake (they fire SslHandshakeCompletionEvent.SUCCESS). */
    EntryHandler(Relay relay, String source, Function<ChannelHandlerContext, Identity> peer) {
        this.relay = relay;
        this.source = source;
        this.peer = peer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        armFirstFrameTimeout(ctx);
        ctx.fireChannelActive();
    }

    /** Behind a PROXY header the pipeline is built on an active connection: no channelActive comes then. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) armFirstFrameTimeout(ctx);
    }

    private void armFirstFrameTimeout(ChannelHandlerContext ctx) {
        if (firstFrameTimeout != null) return;
        // The handshake timeout lives in the SslHandler; this one also covers a client that never sends a frame.
        firstFrameTimeout = ctx.executor().schedule(() -> {
            if (identity == null) return;
            relay.refuse(ctx, who(), new ProtocolException(ErrorCode.TIMEOUT,
                    "no first frame within " + relay.config.limits.handshakeTimeout.toMillis() + " ms"));
        }, relay.config.limits.handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (!e.isSuccess()) {
                String reason = Refusals.handshakeReason(e.cause());
                relay.metrics.handshakeFailed(reason);
                if (relay.refusalLog.admit("handshake/" + reason)) {
                    String expired = Refusals.expiredPeer(e.cause());
                    if (expired != null) {
                        Relay.LOG.info("handshake refused: {} source={} reason=certificate_expired", expired, Relay.remote(ctx.channel()));
                    } else {
                        Relay.LOG.info("handshake failed source={} reason={} detail=\"{}\"", Relay.remote(ctx.channel()), reason,
                                Refusals.messages(e.cause()));
                    }
                }
                ctx.close();
                return;
            }
            identity = relay.identities.intern(peer.apply(ctx));
            if (identity == null) {
                relay.metrics.handshakeFailed("no_identity");
                relay.refuse(ctx, "?", new ProtocolException(ErrorCode.FORBIDDEN,
                        "the client certificate carries no valid spiffe:// identity"));
                return;
            }
            relay.metrics.handshakeDone(identity.role().label());
            String td = relay.config.node.trustDomain;
            if (!td.isEmpty() && !td.equals(identity.trustDomain())) {
                classified = refused = true; // no frame on a refused connection is acted on
                relay.refuse(ctx, who(), new ProtocolException(ErrorCode.FORBIDDEN,
                        "identity is not in this beacon's trust domain '" + td + "'"));
                return;
            }
            // Wrappers only: a bridge's pool legitimately opens connections in bursts (bounded by the idle-pool cap).
            if (identity.role() == Role.WRAPPER && !relay.perIdentity.tryAcquire(identity.uri())) {
                classified = refused = true;
                relay.refuse(ctx, who(), Relay.overloaded("connection rate limit for this identity ("
                        + relay.config.limits.connectionsPerSecondPerIdentity + "/s)", 1000));
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    protected void frameRead(ChannelHandlerContext ctx, Frame f) {
        if (classified || identity == null) {
            if (!refused && identity != null) {
                refused = true;
                relay.refuse(ctx, who(), new ProtocolException(ErrorCode.PROTOCOL_ERROR, f.type() + " is not allowed here"));
            }
            return;
        }
        classified = true;
        if (firstFrameTimeout != null) firstFrameTimeout.cancel(false);
        try {
            switch (f.type()) {
                case CONNECT -> connect(ctx, f);
                case REGISTER -> register(ctx, f);
                case ATTACH -> attach(ctx, f);
                case FORWARD -> forwardIn(ctx, f);
                default -> throw new ProtocolException(ErrorCode.PROTOCOL_ERROR,
                        "expected CONNECT, REGISTER, ATTACH or FORWARD as the first frame, got " + f.type());
            }
        } catch (ProtocolException e) {
            if (f.type() == FrameType.CONNECT || f.type() == FrameType.FORWARD) relay.metrics.streamFailed(e.wireCode);
            if (f.type() == FrameType.REGISTER) relay.metrics.registrationRefused(e.wireCode);
            relay.refuse(ctx, who(), e);
        } catch (RuntimeException e) {
            // a bug, not a refusal: counted so the availability SLI sees it; exceptionCaught logs it and closes
            if (f.type() == FrameType.CONNECT || f.type() == FrameType.FORWARD) relay.metrics.streamFailed("internal_error");
            throw e;
        }
    }

    // ---- wrapper, and streams forwarded by another node ----

    private void connect(ChannelHandlerContext ctx, Frame f) {
        if (identity.role() != Role.WRAPPER) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "only a wrapper certificate may CONNECT (this is a "
                    + identity.role().label() + ")");
        }
        int version = Protocol.negotiate(f);
        Connect c = Connect.from(f);
        String tenant = c.tenant();
        if (tenant != null) segment("CONNECT", "tenant", tenant);
        if (tenant != null && !tenant.equals(identity.tenant())) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "tenant '" + identity.tenant()
                    + "' may not reach bridges of tenant '" + tenant + "'");
        }
        String bridgeId = c.bridge();
        segment("CONNECT", "bridge", bridgeId);
        refuseIfDraining();
        String who = identity.uri();
        if (!relay.streamCounts.acquire(who)) {
            throw Relay.overloaded("this identity already has " + relay.config.limits.maxStreamsPerIdentity + " open streams", 1000);
        }
        relay.metrics.connections("wrapper").incrementAndGet();
        Channel wrapper = ctx.channel();
        AtomicBoolean released = new AtomicBoolean();
        wrapper.closeFuture().addListener(x -> {
            if (released.compareAndSet(false, true)) {
                relay.streamCounts.release(who);
                relay.metrics.connections("wrapper").decrementAndGet();
            }
        });
        Links.Request r = new Links.Request(identity.trustDomain(), identity.tenant(), bridgeId, version, who, source);
        Registry.Key key = new Registry.Key(r.trustDomain(), r.tenant(), r.bridgeId());
        if (relay.registry.has(key)) {
            claimLocal(wrapper, r, key);
            return;
        }
        List<ClusterView.NodeRef> holders = relay.cluster.holders(r.trustDomain(), r.tenant(), r.bridgeId());
        if (holders.isEmpty()) {
            throw new ProtocolException(ErrorCode.UNKNOWN_BRIDGE, "no bridge '" + bridgeId
                    + "' is connected for tenant '" + identity.tenant() + "'");
        }
        long started = System.nanoTime();
        relay.links.forward(wrapper, r, holders,
                link -> {
                    relay.metrics.forwarded("out");
                    splice(wrapper, link, r, false, started, true);
                },
                e -> refuseLater(wrapper, e));
    }

    /** A stream another node carries here for a bridge connected to this node. Never forwarded again: one hop. */
    private void forwardIn(ChannelHandlerContext ctx, Frame f) {
        if (identity.role() != Role.NODE) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "only a node certificate may FORWARD (this is a "
                    + identity.role().label() + ")");
        }
        int version = Protocol.negotiate(f);
        Forward fw = Forward.from(f);
        String td = fw.trustDomain();
        String tenant = fw.tenant();
        String bridgeId = fw.bridge();
        String wrapperId = fw.wrapper();
        // a node is trusted to say who the wrapper is, not to say it in any shape: every field is checked like a certificate's
        if (!Identity.isTrustDomain(td)) throw invalid("FORWARD", "trust_domain", td);
        segment("FORWARD", "tenant", tenant);
        segment("FORWARD", "bridge", bridgeId);
        try {
            Identity w = Identity.parse(wrapperId);
            if (w.role() != Role.WRAPPER || !w.trustDomain().equals(td) || !w.tenant().equals(tenant)) {
                throw invalid("FORWARD", "wrapper", wrapperId);
            }
        } catch (IllegalArgumentException e) {
            throw invalid("FORWARD", "wrapper", wrapperId);
        }
        String src = fw.source();
        if (src != null && !SOURCE.matcher(src).matches()) throw invalid("FORWARD", "source", src);
        refuseIfDraining();
        if (relay.cluster.nodes().stream().noneMatch(n -> n.id().equals(identity.name()))) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "node " + identity.name() + " is not a live member of this cluster");
        }
        Registry.Key key = new Registry.Key(td, tenant, bridgeId);
        if (!relay.registry.has(key)) {
            throw new ProtocolException(ErrorCode.UNKNOWN_BRIDGE, "bridge '" + bridgeId + "' of tenant '" + tenant
                    + "' is not connected to node " + relay.nodeId);
        }
        relay.metrics.forwarded("in");
        claimLocal(ctx.channel(), new Links.Request(td, tenant, bridgeId, version, wrapperId,
                (src == null ? "" : src) + " via " + identity.name()), key);
    }

    /** Waits for a data connection of a bridge connected here, then splices. */
    private void claimLocal(Channel inbound, Links.Request r, Registry.Key key) {
        long started = System.nanoTime();
        Registry.Waiter[] self = new Registry.Waiter[1];
        self[0] = new Registry.Waiter(inbound,
                data -> splice(inbound, data, r, true, started, false),
                e -> refuseLater(inbound, e));
        inbound.closeFuture().addListener(x -> relay.registry.cancel(key, self[0]));
        relay.registry.claim(key, self[0]);
    }

    private void refuseLater(Channel ch, ProtocolException e) {
        ch.eventLoop().execute(() -> {
            ChannelHandlerContext ctx = ch.pipeline().context(this);
            if (ctx == null) {
                ch.close();
                return;
            }
            relay.metrics.streamFailed(e instanceof Links.LinkFailure ? "forward_failed" : e.wireCode);
            relay.refuse(ctx, who(), e);
        });
    }

    private void refuseIfDraining() {
        if (relay.draining) {
            throw new ProtocolException(ErrorCode.DRAINING, ErrorCode.DRAINING.wire(), "node " + relay.nodeId + " is draining",
                    relay.config.drain.reconnectHint.toMillis());
        }
    }

    /**
     * Splices {@code inbound} (a wrapper, or a link from another node) with {@code peer} (a bridge data connection,
     * or a link to another node). With {@code streamToPeer}, STREAM goes first on the peer; CONNECTED goes to the inbound side.
     * Runs on any thread; each side is set up on its own event loop.
     */
    private void splice(Channel inbound, Channel peer, Links.Request r, boolean streamToPeer, long started, boolean viaLink) {
        String streamId = Long.toHexString(System.nanoTime()) + Integer.toHexString(inbound.hashCode());
        boolean forwarded = viaLink || identity.role() == Role.NODE;
        // streamToPeer: the peer is the bridge's data connection, watched for an answer (FM-19)
        java.util.concurrent.atomic.AtomicLong fromWrapper = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean bridgeAnswered = new java.util.concurrent.atomic.AtomicBoolean(!streamToPeer);
        Splice splice = Splice.between(inbound, peer,
                n -> {
                    fromWrapper.addAndGet(n);
                    relay.metrics.wrapperToBridgeBytes.increment(n);
                    if (forwarded) relay.metrics.forwardedBytes.increment(n);
                },
                n -> {
                    bridgeAnswered.set(true);
                    relay.metrics.bridgeToWrapperBytes.increment(n);
                    if (forwarded) relay.metrics.forwardedBytes.increment(n);
                },
                (aToB, bToA, cause) -> {
                    relay.activeStreams.decrementAndGet();
                    relay.metrics.streamsClosed.increment();
                    if (cause != null) relay.metrics.streamFailed("broken");
                    Relay.LOG.debug("stream ended id={} bridge={}/{} wrapper_to_bridge={} bridge_to_wrapper={}", streamId,
                            r.tenant(), r.bridgeId(), aToB, bToA);
                });
        relay.activeStreams.incrementAndGet();
        relay.metrics.streamsOpened.increment();
        long idleMs = relay.config.limits.idleTimeout.toMillis();
        splice.idleTimeout(idleMs, () -> Relay.LOG.info("stream idle for {} ms, closing id={} source={}", idleMs, streamId,
                Relay.remote(inbound)));
        // Order matters: the STREAM frame must reach the data connection before any stream byte does.
        peer.eventLoop().execute(() -> {
            PooledData pd = peer.pipeline().get(PooledData.class);
            if (pd != null) pd.claimed = true;
            if (streamToPeer) peer.writeAndFlush(new Stream(streamId, r.version(), r.wrapper(), r.source()).toFrame());
            removeIfPresent(peer, "encoder", "pooled", "ping");
            splice.install(peer, splice.handlerForB());
            removeIfPresent(peer, "frames"); // a link may hold bytes right behind CONNECTED: they go into the splice
            if (streamToPeer) watchAnswer(peer, r, streamId, fromWrapper, bridgeAnswered);
        });
        inbound.eventLoop().execute(() -> {
            inbound.writeAndFlush(new Connected(r.version(), streamId, relay.nodeId).toFrame());
            inbound.pipeline().remove("encoder");
            inbound.pipeline().remove(this);
            splice.install(inbound, splice.handlerForA());
            // Bytes sent right behind CONNECT/FORWARD are in the decoder: removing it hands them to the splice.
            inbound.pipeline().remove("frames");
            relay.metrics.streamSetup.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            Relay.LOG.debug("stream opened id={} wrapper={} bridge={}/{} via_link={}", streamId, r.wrapper(), r.tenant(),
                    r.bridgeId(), viaLink);
        });
    }

    /**
     * FM-19: a bridge answers the wrapper's inner ClientHello at once. If its data connection has sent nothing
     * {@code limits.bridgeAnswerTimeout} after the wrapper's first bytes, the replica behind it is frozen or stalled with
     * its sockets open, which no heartbeat shows for 45 s: close the stream (the wrapper sees its inner handshake cut,
     * nothing sent, and retries) and the bridge's idle pool here, whose connections may be that replica's too.
     */
    private void watchAnswer(Channel data, Links.Request r, String streamId, java.util.concurrent.atomic.AtomicLong fromWrapper,
                             java.util.concurrent.atomic.AtomicBoolean answered) {
        long ms = relay.config.limits.bridgeAnswerTimeout.toMillis();
        data.eventLoop().schedule(() -> {
            if (answered.get() || !data.isActive()) return;
            if (fromWrapper.get() == 0) {
                watchAnswer(data, r, streamId, fromWrapper, answered); // nothing to answer yet: look again later
                return;
            }
            Registry.Key key = new Registry.Key(r.trustDomain(), r.tenant(), r.bridgeId());
            int purged = relay.registry.purgeIdle(key);
            relay.metrics.unansweredStreams.increment();
            Relay.LOG.warn("bridge left a stream unanswered for {} ms, closing it and the bridge's {} idle data connections here "
                    + "(a frozen or stalled replica; live ones reconnect) id={} bridge={}/{} wrapper={}", ms, purged, streamId,
                    r.tenant(), r.bridgeId(), r.wrapper());
            data.close();
        }, ms, TimeUnit.MILLISECONDS);
    }

    // ---- bridge ----

    private void register(ChannelHandlerContext ctx, Frame f) {
        Registry.Key key = bridgeKey("REGISTER");
        int version = Protocol.negotiate(f);
        refuseIfDraining();
        Channel ch = ctx.channel();
        boolean first;
        try {
            first = relay.registry.register(key, ch, version);
        } catch (ProtocolException e) {
            relay.metrics.registrationRefused("control_connections_per_bridge");
            relay.refuse(ctx, who(), e);
            return;
        }
        if (first) relay.cluster.bridgeUp(key.trustDomain(), key.tenant(), key.bridgeId(), System.currentTimeMillis(), version);
        AtomicInteger gauge = relay.metrics.connections("bridge_control");
        gauge.incrementAndGet();
        ch.closeFuture().addListener(x -> {
            gauge.decrementAndGet();
            if (relay.registry.unregister(key, ch)) relay.cluster.bridgeDown(key.trustDomain(), key.tenant(), key.bridgeId());
            Relay.LOG.info("bridge control connection closed bridge={} source={}", identity, source);
        });
        long hb = relay.config.bridges.heartbeatInterval.toMillis();
        ctx.pipeline().addBefore("entry", "idle", new IdleStateHandler(hb * 3, 0, 0, TimeUnit.MILLISECONDS));
        ctx.pipeline().replace(this, "control", new Control(identity));
        ch.writeAndFlush(new Registered(version, relay.nodeId, relay.config.bridges.poolSize, hb, relay.liveNodes()).toFrame());
        Relay.LOG.info("bridge registered bridge={} source={} version={}", identity, source, version);
    }

    private void attach(ChannelHandlerContext ctx, Frame f) {
        Registry.Key key = bridgeKey("ATTACH");
        Protocol.negotiate(f);
        refuseIfDraining();
        Channel ch = ctx.channel();
        AtomicInteger gauge = relay.metrics.connections("bridge_data");
        gauge.incrementAndGet();
        ch.closeFuture().addListener(x -> {
            gauge.decrementAndGet();
            relay.registry.detach(key, ch);
        });
        long hb = relay.config.bridges.heartbeatInterval.toMillis();
        ctx.pipeline().addBefore("entry", "ping", new IdleStateHandler(0, hb, 0, TimeUnit.MILLISECONDS));
        ctx.pipeline().replace(this, "pooled", new PooledData(identity));
        relay.registry.attach(key, ch);
    }

    private Registry.Key bridgeKey(String what) {
        if (identity.role() != Role.BRIDGE) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "only a bridge certificate may " + what + " (this is a "
                    + identity.role().label() + ")");
        }
        return new Registry.Key(identity.trustDomain(), identity.tenant(), identity.name());
    }

    // ---- common ----

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof ProtocolException pe) {
            relay.refuse(ctx, who(), pe);
        } else if (identity == null) {
            ctx.close(); // the handshake event reports and counts it
        } else {
            Relay.LOG.info("connection error peer={} source={} detail=\"{}\"", who(), source, Refusals.messages(c));
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (firstFrameTimeout != null) firstFrameTimeout.cancel(false);
        ctx.fireChannelInactive();
    }

    /** An IP address as the sending node saw it (v4 or v6 literal): all a FORWARD's source may be. */
    private static final java.util.regex.Pattern SOURCE = java.util.regex.Pattern.compile("[0-9A-Fa-f.:]{1,45}");

    /** Identifiers are checked against the identity grammar where they enter, before anything is looked up or logged. */
    private static void segment(String frame, String field, String value) {
        if (!Identity.isSegment(value)) {
            throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, frame + " field \"" + field + "\" is not a valid identifier: "
                    + dev.beacon.log.Untrusted.quote(value) + " (1-63 letters, digits, '.', '_', '-', starting with a letter or digit)");
        }
    }

    private static ProtocolException invalid(String frame, String field, String value) {
        return new ProtocolException(ErrorCode.PROTOCOL_ERROR, frame + " field \"" + field + "\" is not valid: "
                + dev.beacon.log.Untrusted.quote(value));
    }

    private String who() {
        return identity == null ? "?" : identity.uri();
    }

    private static Identity peerIdentity(ChannelHandlerContext ctx) {
        try {
            Certificate[] certs = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
            return certs.length > 0 && certs[0] instanceof X509Certificate x ? Identity.of(x).orElse(null) : null;
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private static void removeIfPresent(Channel ch, String... names) {
        for (String n : names) {
            if (ch.pipeline().get(n) != null) ch.pipeline().remove(n);
        }
    }

    /** The bridge's control connection after REGISTER: heartbeats both ways. */
    final class Control extends FrameHandler {
        private final Identity bridge;

        Control(Identity bridge) {
            this.bridge = bridge;
        }

        @Override
        protected void frameRead(ChannelHandlerContext ctx, Frame f) {
            switch (f.type()) {
                case PING -> ctx.writeAndFlush(Ping.from(f).answer().toFrame());
                case PONG -> { }
                default -> relay.refuse(ctx, bridge.uri(), new ProtocolException(ErrorCode.PROTOCOL_ERROR,
                        f.type() + " is not allowed on a control connection"));
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                Relay.LOG.info("bridge control connection silent for 3 heartbeats, closing bridge={} source={}", bridge, source);
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            EntryHandler.this.exceptionCaught(ctx, cause);
        }
    }

    /** A pooled data connection waiting for a stream: pinged so NATs and load balancers keep it open. */
    final class PooledData extends ChannelInboundHandlerAdapter {
        private final Identity bridge;
        volatile boolean claimed;

        PooledData(Identity bridge) {
            this.bridge = bridge;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            relay.refuse(ctx, bridge.uri(), new ProtocolException(ErrorCode.PROTOCOL_ERROR,
                    "a bridge sends nothing on a data connection before STREAM"));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && !claimed) ctx.writeAndFlush(Ping.EMPTY.toFrame());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            EntryHandler.this.exceptionCaught(ctx, cause);
        }
    }
}
