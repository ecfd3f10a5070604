package dev.beacon.server;

import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.protocol.Want;
import io.netty.channel.Channel;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Which bridges are connected to this node, and each one's warm pool of idle data connections. Wrappers that
 * arrive when the pool is empty wait (bounded by the stream setup timeout) while the bridge is asked for more.
 */
final class Registry {

    /** Trust domain is part of the key: equal tenant names from different domains are different tenants. */
    record Key(String trustDomain, String tenant, String bridgeId) {
        @Override
        public String toString() {
            return tenant + "/" + bridgeId;
        }
    }

    /** A wrapper waiting for a data connection. Exactly one of the callbacks runs, on any thread. */
    static final class Waiter {
        final Channel wrapper;
        final Consumer<Channel> onData;
        final Consumer<ProtocolException> onFail;
        ScheduledFuture<?> timeout;

        Waiter(Channel wrapper, Consumer<Channel> onData, Consumer<ProtocolException> onFail) {
            this.wrapper = wrapper;
            this.onData = onData;
            this.onFail = onFail;
        }
    }

    static final class Bridge {
        final Key key;
        final List<Channel> controls = new ArrayList<>();
        final ArrayDeque<Channel> idle = new ArrayDeque<>();
        final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
        final Instant since = Instant.now();
        int version;

        Bridge(Key key) {
            this.key = key;
        }
    }

    private final Map<Key, Bridge> bridges = new ConcurrentHashMap<>();
    private final int maxIdle;
    private final int maxControls;
    private final long setupTimeoutMs;

    Registry(int maxIdle, int maxControls, long setupTimeoutMs) {
        this.maxIdle = maxIdle;
        this.maxControls = maxControls;
        this.setupTimeoutMs = setupTimeoutMs;
    }

    /**
     * Returns true when this is the bridge's first control connection here (announce it to the cluster).
     * @throws ProtocolException OVERLOADED when the bridge already holds {@code maxControls} here: WANT is spread
     *     over all of them, so unbounded extra registrations of one identity would swallow its streams
     */
    boolean register(Key key, Channel control, int version) {
        while (true) {
            Bridge b = bridges.computeIfAbsent(key, Bridge::new);
            synchronized (b) {
                if (bridges.get(key) != b) continue; // removed meanwhile by the last unregister
                if (b.controls.size() >= maxControls) {
                    throw new ProtocolException(ErrorCode.OVERLOADED, ErrorCode.OVERLOADED.wire(), "bridge " + key + " already has "
                            + maxControls + " control connections to this node (limits.maxControlConnectionsPerBridge)", 1000);
                }
                b.controls.add(control);
                b.version = version;
                return b.controls.size() == 1;
            }
        }
    }

    boolean has(Key key) {
        return bridges.containsKey(key);
    }

    /** Removes a control connection; the last one takes the bridge's idle pool and waiting wrappers with it (returns true). */
    boolean unregister(Key key, Channel control) {
        Bridge b = bridges.get(key);
        if (b == null) return false;
        List<Channel> toClose = new ArrayList<>();
        List<Waiter> toFail = new ArrayList<>();
        synchronized (b) {
            b.controls.remove(control);
            if (!b.controls.isEmpty()) return false;
            bridges.remove(key, b);
            toClose.addAll(b.idle);
            b.idle.clear();
            toFail.addAll(b.waiting);
            b.waiting.clear();
        }
        toClose.forEach(Channel::close);
        for (Waiter w : toFail) fail(w, new ProtocolException(ErrorCode.UNKNOWN_BRIDGE, "bridge " + key + " disconnected"));
        return true;
    }

    /** Offers a data connection: it goes to a waiting wrapper at once, or into the pool. */
    void attach(Key key, Channel data) {
        Bridge b = bridges.get(key);
        if (b == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_BRIDGE,
                    "bridge " + key + " has no control connection to this node; REGISTER before ATTACH");
        }
        Waiter w;
        synchronized (b) {
            w = pollLive(b);
            if (w == null) {
                if (b.idle.size() >= maxIdle) {
                    throw new ProtocolException(ErrorCode.OVERLOADED, ErrorCode.OVERLOADED.wire(),
                            "bridge " + key + " already has " + maxIdle + " idle data connections here", 1000);
                }
                b.idle.addLast(data);
                return;
            }
        }
        if (w.timeout != null) w.timeout.cancel(false);
        w.onData.accept(data);
    }

    void detach(Key key, Channel data) {
        Bridge b = bridges.get(key);
        if (b == null) return;
        synchronized (b) {
            b.idle.remove(data);
        }
    }

    /**
     * Finds a data connection for a wrapper: from the pool now, or later when the bridge attaches one.
     * @throws ProtocolException UNKNOWN_BRIDGE when the bridge is not connected here
     */
    void claim(Key key, Waiter w) {
        Bridge b = bridges.get(key);
        if (b == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_BRIDGE, "no bridge '" + key.bridgeId()
                    + "' is connected for tenant '" + key.tenant() + "'");
        }
        Channel data = null;
        Channel control = null;
        int want;
        synchronized (b) {
            data = takeIdle(b, w.wrapper.eventLoop());
            if (data == null) {
                b.waiting.addLast(w);
                want = b.waiting.size();
                control = b.controls.isEmpty() ? null : b.controls.get(want % b.controls.size());
                w.timeout = w.wrapper.eventLoop().schedule(() -> timeout(b, w), setupTimeoutMs, TimeUnit.MILLISECONDS);
            } else {
                want = 0;
            }
        }
        if (data != null) {
            w.onData.accept(data);
        } else if (control != null) {
            control.writeAndFlush(new Want(1).toFrame());
        }
    }

    /** A waiting wrapper went away. */
    void cancel(Key key, Waiter w) {
        Bridge b = bridges.get(key);
        if (b == null) return;
        synchronized (b) {
            b.waiting.remove(w);
        }
        if (w.timeout != null) w.timeout.cancel(false);
    }

    private void timeout(Bridge b, Waiter w) {
        boolean removed;
        synchronized (b) {
            removed = b.waiting.remove(w);
        }
        if (removed) {
            fail(w, new ProtocolException(ErrorCode.OVERLOADED, ErrorCode.OVERLOADED.wire(),
                    "bridge " + b.key + " offered no data connection within " + setupTimeoutMs + " ms", 1000));
        }
    }

    /**
     * An idle data connection, preferably one served by the wrapper's own event loop: then the splice's two sides
     * hand buffers over on one thread, with no task queued to another loop and no wake-up per chunk
     * (docs/decisions/0004). Dead connections found on the way are dropped.
     */
    private static Channel takeIdle(Bridge b, io.netty.channel.EventLoop loop) {
        Channel any = null;
        for (Iterator<Channel> it = b.idle.iterator(); it.hasNext(); ) {
            Channel c = it.next();
            if (!c.isActive()) {
                it.remove();
            } else if (c.eventLoop() == loop) {
                it.remove();
                return c;
            } else if (any == null) {
                any = c;
            }
        }
        if (any != null) b.idle.remove(any);
        return any;
    }

    private static Waiter pollLive(Bridge b) {
        for (Iterator<Waiter> it = b.waiting.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            it.remove();
            if (w.wrapper.isActive()) return w;
            if (w.timeout != null) w.timeout.cancel(false);
        }
        return null;
    }

    private static void fail(Waiter w, ProtocolException e) {
        if (w.timeout != null) w.timeout.cancel(false);
        w.onFail.accept(e);
    }

    /**
     * Closes the bridge's idle data connections here (FM-19: one of its streams went unanswered). The pool is shared by
     * the bridge's replicas and a connection does not say whose it is, so all go: a live replica replaces each at once
     * (the bridge redials a pooled connection the beacon closed after 100 ms), a frozen one cannot, so its connections
     * stop being handed streams. Returns how many were closed.
     */
    int purgeIdle(Key key) {
        Bridge b = bridges.get(key);
        if (b == null) return 0;
        List<Channel> toClose;
        synchronized (b) {
            toClose = new ArrayList<>(b.idle);
            b.idle.clear();
        }
        toClose.forEach(Channel::close);
        return toClose.size();
    }

    /** All control connections, for DRAIN. */
    List<Channel> controls() {
        List<Channel> out = new ArrayList<>();
        for (Bridge b : bridges.values()) {
            synchronized (b) {
                out.addAll(b.controls);
            }
        }
        return out;
    }

    int registeredCount() {
        return bridges.size();
    }

    int idleCount() {
        int n = 0;
        for (Bridge b : bridges.values()) {
            synchronized (b) {
                n += b.idle.size();
            }
        }
        return n;
    }

    /** Snapshot for the admin endpoint: bridge -> since, version, control connections, idle pool. */
    List<Map<String, Object>> describe() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Bridge b : bridges.values()) {
            synchronized (b) {
                out.add(Map.of("tenant", b.key.tenant(), "bridge", b.key.bridgeId(), "since", b.since.toString(),
                        "version", b.version, "control_connections", b.controls.size(), "idle_data_connections", b.idle.size(),
                        "waiting_wrappers", b.waiting.size()));
            }
        }
        return out;
    }
}
