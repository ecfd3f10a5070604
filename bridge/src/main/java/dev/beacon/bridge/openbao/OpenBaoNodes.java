package dev.beacon.bridge.openbao;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the bridge knows about each OpenBao node, from /v1/sys/health (each node polled on its own timer, so a
 * hung node never slows the others; faster while there is no leader) and from what requests teach it (a 307's
 * Location, a refused connection, a "not active" answer). All state is touched on one Vert.x context.
 */
final class OpenBaoNodes {
    static final Logger LOG = LoggerFactory.getLogger("bridge.openbao");
    /** How often a DNS name (openbao.dns) is resolved again: pods come back with new addresses. */
    private static final long DNS_REFRESH_MS = 10_000;

    enum State { ACTIVE, STANDBY, SEALED, UNINITIALIZED, UNREACHABLE, UNKNOWN }

    static final class Node {
        final URI uri;
        State state = State.UNKNOWN;
        long timer = -1;
        boolean polling;
        boolean removed;

        Node(URI uri) {
            this.uri = uri;
        }

        String address() {
            return uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort();
        }

        /**
         * A request to this node for {@code target} (origin form, already checked): scheme, host and port come from
         * the configuration only, so no part of a wrapper's input can send it (or its token) anywhere else.
         */
        RequestOptions request(String target) {
            String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
            return new RequestOptions().setHost(host).setPort(uri.getPort()).setSsl("https".equals(uri.getScheme())).setURI(target);
        }

        boolean matches(URI other) {
            return other.getHost() != null && other.getHost().equalsIgnoreCase(uri.getHost()) && other.getPort() == uri.getPort();
        }
    }

    private final Vertx vertx;
    private final HttpClient http;
    private final OpenBaoConfig config;
    private final Supplier<List<URI>> discover;
    private final List<Node> nodes = new CopyOnWriteArrayList<>();
    private final List<Promise<Node>> waiting = new ArrayList<>();
    private final OpenBaoMetrics metrics;
    private Node active;
    /** The leader before the current gap, for the log line. */
    private Node previous;
    /** When the previous leader was last seen healthy: failover time counts from there. */
    private long lastConfirmedAt;
    private long dnsTimer = -1;
    private boolean closed;

    OpenBaoNodes(Vertx vertx, HttpClient http, OpenBaoConfig config, Supplier<List<URI>> discover, OpenBaoMetrics metrics) {
        this.vertx = vertx;
        this.http = http;
        this.config = config;
        this.discover = discover;
        this.metrics = metrics;
        metrics.nodesByState(this);
    }

    void start() {
        vertx.runOnContext(v -> refreshNodes());
    }

    /** (Re)reads the node list: static addresses once, a DNS name every 10 s. Runs on the context. */
    private void refreshNodes() {
        if (closed) return;
        List<URI> now = discover.get();
        for (URI u : now) {
            if (nodes.stream().noneMatch(n -> n.uri.equals(u))) {
                Node n = new Node(u);
                nodes.add(n);
                if (dnsTimer >= 0) LOG.info("openbao node discovered node={}", n.address());
                schedule(n, 0);
            }
        }
        if (!config.dns.isBlank()) {
            for (Node n : nodes) {
                if (!now.contains(n.uri) && n != active && config.addresses.stream().noneMatch(a -> URI.create(a).equals(n.uri))) {
                    n.removed = true;
                    nodes.remove(n);
                    LOG.info("openbao node gone from DNS node={}", n.address());
                }
            }
            dnsTimer = vertx.setTimer(DNS_REFRESH_MS, t -> refreshNodes());
        } else {
            dnsTimer = 0;
        }
    }

    Node active() {
        return active;
    }

    /** A node from a URI (e.g. a 307 Location), if it is one of ours. */
    Node byUri(URI u) {
        for (Node n : nodes) if (n.matches(u)) return n;
        return null;
    }

    /** Completes with the active node once one is known, or fails at {@code deadlineNanos}. */
    Future<Node> awaitActive(long deadlineNanos) {
        if (active != null) return Future.succeededFuture(active);
        Promise<Node> p = Promise.promise();
        waiting.add(p);
        long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        vertx.setTimer(ms, t -> {
            if (waiting.remove(p)) p.tryFail("no active OpenBao node within the deadline");
        });
        return p.future();
    }

    /** A request found {@code n} not active (refused, sealed, standby without a leader, hung): forget it as leader, poll now. */
    void notActive(Node n, State seen, String why) {
        n.state = seen;
        if (active == n) {
            previous = n;
            active = null;
            LOG.warn("openbao leader lost node={} reason=\"{}\"", n.address(), why);
            for (Node o : nodes) schedule(o, 0); // find the new one fast
        } else {
            schedule(n, 0);
        }
    }

    /** A successful answer or a trusted 307 says {@code n} is active. */
    void learnedActive(Node n) {
        setActive(n, "learned from a response");
    }

    private void setActive(Node n, String how) {
        n.state = State.ACTIVE;
        if (active == n) {
            lastConfirmedAt = System.nanoTime();
            return;
        }
        Node old = active != null ? active : previous;
        active = n;
        previous = null;
        if (old != null && old != n && lastConfirmedAt != 0) {
            long took = System.nanoTime() - lastConfirmedAt;
            metrics.leaderChanged(took);
            LOG.warn("openbao leader changed from={} to={} after_ms={} ({})", old.address(), n.address(), took / 1_000_000, how);
        } else {
            metrics.leaderChanged(-1);
            LOG.info("openbao leader node={} ({})", n.address(), how);
        }
        lastConfirmedAt = System.nanoTime();
        for (Node o : nodes) if (o != n && o.state == State.ACTIVE) o.state = State.STANDBY;
        List<Promise<Node>> ready = new ArrayList<>(waiting);
        waiting.clear();
        ready.forEach(p -> p.tryComplete(n));
    }

    /** Polls {@code n} after {@code ms}; an earlier request replaces a later one. */
    private void schedule(Node n, long ms) {
        if (closed || n.removed) return;
        if (n.polling) return; // its next poll is scheduled when this one ends
        if (n.timer >= 0) {
            if (ms > 0) return;
            vertx.cancelTimer(n.timer);
        }
        n.timer = vertx.setTimer(Math.max(1, ms), t -> poll(n));
    }

    private void poll(Node n) {
        n.timer = -1;
        if (closed || n.removed) return;
        n.polling = true;
        long timeout = Math.min(config.attemptTimeout.toMillis(), 2000);
        RequestOptions o = n.request("/v1/sys/health?standbyok=false").setMethod(HttpMethod.GET).setConnectTimeout(timeout)
                .setIdleTimeout(timeout);
        http.request(o).compose(r -> r.send()).compose(resp -> resp.body().map(b -> resp.statusCode()))
                .onComplete(ar -> {
                    n.polling = false;
                    if (ar.succeeded()) {
                        int code = ar.result();
                        State s = healthState(code);
                        if (s == State.ACTIVE) {
                            setActive(n, "health 200");
                        } else if (active == n) {
                            notActive(n, s, "health answered " + code);
                        } else {
                            n.state = s;
                        }
                    } else {
                        if (active == n) {
                            notActive(n, State.UNREACHABLE, "health check failed: " + ar.cause().getMessage());
                        } else {
                            if (n.state != State.UNREACHABLE) {
                                LOG.info("openbao node unreachable node={} reason=\"{}\"", n.address(), ar.cause().getMessage());
                            }
                            n.state = State.UNREACHABLE;
                        }
                    }
                    schedule(n, active == null ? config.electionPollInterval.toMillis() : config.healthInterval.toMillis());
                });
    }

    /** What a /v1/sys/health status says of a node: only 200 is the active node; the body is not read. */
    static State healthState(int code) {
        return switch (code) {
            case 200 -> State.ACTIVE;
            case 429 -> State.STANDBY;
            case 503 -> State.SEALED;
            case 501 -> State.UNINITIALIZED;
            default -> State.STANDBY; // Vault's 472/473/474/530: "not active"
        };
    }

    /** Nodes last seen in state {@code s} (the bridge_openbao_nodes gauge). */
    double count(State s) {
        int c = 0;
        for (Node n : nodes) if (n.state == s) c++;
        return c;
    }

    /** For /openbao on the admin port. */
    List<Map<String, Object>> describe() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Node n : nodes) out.add(Map.of("address", n.address(), "state", n.state.name().toLowerCase(Locale.ROOT)));
        return out;
    }

    boolean hasActive() {
        return active != null;
    }

    void close() {
        closed = true;
        for (Node n : nodes) if (n.timer >= 0) vertx.cancelTimer(n.timer);
        if (dnsTimer > 0) vertx.cancelTimer(dnsTimer);
    }
}
