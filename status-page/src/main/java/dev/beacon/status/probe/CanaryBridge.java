package dev.beacon.status.probe;

import dev.beacon.config.HostPort;
import dev.beacon.protocol.Attach;
import dev.beacon.protocol.Backoff;
import dev.beacon.protocol.ClientPipeline;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameHandler;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.NodePeer;
import dev.beacon.protocol.Offer;
import dev.beacon.protocol.Ping;
import dev.beacon.protocol.Refusal;
import dev.beacon.protocol.Register;
import dev.beacon.protocol.Registered;
import dev.beacon.protocol.Want;
import dev.beacon.tls.Identity;
import dev.beacon.tls.TlsContexts;
import dev.beacon.tls.TlsMaterial;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page's own bridge of the canary tenant, so the canary crosses the relay exactly as a user's stream does
 * without depending on anybody's upstream: per node a control connection (REGISTER, PING, WANT) and a small pool of
 * data connections (ATTACH). A data connection that gets STREAM terminates inner TLS with the canary's company-CA
 * certificate, lets in only the status page's own inner wrapper identity, and echoes every byte.
 * docs/protocol.md sections 6.2, 6.3 and 7. It follows no MEMBERS: it holds the nodes it is configured with.
 */
public final class CanaryBridge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CanaryBridge.class);
    /** What the canary bridge says it is in REGISTER; the beacon ignores it, a node's operator may read it. */
    static final String AGENT = "status-page-canary";
    /** Idle data connections per node: a canary stream every interval needs one, a retry another. */
    static final int POOL = 2;
    /** More than this per WANT would be a node asking for a flood the canary never needs. */
    static final int MAX_WANTED = 8;
    private static final Duration DIAL_TIMEOUT = Duration.ofSeconds(5);

    private final EventLoopGroup group;
    private final SslContext outer;
    private final SslContext inner;
    private final List<Link> links;
    private final ChannelGroup channels = new DefaultChannelGroup("canary-bridge", GlobalEventExecutor.INSTANCE);
    private volatile boolean running;

    /**
     * @param nodes   the relay address of every node, each held by its own control connection and pool
     * @param outer   the canary bridge's relay certificate (beacon CA)
     * @param inner   its inner TLS server certificate (company CA)
     * @param allowed the one inner wrapper identity let through: the status page's canary wrapper
     */
    public CanaryBridge(List<HostPort> nodes, TlsMaterial outer, TlsMaterial inner, Identity allowed, EventLoopGroup group) {
        this.group = group;
        this.outer = TlsContexts.client(outer, true);
        this.inner = TlsContexts.server(inner, allowed::equals);
        this.links = nodes.stream().map(Link::new).toList();
    }

    public CanaryBridge start() {
        running = true;
        links.forEach(Link::dialControl);
        return this;
    }

    /** Closes every connection; nodes then forget the canary bridge, and the canary reads "no bridge for canary". */
    public void stop() {
        running = false;
        channels.close().awaitUninterruptibly(DIAL_TIMEOUT.toMillis());
    }

    /** Registered on every node, with at least one idle data connection on each. */
    public boolean ready() {
        return running && links.stream().allMatch(l -> l.node != null && l.idle.get() > 0);
    }

    @Override
    public void close() {
        stop();
    }

    /** The canary bridge on one node: its control connection and its pool. */
    private final class Link {
        private final HostPort address;
        private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
        private final AtomicInteger idle = new AtomicInteger();
        private final AtomicLong seq = new AtomicLong();
        /** The node id from REGISTERED while registered; data connections must reach the same node. */
        private volatile String node;

        Link(HostPort address) {
            this.address = address;
        }

        void dialControl() {
            if (running) dial(new Control(), false);
        }

        void dialData(int n) {
            for (int i = 0; i < n && running && node != null; i++) dial(new Data(), true);
        }

        private void dial(FrameHandler handler, boolean data) {
            ClientPipeline p = new ClientPipeline(address, outer).connectTimeout(DIAL_TIMEOUT).handshakeTimeout(DIAL_TIMEOUT)
                    .onChannel(channels::add);
            if (data) p.rawAfter(FrameType.STREAM);
            p.connect(group, handler).addListener(f -> {
                if (!f.isSuccess() && !data) redialLater("cannot connect: " + f.cause().getMessage());
            });
        }

        void redialLater(String why) {
            if (!running) return;
            long ms = backoff.nextMillis();
            LOG.info("canary bridge: control connection to {} lost ({}), redialling in {} ms", address, why, ms);
            group.schedule(this::dialControl, ms, TimeUnit.MILLISECONDS);
        }

        private final class Control extends FrameHandler {
            private ScheduledFuture<?> heartbeat;

            @Override
            protected void handshaken(ChannelHandlerContext ctx) throws Exception {
                NodePeer.check(ctx.channel(), null);
                ctx.writeAndFlush(new Register(Offer.supported(), AGENT, POOL).toFrame());
            }

            @Override
            protected void frameRead(ChannelHandlerContext ctx, Frame f) {
                switch (f.type()) {
                    case REGISTERED -> registered(ctx, Registered.from(f));
                    case WANT -> dialData((int) Math.min(MAX_WANTED, Math.max(1, Want.from(f).count())));
                    case PING -> ctx.writeAndFlush(Ping.from(f).answer().toFrame());
                    case ERROR -> {
                        LOG.warn("canary bridge: {} refused the control connection: {}", address, Refusal.from(f).toException().getMessage());
                        ctx.close();
                    }
                    case DRAIN -> ctx.close(); // the node is going away; the redial finds it again when it is back
                    default -> { } // PONG, MEMBERS: nothing to do
                }
            }

            private void registered(ChannelHandlerContext ctx, Registered r) {
                node = r.node();
                backoff.reset();
                long every = Math.max(100, r.heartbeatMs() / 2); // well inside the node's 3 x heartbeat of silence
                heartbeat = ctx.executor().scheduleAtFixedRate(
                        () -> ctx.writeAndFlush(new Ping(seq.incrementAndGet()).toFrame()), every, every, TimeUnit.MILLISECONDS);
                dialData(POOL);
            }

            @Override
            protected void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (heartbeat != null) heartbeat.cancel(false);
                node = null; // the node forgets the bridge with its last control connection, and closes the pool
                redialLater("closed");
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }

        /** A pooled data connection: silent after ATTACH until STREAM, then an echo behind inner TLS. */
        private final class Data extends FrameHandler {
            private boolean pooled;

            @Override
            protected void handshaken(ChannelHandlerContext ctx) throws Exception {
                String expected = node;
                if (expected == null || !expected.equals(NodePeer.check(ctx.channel(), null).name())) {
                    ctx.close(); // reached another node than the control connection's (a load balancer), or none holds it
                    return;
                }
                ctx.writeAndFlush(new Attach(Offer.supported(), AGENT).toFrame());
                pooled = true;
                idle.incrementAndGet();
            }

            @Override
            protected void frameRead(ChannelHandlerContext ctx, Frame f) {
                if (f.type() == FrameType.STREAM) {
                    echo(ctx.channel());
                } else if (f.type() != FrameType.PING) {
                    ctx.close(); // ERROR (the node refused the ATTACH) or anything unexpected
                }
            }

            /** Inner TLS on exactly the bytes behind STREAM, then the echo; the frame handlers leave. */
            private void echo(Channel ch) {
                leavePool();
                SslHandler tls = inner.newHandler(ch.alloc());
                tls.setHandshakeTimeoutMillis(DIAL_TIMEOUT.toMillis());
                ch.pipeline().addAfter("frames", "inner-tls", tls).addAfter("inner-tls", "echo", new Echo());
                ch.pipeline().remove("encoder");
                ch.pipeline().remove(this);
                ch.pipeline().remove("frames"); // hands on what arrived behind STREAM
                dialData(1);
            }

            private void leavePool() {
                if (pooled) {
                    pooled = false;
                    idle.decrementAndGet();
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                boolean wasPooled = pooled;
                leavePool();
                if (wasPooled && running && node != null && idle.get() < POOL) {
                    group.schedule(() -> dialData(1), 100, TimeUnit.MILLISECONDS); // the node closed an idle one
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }
    }

    /** Sends back what it reads: each buffer read is written back as is, so its ownership passes to the write. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
