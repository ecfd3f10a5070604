package dev.beacon.server;

import dev.beacon.config.HostPort;
import dev.beacon.protocol.ClientPipeline;
import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Forward;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameHandler;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.NodePeer;
import dev.beacon.protocol.Offer;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.protocol.Refusal;
import dev.beacon.tls.ReloadingTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Node-to-node links for one-hop forwarding: a wrapper stream that lands on a node without the bridge is
 * carried over an mTLS connection (node certificates both ways) to a node that has it. The link is the relay
 * port of the other node, opened with FORWARD; it is spliced like any stream, so back-pressure is the same.
 *
 * <p>Links are pre-handshaked (decisions/0012): per peer a small pool of connections whose TLS handshake and
 * identity check are done, each used for one stream, refilled in the background. A pooled link is retired before
 * the far node's first-frame timeout ({@code limits.handshakeTimeout}) would close it, so no protocol change is
 * needed. A pooled link that turns out dead at use is discarded and the same node tried again (another pooled link,
 * then a fresh dial), so a stale pool never fails a stream.
 */
final class Links {
    private final Relay relay;
    private final ReloadingTls tls;
    private final Dialer dialer;
    private final PeerCheck peerCheck;
    private final Settings settings;
    private final LongSupplier clock;
    /** Per peer and per event loop: a stream takes a link on its own loop, so the splice never crosses threads. */
    private final Map<PoolKey, Pool> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Opens a link's connection on {@code loop} with {@code link} at the end of its pipeline, after TLS and the frame codec. */
    interface Dialer {
        ChannelFuture dial(EventLoop loop, String host, int port, ChannelHandler link);
    }

    /** The far node's identity check after the handshake (production: {@link NodePeer#check(Channel, String)}). */
    interface PeerCheck {
        void check(Channel ch, String expectedNode) throws SSLPeerUnverifiedException;
    }

    /**
     * Pool sizing, per peer and event loop that forwarded to it within {@code keepWarmMs}: at least {@code min} idle
     * links, more with the recent forward rate (the forwards of {@code rateShareMs}, i.e. what arrives while
     * replacements handshake), at most {@code max}. Each idle link is retired {@code maxAgeMs} after it was dialled.
     */
    record Settings(int min, int max, long rateShareMs, long maxAgeMs, long keepWarmMs) {
        static final Settings NONE = new Settings(0, 0, 0, 0, 0);

        /** The defaults: 1 per peer and loop, up to 32, retired at half the handshake timeout, warm 5 min after the last forward. */
        static Settings defaults(long handshakeTimeoutMs) {
            return new Settings(1, 32, 100, Math.max(500, handshakeTimeoutMs / 2), TimeUnit.MINUTES.toMillis(5));
        }

        boolean enabled() {
            return max > 0;
        }
    }

    Links(Relay relay, ReloadingTls nodeClientTls) {
        this.relay = relay;
        this.tls = nodeClientTls;
        this.dialer = this::dialTls;
        this.peerCheck = NodePeer::check;
        this.settings = Settings.defaults(relay.config.limits.handshakeTimeout.toMillis());
        this.clock = System::nanoTime;
    }

    /** Seam for unit tests: links without sockets (the test's Dialer answers for the far node). */
    Links(Relay relay, Dialer dialer, PeerCheck peerCheck, Settings settings, LongSupplier clock) {
        this.relay = relay;
        this.tls = null;
        this.dialer = dialer;
        this.peerCheck = peerCheck;
        this.settings = settings;
        this.clock = clock;
    }

    private record PoolKey(ClusterView.NodeRef target, EventLoop loop) {
    }

    /** A stream to forward: who asked, for which bridge. */
    record Request(String trustDomain, String tenant, String bridgeId, int version, String wrapper, String source) {
    }

    /**
     * Tries the holders in random order until one answers CONNECTED (then {@code onLinked} gets the link channel,
     * decoder still in place holding any bytes behind CONNECTED) or all failed ({@code onFail}).
     */
    void forward(Channel inbound, Request r, List<ClusterView.NodeRef> holders, Consumer<Channel> onLinked,
                 Consumer<ProtocolException> onFail) {
        List<ClusterView.NodeRef> order = new ArrayList<>(holders);
        Collections.shuffle(order);
        attempt(inbound, r, order, 0, null, onLinked, onFail);
    }

    private void attempt(Channel inbound, Request r, List<ClusterView.NodeRef> order, int i, ProtocolException last,
                         Consumer<Channel> onLinked, Consumer<ProtocolException> onFail) {
        if (!inbound.isActive()) return;
        if (i >= order.size()) {
            onFail.accept(last != null ? last : new LinkFailure(
                    "no node holding bridge '" + r.bridgeId() + "' of tenant '" + r.tenant() + "' could be reached"));
            return;
        }
        ClusterView.NodeRef target = order.get(i);
        Consumer<ProtocolException> next = e -> inbound.eventLoop().execute(
                () -> attempt(inbound, r, order, i + 1, e, onLinked, onFail));
        Pool pool = pool(target, inbound.eventLoop());
        if (pool != null) pool.forwarded();
        tryPooled(inbound, r, target, pool, onLinked, next);
    }

    /** A pooled link to {@code target} if one is idle, else a fresh dial; a pooled link found dead goes to the next one. */
    private void tryPooled(Channel inbound, Request r, ClusterView.NodeRef target, Pool pool, Consumer<Channel> onLinked,
                           Consumer<ProtocolException> next) {
        if (!inbound.isActive()) return;
        LinkHandler warm = pool == null ? null : pool.take();
        if (warm == null) {
            dialFresh(inbound, r, target, onLinked, next);
            if (pool != null) pool.refill(); // cold: fill it behind this stream
            return;
        }
        if (relay != null) relay.metrics.linkUsed("pool");
        // stale: closed before it answered anything. Not the far node's verdict on the stream: try the same node again
        Consumer<String> stale = why -> inbound.eventLoop().execute(() -> {
            Relay.LOG.debug("pooled link to node {} was stale ({}), trying another", target.id(), why);
            if (relay != null) relay.metrics.linkStale();
            tryPooled(inbound, r, target, pool, onLinked, next);
        });
        warm.use(r, onLinked, next, stale);
    }

    private void dialFresh(Channel inbound, Request r, ClusterView.NodeRef target, Consumer<Channel> onLinked,
                           Consumer<ProtocolException> next) {
        if (relay != null) relay.metrics.linkUsed("dial");
        HostPort to = HostPort.parse(target.relayAddress());
        LinkHandler h = new LinkHandler(target, null);
        h.request(r, onLinked, next, null);
        dialer.dial(inbound.eventLoop(), to.host(), to.port(), h).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                Relay.LOG.info("cluster link failed node={} address={} reason=\"{}\"", target.id(), target.relayAddress(),
                        f.cause().getMessage());
                next.accept(new LinkFailure("node " + target.id() + " holding the bridge is unreachable"));
            }
        });
    }

    /** The pool for {@code target} on {@code loop}, created on its first forward; null when pooling is off or links are closed. */
    private Pool pool(ClusterView.NodeRef target, EventLoop loop) {
        if (!settings.enabled() || closed) return null;
        return pools.computeIfAbsent(new PoolKey(target, loop), k -> new Pool(k.target(), k.loop()));
    }

    /** Membership changed: pools of nodes that left (or moved to another address) are closed. */
    void retain(Collection<ClusterView.NodeRef> members) {
        Set<ClusterView.NodeRef> live = new HashSet<>(members);
        for (Iterator<Map.Entry<PoolKey, Pool>> it = pools.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<PoolKey, Pool> e = it.next();
            if (!live.contains(e.getKey().target())) {
                it.remove();
                e.getValue().close("node " + e.getKey().target().id() + " is no longer a live member");
            }
        }
    }

    /** Draining or stopping: idle links are closed and no more are made. */
    void close() {
        closed = true;
        for (Pool p : pools.values()) p.close("this node is draining");
        pools.clear();
    }

    /** Idle pooled links, all peers (a gauge). */
    int idle() {
        int n = 0;
        for (Pool p : pools.values()) n += p.idleCount();
        return n;
    }

    /** Idle pooled links to one node (tests). */
    int idle(ClusterView.NodeRef target) {
        int n = 0;
        for (Map.Entry<PoolKey, Pool> e : pools.entrySet()) if (e.getKey().target().equals(target)) n += e.getValue().idleCount();
        return n;
    }

    private ChannelFuture dialTls(EventLoop loop, String host, int port, ChannelHandler link) {
        return new ClientPipeline(new HostPort(host, port), tls.context())
                .connectTimeout(relay.config.limits.streamSetupTimeout)
                .handshakeTimeout(relay.config.limits.handshakeTimeout)
                .rawAfter(FrameType.CONNECTED)
                .allocator(relay.allocator)
                .onChannel(relay.all::add)
                .connect(loop, link);
    }

    /**
     * The idle links to one node. Sized from the forwards of the last second; refilled when a link is taken,
     * retired or lost; after a failed dial, refills wait (1 s, doubling to 30 s) so an unreachable node is not hammered.
     */
    private final class Pool {
        private final ClusterView.NodeRef target;
        /** Every link of this pool lives on it, and so do the streams that take them. */
        private final EventLoop loop;
        private final ArrayDeque<LinkHandler> idle = new ArrayDeque<>();
        private int dialing;
        private long lastForward;
        private long bucketStart;
        private int thisBucket;
        private int lastBucket;
        private int failures;
        private long retryAt;
        private boolean retryScheduled;
        private boolean gone;

        Pool(ClusterView.NodeRef target, EventLoop loop) {
            this.target = target;
            this.loop = loop;
            this.lastForward = clock.getAsLong();
            this.bucketStart = lastForward;
        }

        synchronized void forwarded() {
            long now = clock.getAsLong();
            roll(now);
            thisBucket++;
            lastForward = now;
        }

        private void roll(long now) {
            long elapsed = now - bucketStart;
            if (elapsed >= TimeUnit.SECONDS.toNanos(2)) {
                lastBucket = 0;
                thisBucket = 0;
                bucketStart = now;
            } else if (elapsed >= TimeUnit.SECONDS.toNanos(1)) {
                lastBucket = thisBucket;
                thisBucket = 0;
                bucketStart += TimeUnit.SECONDS.toNanos(1);
            }
        }

        /** How many idle links this peer should have now. */
        private int wanted(long now) {
            if (gone || closed || now - lastForward > TimeUnit.MILLISECONDS.toNanos(settings.keepWarmMs())) return 0;
            roll(now);
            long perSecond = Math.max(thisBucket, lastBucket);
            long byRate = (perSecond * settings.rateShareMs() + 999) / 1000;
            return (int) Math.min(settings.max(), Math.max(settings.min(), byRate));
        }

        /** The oldest idle link, or null. */
        synchronized LinkHandler take() {
            return idle.pollFirst();
        }

        synchronized int idleCount() {
            return idle.size();
        }

        /** Dials what is missing. */
        void refill() {
            int n;
            synchronized (this) {
                long now = clock.getAsLong();
                if (now < retryAt) {
                    if (!retryScheduled && !gone) {
                        retryScheduled = true;
                        loop.schedule(() -> {
                            synchronized (this) {
                                retryScheduled = false;
                            }
                            refill();
                        }, retryAt - now, TimeUnit.NANOSECONDS);
                    }
                    return;
                }
                n = wanted(now) - idle.size() - dialing;
                if (n <= 0) return;
                dialing += n;
            }
            HostPort to = HostPort.parse(target.relayAddress());
            for (int k = 0; k < n; k++) {
                LinkHandler h = new LinkHandler(target, this);
                dialer.dial(loop, to.host(), to.port(), h).addListener((ChannelFuture f) -> {
                    if (!f.isSuccess()) dialFailed("connect: " + f.cause().getMessage());
                });
            }
        }

        /** A dialled link is handshaken and checked: idle until taken or retired. False if the pool no longer wants it. */
        boolean park(LinkHandler h) {
            synchronized (this) {
                dialing--;
                failures = 0;
                retryAt = 0;
                if (gone || closed) return false;
                idle.add(h);
            }
            return true;
        }

        /** An idle link closed, was refused, or aged out: drop it and make up for it. */
        void lost(LinkHandler h) {
            boolean was;
            synchronized (this) {
                was = idle.remove(h);
            }
            if (was) refill();
        }

        /** A pool dial failed (connect, TLS, identity): counted, and refills back off. */
        void dialFailed(String why) {
            synchronized (this) {
                dialing--;
                failures++;
                long backoffMs = Math.min(30_000, 1000L << Math.min(5, failures - 1));
                retryAt = clock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
            }
            Relay.LOG.info("cluster link pool: dial failed node={} address={} reason=\"{}\"", target.id(), target.relayAddress(), why);
            refill();
        }

        void close(String why) {
            List<LinkHandler> toClose;
            synchronized (this) {
                gone = true;
                toClose = new ArrayList<>(idle);
                idle.clear();
            }
            if (!toClose.isEmpty()) {
                Relay.LOG.info("cluster link pool: closing {} idle links to node {}: {}", toClose.size(), target.id(), why);
            }
            for (LinkHandler h : toClose) h.retire();
        }
    }

    /**
     * One link. Dialled with a request (a fresh link: FORWARD as soon as the far node is checked) or for a pool
     * (parked once checked; FORWARD when a stream takes it). All state changes happen on the link's own event loop.
     */
    private final class LinkHandler extends FrameHandler {
        private final ClusterView.NodeRef target;
        /** The pool this link was dialled for; null for a fresh link. */
        private final Pool pool;
        private ChannelHandlerContext ctx;
        private Request r;
        private Consumer<Channel> onLinked;
        private Consumer<ProtocolException> next;
        /** Pooled links only: it died before answering, so the stream may try another link to the same node. */
        private Consumer<String> stale;
        private boolean checked;
        private boolean done;

        LinkHandler(ClusterView.NodeRef target, Pool pool) {
            this.target = target;
            this.pool = pool;
        }

        void request(Request r, Consumer<Channel> onLinked, Consumer<ProtocolException> next, Consumer<String> stale) {
            this.r = r;
            this.onLinked = onLinked;
            this.next = next;
            this.stale = stale;
        }

        /** A stream takes this idle link (on the pool's loop, the stream's own). */
        void use(Request req, Consumer<Channel> linked, Consumer<ProtocolException> nxt, Consumer<String> onStale) {
            ctx.channel().eventLoop().execute(() -> {
                request(req, linked, nxt, onStale);
                if (done || !ctx.channel().isActive()) {
                    done = true;
                    ctx.close();
                    onStale.accept("closed while idle");
                    return;
                }
                sendForward();
            });
        }

        /** Closes an idle link (aged out, peer gone, draining). */
        void retire() {
            ctx.channel().eventLoop().execute(() -> {
                if (r == null) {
                    done = true;
                    ctx.close();
                }
            });
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        protected void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, "TLS handshake with node " + target.id() + " failed: " + cause.getMessage());
        }

        @Override
        protected void handshaken(ChannelHandlerContext ctx) {
            try {
                peerCheck.check(ctx.channel(), target.id());
            } catch (SSLPeerUnverifiedException e) {
                fail(ctx, "the peer at " + target.relayAddress() + ": " + e.getMessage());
                return;
            }
            checked = true;
            if (pool == null) {
                sendForward();
                return;
            }
            // The far node closes a connection without a first frame after its limits.handshakeTimeout: retire it well before.
            ctx.executor().schedule(() -> {
                if (r == null && !done) {
                    done = true;
                    ctx.close();
                    pool.lost(this);
                }
            }, settings.maxAgeMs(), TimeUnit.MILLISECONDS);
            if (!pool.park(this)) {
                done = true;
                ctx.close();
            }
        }

        private void sendForward() {
            long waitMs = relay == null ? 6000 : relay.config.limits.streamSetupTimeout.toMillis() + 1000;
            ctx.executor().schedule(() -> fail(ctx, "node " + target.id() + " did not answer FORWARD within " + waitMs + " ms", false),
                    waitMs, TimeUnit.MILLISECONDS);
            ctx.writeAndFlush(new Forward(Offer.supported(), r.trustDomain(), r.tenant(), r.bridgeId(), r.wrapper(), r.source())
                    .toFrame());
        }

        @Override
        protected void frameRead(ChannelHandlerContext ctx, Frame f) {
            if (r == null) {
                // idle: the far node has nothing to say before FORWARD (an old node's first-frame timeout, a drain)
                fail(ctx, "node " + target.id() + " sent " + f.type() + " on an idle link");
            } else if (f.type() == FrameType.CONNECTED && !done) {
                done = true;
                ctx.pipeline().remove(this);
                onLinked.accept(ctx.channel());
                replace(ctx);
            } else if (f.type() == FrameType.ERROR && !done) {
                ProtocolException refusal = Refusal.from(f).toException();
                if (stale != null && refusal.code == ErrorCode.TIMEOUT) {
                    // a pooled link the far node timed out just as FORWARD went: not its verdict on this stream
                    fail(ctx, "node " + target.id() + " timed the idle link out");
                    return;
                }
                done = true;
                ctx.close();
                next.accept(refusal);
                replace(ctx);
            } else {
                fail(ctx, "unexpected " + f.type() + " from node " + target.id(), false);
            }
        }

        /**
         * A pooled link answered its stream: a replacement is dialled now, after the splice's set-up tasks already
         * queued on this loop, so the handshake does not compete with the stream it would have delayed.
         */
        private void replace(ChannelHandlerContext ctx) {
            if (pool != null) pool.loop.execute(pool::refill);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(ctx, "node " + target.id() + " closed the link");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, "link to node " + target.id() + ": " + cause.getMessage());
        }

        private void fail(ChannelHandlerContext ctx, String why) {
            fail(ctx, why, true);
        }

        /** {@code mayBeStale}: the link broke (closed, reset) rather than the far node answering badly or not at all. */
        private void fail(ChannelHandlerContext ctx, String why, boolean mayBeStale) {
            if (done) return;
            done = true;
            ctx.close();
            if (r == null) {
                // dialling or idle for the pool: nobody waits on it
                if (pool != null) {
                    if (checked) {
                        pool.lost(this);
                    } else {
                        pool.dialFailed(why);
                    }
                }
                return;
            }
            replace(ctx);
            if (stale != null && mayBeStale) {
                stale.accept(why);
                return;
            }
            Relay.LOG.info("cluster link refused node={} reason=\"{}\"", target.id(), why);
            next.accept(new LinkFailure(why));
        }
    }

    /**
     * The link to the node holding the bridge failed (dial, TLS, no answer, closed): the beacon's own failure, not the
     * bridge's absence. The wrapper still gets {@code unknown_bridge} (retryable, 200 ms), the metrics say
     * {@code beacon_streams_failed_total{reason="forward_failed"}} so the availability SLI can tell the two apart.
     */
    static final class LinkFailure extends ProtocolException {
        LinkFailure(String why) {
            super(ErrorCode.UNKNOWN_BRIDGE, ErrorCode.UNKNOWN_BRIDGE.wire(), why, 200);
        }
    }
}
