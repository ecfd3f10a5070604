package dev.beacon.gossip;

import io.atomix.cluster.messaging.impl.NettyMessagingService;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.AttributeKey;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every cluster-port connection a TCP user timeout, so that one a partition stalled is closed within seconds
 * instead of being kept by the kernel for up to 15 minutes.
 *
 * <p>Why: Atomix keeps one pooled connection per peer and subject slot for as long as the socket is open, and a send
 * that is not answered (or a fire-and-forget one, like presence) never closes it. A cut link does not close a socket:
 * the bytes written into it wait for TCP's retransmissions, whose interval doubles from the cut (25 s, 51 s, 102 s
 * ...), so after the link is healed the peer gets this node's presence only at the next retransmission, tens of
 * seconds after SWIM already lists it as reachable again (R1 in docs/reliability.md). With {@code TCP_USER_TIMEOUT}
 * the kernel aborts a connection whose data has gone unacknowledged for {@link #TIMEOUT}; Atomix then sees it
 * inactive and opens a fresh one on the next send, which after the heal gets through at once. A frozen peer does not
 * trip it: its kernel still acknowledges until its receive buffer (1 MiB) is full.
 *
 * <p>Atomix opens the connections in private code, so the client side is found in its private {@code connections}
 * map and swept every anti-entropy round (a new connection gets the option within one round); accepted connections get
 * it from {@link ClusterPortGuard} as they arrive. Like the guard, the sweep fails loudly at start if an Atomix
 * upgrade moved the field. Only the epoll transport has the option; on NIO it says so once and does nothing.
 */
final class StalledConnections {
    private static final Logger LOG = LoggerFactory.getLogger(StalledConnections.class);

    /** Unacknowledged data older than this closes the connection; well over a loaded link's retransmission time. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static final AttributeKey<Boolean> SET = AttributeKey.valueOf("beacon.tcpUserTimeout");
    private static final AtomicBoolean saidNio = new AtomicBoolean();

    private final Map<Channel, ?> connections;

    @SuppressWarnings("unchecked")
    StalledConnections(NettyMessagingService messaging) {
        try {
            Field f = NettyMessagingService.class.getDeclaredField("connections");
            f.setAccessible(true);
            connections = (Map<Channel, ?>) f.get(messaging);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot bound stalled cluster connections: Atomix's NettyMessagingService.connections is not"
                    + " readable (" + e + "); an Atomix upgrade needs StalledConnections adapted", e);
        }
        if (connections == null) throw new IllegalStateException("cannot bound stalled cluster connections: Atomix's connection map is null");
    }

    /** Sets the timeout on every pooled outgoing connection that does not have it yet; cheap, runs every round. */
    void sweep() {
        for (Channel ch : connections.keySet()) apply(ch);
    }

    /** Sets the timeout on one connection (once). */
    static void apply(Channel ch) {
        if (ch == null || !ch.isOpen() || ch.hasAttr(SET)) return;
        ch.attr(SET).set(Boolean.TRUE);
        if (ch instanceof EpollSocketChannel epoll) {
            try {
                epoll.config().setOption(EpollChannelOption.TCP_USER_TIMEOUT, (int) TIMEOUT.toMillis());
            } catch (RuntimeException e) {
                LOG.debug("cluster connection {}: TCP_USER_TIMEOUT not set: {}", ch, e.toString());
            }
        } else if (saidNio.compareAndSet(false, true)) {
            LOG.warn("cluster connections do not use epoll ({}): a connection a partition stalled is kept until TCP gives up,"
                    + " so presence may lag membership for tens of seconds after a heal", ch.getClass().getSimpleName());
        }
    }

    /** Whether the timeout is set on this connection (tests). */
    static int timeoutMillis(Channel ch) {
        return ch instanceof EpollSocketChannel epoll ? epoll.config().getOption(EpollChannelOption.TCP_USER_TIMEOUT) : -1;
    }
}
