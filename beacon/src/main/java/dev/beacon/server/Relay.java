package dev.beacon.server;

import dev.beacon.protocol.Drain;
import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.Members;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.protocol.Refusal;
import dev.beacon.splice.Transport;
import dev.beacon.tls.ReloadingTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The relay listener: one mTLS port for wrappers and bridges. */
public final class Relay {
    static final Logger LOG = LoggerFactory.getLogger("beacon.relay");

    final BeaconConfig config;
    final String nodeId;
    final ReloadingTls tls;
    final Registry registry;
    final RelayMetrics metrics;
    final RateLimiter perSource;
    final RateLimiter perIdentity;
    final StreamCounts streamCounts;
    /** Bounds the handshakes under way, shedding the heaviest sources first, before any TLS work (decisions/0009). */
    final HandshakeAdmission handshakes;
    /** One log line per refused connection would turn a flood into a log flood. */
    final RefusalLog refusalLog;
    final ChannelGroup all = new DefaultChannelGroup("relay", GlobalEventExecutor.INSTANCE);
    final AtomicInteger activeStreams;
    /** Connections of one identity share one Identity (and its strings): thousands of streams, a few identities. */
    final Identities identities = new Identities(4096);
    volatile boolean draining;
    /** The cluster (or a single node): who else is live, who holds which bridge. Set before open(). */
    volatile ClusterView cluster;
    Links links;
    /**
     * The IP addresses of the other live members' relay addresses. Connections from them skip the per-source rate:
     * they carry forwarded streams (decisions/0012). Handshake admission, TLS and FORWARD's node check still apply.
     */
    private volatile java.util.Set<String> memberSources = java.util.Set.of();
    /** Resolves members' relay host names off the event loops and the gossip thread, one membership change at a time. */
    private final java.util.concurrent.ExecutorService resolver = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "relay-member-resolver");
        t.setDaemon(true);
        return t;
    });

    /** The client a trusted PROXY header named, on connections that had one (relay.proxyProtocol). */
    static final AttributeKey<InetSocketAddress> CLIENT = AttributeKey.valueOf("beacon.client");
    /** Ranges whose PROXY headers are believed; null while relay.proxyProtocol is off, so accept() pays one null check. */
    private final TrustedSources proxySources;

    private final EventLoopGroup group;
    /**
     * Accepts, and closes what the per-source rate and the handshake bound refuse, on a thread of its own: on the
     * relay loops accepting waits behind handshake work, and a flood then fills the kernel's accept queue, in front
     * of every client (decisions/0009).
     */
    private final EventLoopGroup acceptor = Transport.group(1, "relay-accept");
    /** The source a connection was admitted for at accept time (its handshake slot is held under this key). */
    private static final AttributeKey<String> ADMITTED = AttributeKey.valueOf("beacon.admitted");
    /**
     * The relay's own buffer pool, so its memory can be measured apart from anything else in the process: one arena
     * per event loop (each loop allocates from its own arena, no lock shared between loops), 8 KiB pages and 1 MiB
     * chunks (maxOrder 7; Netty's default is 4 MiB). An arena keeps its first chunk for good, so at rest the pool
     * holds a chunk per loop that ever relayed; the relay's buffers (TLS records up to 16 KiB, reads up to 64 KiB) are
     * far below a chunk. Sized here, not by the io.netty.allocator.* properties, which size the process's shared pool
     * (NettyDefaults; decisions/0010).
     */
    final io.netty.buffer.PooledByteBufAllocator allocator;
    private Channel server;

    Relay(BeaconConfig config, String nodeId, ReloadingTls tls, io.micrometer.core.instrument.MeterRegistry meters) {
        this.config = config;
        this.nodeId = nodeId;
        this.tls = tls;
        this.registry = new Registry(config.limits.maxIdleDataConnectionsPerBridge, config.limits.maxControlConnectionsPerBridge,
                config.limits.streamSetupTimeout.toMillis());
        this.metrics = new RelayMetrics(meters, registry);
        this.activeStreams = metrics.activeStreams;
        this.perSource = new RateLimiter(config.limits.connectionsPerSecondPerSource);
        this.perIdentity = new RateLimiter(config.limits.connectionsPerSecondPerIdentity);
        this.streamCounts = new StreamCounts(config.limits.maxStreamsPerIdentity);
        this.handshakes = new HandshakeAdmission(config.limits.maxHandshakesInProgress);
        metrics.handshakesInProgress(handshakes);
        this.refusalLog = new RefusalLog(config.limits.refusalsLoggedPerInterval, config.limits.refusalLogInterval, System::nanoTime,
                LOG::warn, metrics.refusalsNotLogged::increment);
        this.proxySources = config.relay.proxyProtocol.enabled
                ? TrustedSources.parse("relay.proxyProtocol.trustedSources", config.relay.proxyProtocol.trustedSources) : null;
        int threads = config.node.ioThreads > 0 ? config.node.ioThreads : Runtime.getRuntime().availableProcessors();
        this.group = Transport.group(threads, "relay");
        this.allocator = new io.netty.buffer.PooledByteBufAllocator(true, threads, threads, 8192, 7,
                io.netty.buffer.PooledByteBufAllocator.defaultSmallCacheSize(),
                io.netty.buffer.PooledByteBufAllocator.defaultNormalCacheSize(),
                io.netty.buffer.PooledByteBufAllocator.defaultUseCacheForAllThreads());
    }

    InetSocketAddress start() throws InterruptedException {
        ServerBootstrap b = Transport.configure(new ServerBootstrap())
                .option(io.netty.channel.ChannelOption.AUTO_READ, false) // bound, but no accepts until open()
                .group(acceptor, group)
                .channel(Transport.serverChannel())
                .handler(new AcceptGate())
                .childOption(io.netty.channel.ChannelOption.ALLOCATOR, allocator)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accept(ch);
                    }
                });
        server = b.bind(config.relay.host, config.relay.port).sync().channel();
        long tickMs = Math.max(50, Math.min(1000, config.limits.refusalLogInterval.toMillis() / 4));
        group.next().scheduleAtFixedRate(refusalLog::tick, tickMs, tickMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        return (InetSocketAddress) server.localAddress();
    }

    private void accept(SocketChannel ch) {
        if (draining) {
            ch.close();
            return;
        }
        long handshakeMs = config.limits.handshakeTimeout.toMillis();
        if (proxySources == null) {
            serve(ch, null, handshakeMs);
        } else if (proxySources.contains(ch.remoteAddress())) {
            all.add(ch); // a drain or stop closes it while it waits for its header
            ProxyHeader.expect(this, ch);
        } else if (serve(ch, null, handshakeMs)) {
            ch.pipeline().addFirst("proxy-spoof", ProxyHeader.refuseSpoofed(this));
        }
    }

    /**
     * The client is known: the TCP peer ({@code client} null), or the client a trusted load balancer's PROXY header
     * named, which from here on stands for the peer (rate limit, logs, STREAM's source). Rate limit, then TLS and
     * the entry handler; false if the connection was refused.
     */
    boolean serve(Channel ch, InetSocketAddress client, long handshakeTimeoutMs) {
        String source = ch.hasAttr(ADMITTED) ? ch.attr(ADMITTED).get() : null;
        if (source == null) {
            InetSocketAddress peer = client != null ? client : (InetSocketAddress) ch.remoteAddress();
            source = admit(peer.getAddress().getHostAddress());
            if (source == null) {
                ch.close();
                return false;
            }
        }
        String slot = source;
        if (client != null) ch.attr(CLIENT).set(client);
        all.add(ch);
        SslHandler ssl = tls.context().newHandler(ch.alloc());
        ssl.setHandshakeTimeoutMillis(handshakeTimeoutMs);
        // done, failed or timed out, or closed (also before the handler saw the channel): one release either way
        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
        io.netty.util.concurrent.GenericFutureListener<io.netty.util.concurrent.Future<Object>> release = f -> {
            if (held.compareAndSet(true, false)) handshakes.release(slot);
        };
        ssl.handshakeFuture().addListener(release);
        ch.closeFuture().addListener(release);
        ch.pipeline()
                .addLast("tls", ssl)
                .addLast("frames", new FrameCodec.Decoder(config.limits.maxFrameBytes, EnumSet.of(FrameType.CONNECT, FrameType.FORWARD)))
                .addLast("encoder", new FrameCodec.Encoder())
                .addLast("entry", new EntryHandler(this, source));
        return true;
    }

    /**
     * The per-source rate, then the handshake bound: the source, holding a handshake slot, or null when refused
     * (counted and, unless refusals flood, logged). Cheap: nothing of TLS exists yet.
     */
    private String admit(String source) {
        if (!memberSources.contains(source) && !perSource.tryAcquire(source)) {
            metrics.handshakeFailed("rate_limited");
            if (refusalLog.admit("rate_limited")) {
                LOG.warn("refused source={} reason=rate_limited limit={}/s", source, config.limits.connectionsPerSecondPerSource);
            }
            return null;
        }
        HandshakeAdmission.Verdict verdict = handshakes.admit(source);
        if (verdict == HandshakeAdmission.Verdict.ADMIT) return source;
        String reason = verdict == HandshakeAdmission.Verdict.AT_LIMIT ? "handshakes_in_progress" : "handshakes_source_share";
        metrics.handshakeFailed(reason);
        if (refusalLog.admit(reason)) {
            LOG.warn("refused source={} reason={} in_progress={} limit={}", source, reason, handshakes.inProgress(),
                    config.limits.maxHandshakesInProgress);
        }
        return null;
    }

    /**
     * On the acceptor thread, in front of Netty's acceptor: a connection refused by {@link #admit} (or accepted while
     * draining) is closed before it is registered with a relay loop. Connections from trusted load balancers pass:
     * their client, and so their source, is known only from the PROXY header ({@link ProxyHeader}, then {@link #serve}).
     */
    private final class AcceptGate extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            if (draining) {
                child.unsafe().closeForcibly();
                return;
            }
            if (proxySources == null || !proxySources.contains((InetSocketAddress) child.remoteAddress())) {
                String source = admit(((InetSocketAddress) child.remoteAddress()).getAddress().getHostAddress());
                if (source == null) {
                    child.unsafe().closeForcibly();
                    return;
                }
                child.attr(ADMITTED).set(source);
            }
            ctx.fireChannelRead(child);
        }
    }

    /** Starts accepting connections (after the cluster view is in place). */
    void open() {
        server.config().setAutoRead(true);
    }

    /** The live nodes, as REGISTERED and MEMBERS tell bridges about them. */
    List<Members.Node> liveNodes() {
        return cluster.nodes().stream().map(n -> new Members.Node(n.id(), n.relayAddress())).toList();
    }

    /** Membership changed: bridges are told, pools of links to departed nodes closed, the members' addresses noted. */
    void membersChanged() {
        announceMembers();
        List<ClusterView.NodeRef> nodes = cluster.nodes();
        if (links != null) links.retain(nodes);
        try {
            resolver.execute(() -> resolveMemberSources(nodes));
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // stopping
        }
    }

    private void resolveMemberSources(List<ClusterView.NodeRef> nodes) {
        java.util.Set<String> ips = new java.util.HashSet<>();
        for (ClusterView.NodeRef n : nodes) {
            if (n.id().equals(nodeId)) continue;
            try {
                String host = dev.beacon.config.HostPort.parse(n.relayAddress()).host();
                for (java.net.InetAddress a : java.net.InetAddress.getAllByName(host)) ips.add(a.getHostAddress());
            } catch (RuntimeException | java.net.UnknownHostException e) {
                LOG.info("member relay address not resolved node={} address={} reason=\"{}\"", n.id(), n.relayAddress(), e.getMessage());
            }
        }
        memberSources = java.util.Set.copyOf(ips);
    }

    /** Sources exempt from the per-source rate now (tests). */
    java.util.Set<String> memberSources() {
        return memberSources;
    }

    /** Tells every connected bridge the new membership, so it can hold a connection to each node. */
    void announceMembers() {
        if (draining) return;
        for (Channel c : registry.controls()) c.writeAndFlush(new Members(liveNodes()).toFrame());
    }

    /** Bytes written to relay connections but not yet accepted by the kernel: what slow readers cost us. */
    long bufferedBytes() {
        long n = 0;
        for (Channel c : all) {
            io.netty.channel.ChannelOutboundBuffer b = c.unsafe().outboundBuffer();
            if (b != null) n += b.totalPendingWriteBytes();
        }
        return n;
    }

    /** Sends an ERROR frame and closes; counted by code; one log line unless refusals of this code flood (RefusalLog). */
    void refuse(ChannelHandlerContext ctx, String who, ProtocolException e) {
        metrics.errorSent(e.wireCode);
        if (refusalLog.admit(e.wireCode)) {
            LOG.info("refused peer={} source={} code={} reason=\"{}\"", who, remote(ctx.channel()), e.wireCode, Refusal.of(e).message());
        }
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(Refusal.of(e).toFrame()).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The client as logs name it: the TCP peer, or the client a trusted PROXY header named. */
    static String remote(Channel ch) {
        InetSocketAddress client = ch.hasAttr(CLIENT) ? ch.attr(CLIENT).get() : null;
        Object a = client != null ? client : ch.remoteAddress();
        return a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() + ":" + i.getPort() : "?";
    }

    /** Stops taking new connections and streams, and tells bridges to go elsewhere. */
    void beginDrain() {
        draining = true;
        if (links != null) links.close(); // no stream is forwarded from here any more
        cluster.withdrawAll(); // others stop routing streams here at once
        if (server != null) server.close().syncUninterruptibly();
        long hint = config.drain.reconnectHint.toMillis();
        Frame drain = new Drain(hint, config.drain.gracePeriod.toMillis()).toFrame();
        for (Channel c : registry.controls()) c.writeAndFlush(drain);
    }

    void stop() {
        if (links != null) links.close();
        resolver.shutdownNow();
        if (server != null) server.close().syncUninterruptibly();
        all.close().awaitUninterruptibly();
        acceptor.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }

    static ProtocolException overloaded(String msg, long retryMs) {
        return new ProtocolException(ErrorCode.OVERLOADED, ErrorCode.OVERLOADED.wire(), msg, retryMs);
    }
}
