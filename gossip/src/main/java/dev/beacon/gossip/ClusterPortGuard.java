package dev.beacon.gossip;

import io.atomix.cluster.messaging.impl.NettyMessagingService;
import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limits on the cluster port before TLS is through: at most {@code maxPendingPerSource} connections per source IP
 * whose handshake has not finished (more are closed at accept, before any byte is read), and a handshake timeout.
 * Without it, anyone reaching the port holds a connection and its buffers for Netty's default 10 s handshake
 * timeout, as many times as it likes. Installed in front of Atomix's accept handler on its server channel
 * (docs/decisions/0005-cluster-port-limits.md); TLS and everything after it stay Atomix's.
 */
@ChannelHandler.Sharable
final class ClusterPortGuard extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterPortGuard.class);
    static final String NAME = "beacon-cluster-port-guard";
    /** At most one log line per reason per this interval: a flood must not become a log flood. */
    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final int maxPendingPerSource;
    private final long handshakeTimeoutMs;
    private final Counter refusedPending;
    private final Counter timedOut;
    private final Map<String, Integer> pending = new ConcurrentHashMap<>();
    private final RateLimitedLine pendingLine = new RateLimitedLine();
    private final RateLimitedLine timeoutLine = new RateLimitedLine();

    ClusterPortGuard(int maxPendingPerSource, Duration handshakeTimeout, Counter refusedPending, Counter timedOut) {
        this.maxPendingPerSource = maxPendingPerSource;
        this.handshakeTimeoutMs = handshakeTimeout.toMillis();
        this.refusedPending = refusedPending;
        this.timedOut = timedOut;
    }

    /**
     * Puts the guard in front of the accept handler of Atomix's bound server channel. Atomix builds that channel
     * in a private method, so the channel is read from its private field: fails loudly (the node does not start)
     * if an Atomix upgrade moved it, rather than running unguarded.
     */
    void install(NettyMessagingService messaging) {
        Channel server;
        try {
            Field f = NettyMessagingService.class.getDeclaredField("serverChannel");
            f.setAccessible(true);
            server = (Channel) f.get(messaging);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot guard the cluster port: Atomix's NettyMessagingService.serverChannel is not"
                    + " readable (" + e + "); an Atomix upgrade needs ClusterPortGuard adapted", e);
        }
        if (server == null || !server.isOpen()) throw new IllegalStateException("cannot guard the cluster port: it is not bound");
        server.pipeline().addFirst(NAME, this);
    }

    /** In the server channel's pipeline, each read is an accepted, not yet registered child channel. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Channel child)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String source = child.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "?";
        if (!acquire(source)) {
            refusedPending.increment();
            pendingLine.log(() -> LOG.warn("cluster port: closed a connection from {}: {} connections from there are still in their"
                    + " TLS handshake (cluster.maxPendingHandshakesPerSource={}){}", source, maxPendingPerSource, maxPendingPerSource,
                    pendingLine.since()));
            child.unsafe().closeForcibly(); // not registered yet: nothing read, no pipeline ran
            return;
        }
        StalledConnections.apply(child); // a reply path a partition stalled is closed within seconds too
        child.pipeline().addFirst(NAME, new Pending(source));
        ctx.fireChannelRead(child);
    }

    private boolean acquire(String source) {
        boolean[] ok = new boolean[1];
        pending.compute(source, (k, n) -> {
            int now = n == null ? 0 : n;
            ok[0] = now < maxPendingPerSource;
            return ok[0] ? now + 1 : n;
        });
        return ok[0];
    }

    private void release(String source) {
        pending.computeIfPresent(source, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Test hook: sources with unfinished handshakes. */
    int pendingSources() {
        return pending.size();
    }

    /** One accepted connection until its TLS handshake is through (then it removes itself) or it closes. */
    private final class Pending extends ChannelInboundHandlerAdapter {
        private final String source;
        private ScheduledFuture<?> timeout;
        private boolean done;

        Pending(String source) {
            this.source = source;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            timeout = ctx.executor().schedule(() -> {
                if (done) return;
                timedOut.increment();
                timeoutLine.log(() -> LOG.info("cluster port: closed a connection from {} whose TLS handshake did not finish within {} ms"
                        + " (cluster.handshakeTimeout){}", source, handshakeTimeoutMs, timeoutLine.since()));
                ctx.close();
            }, handshakeTimeoutMs, TimeUnit.MILLISECONDS);
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl == null) {
                finish(ctx); // Atomix without TLS: nothing to guard
            } else {
                ssl.handshakeFuture().addListener(f -> {
                    if (f.isSuccess()) finish(ctx);
                });
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(ctx);
            ctx.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            finish(ctx); // also when the channel is torn down without ever becoming active
        }

        /** On the channel's event loop: releases the slot once. */
        private void finish(ChannelHandlerContext ctx) {
            if (done) return;
            done = true;
            if (timeout != null) timeout.cancel(false);
            release(source);
            if (!ctx.isRemoved()) ctx.pipeline().remove(this);
        }
    }

    /** Logs the first event, then at most one line per interval saying how many there were meanwhile. */
    private static final class RateLimitedLine {
        private final AtomicLong lastNanos = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
        private final AtomicLong unlogged = new AtomicLong();
        private volatile long reported;

        void log(Runnable line) {
            long last = lastNanos.get();
            long now = System.nanoTime();
            if (now - last >= LOG_EVERY_NANOS && lastNanos.compareAndSet(last, now)) {
                reported = unlogged.getAndSet(0);
                line.run();
            } else {
                unlogged.incrementAndGet();
            }
        }

        String since() {
            long n = reported;
            return n == 0 ? "" : "; " + n + " more since the last such line";
        }
    }
}
