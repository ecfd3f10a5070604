package dev.beacon.bridge.openbao;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the bridge knows about each OpenBao node, from /v1/sys/health (polled; faster while there is no leader)
 * and from what requests teach it (a 307's Location, a refused connection, a "not active" answer).
 * All state is touched on one Vert.x context.
 */
final class OpenBaoNodes {
    static final Logger LOG = LoggerFactory.getLogger("bridge.openbao");

    enum State { ACTIVE, STANDBY, SEALED, UNINITIALIZED, UNREACHABLE, UNKNOWN }

    static final class Node {
        final URI uri;
        State state = State.UNKNOWN;

        Node(URI uri) {
            this.uri = uri;
        }

        String address() {
            return uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort();
        }

        boolean matches(URI other) {
            return other.getHost() != null && other.getHost().equalsIgnoreCase(uri.getHost()) && other.getPort() == uri.getPort();
        }
    }

    private final Vertx vertx;
    private final HttpClient http;
    private final OpenBaoConfig config;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Promise<Node>> waiting = new ArrayList<>();
    private final Counter leaderChanges;
    private final Timer failoverDetection;
    private Node active;
    private long leaderLostAt;
    private long timer = -1;
    private boolean closed;

    OpenBaoNodes(Vertx vertx, HttpClient http, OpenBaoConfig config, List<URI> addresses, MeterRegistry meters) {
        this.vertx = vertx;
        this.http = http;
        this.config = config;
        for (URI u : addresses) nodes.add(new Node(u));
        this.leaderChanges = Counter.builder("bridge_openbao_leader_changes_total")
                .description("Times the bridge switched to a new active OpenBao node").register(meters);
        this.failoverDetection = Timer.builder("bridge_openbao_failover_detection_seconds")
                .description("From losing the active node to knowing the new one (detection plus election)")
                .publishPercentileHistogram().register(meters);
        for (State s : State.values()) {
            Gauge.builder("bridge_openbao_nodes", this, n -> n.count(s)).tag("state", s.name().toLowerCase(Locale.ROOT))
                    .description("OpenBao nodes by the state the bridge last saw").register(meters);
        }
    }

    void start() {
        vertx.runOnContext(v -> pollAll());
    }

    /** The active node if one is known. */
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
        if (n.state != seen) n.state = seen;
        if (active == n) {
            active = null;
            leaderLostAt = System.nanoTime();
            LOG.warn("openbao leader lost node={} reason=\"{}\"", n.address(), why);
        }
        reschedule(0);
    }

    /** A 307 or a successful answer says {@code n} is active. */
    void learnedActive(Node n) {
        setActive(n, "learned from a response");
    }

    private void setActive(Node n, String how) {
        n.state = State.ACTIVE;
        if (active == n) return;
        Node old = active;
        active = n;
        leaderChanges.increment();
        if (leaderLostAt != 0) {
            long took = System.nanoTime() - leaderLostAt;
            failoverDetection.record(took, TimeUnit.NANOSECONDS);
            LOG.warn("openbao leader changed from={} to={} after_ms={} ({})", old == null ? "none" : old.address(),
                    n.address(), took / 1_000_000, how);
            leaderLostAt = 0;
        } else {
            LOG.info("openbao leader node={} ({})", n.address(), how);
        }
        for (Node o : nodes) if (o != n && o.state == State.ACTIVE) o.state = State.STANDBY;
        List<Promise<Node>> ready = new ArrayList<>(waiting);
        waiting.clear();
        ready.forEach(p -> p.tryComplete(n));
    }

    private void pollAll() {
        if (closed) return;
        timer = -1;
        List<Future<Void>> all = new ArrayList<>();
        for (Node n : nodes) all.add(poll(n));
        Future.join(all).onComplete(x -> reschedule(active == null
                ? config.electionPollInterval.toMillis() : config.healthInterval.toMillis()));
    }

    private void reschedule(long ms) {
        if (closed) return;
        if (timer >= 0) {
            if (ms > 0) return; // a poll is already scheduled
            vertx.cancelTimer(timer);
        }
        timer = vertx.setTimer(Math.max(1, ms), t -> pollAll());
    }

    private Future<Void> poll(Node n) {
        RequestOptions o = new RequestOptions().setAbsoluteURI(n.uri.resolve("/v1/sys/health?standbyok=false")
                        .toString()).setMethod(HttpMethod.GET)
                .setConnectTimeout(Math.min(config.attemptTimeout.toMillis(), 2000))
                .setIdleTimeout(Math.min(config.attemptTimeout.toMillis(), 2000));
        return http.request(o).compose(r -> r.send()).compose(resp -> resp.body().map(b -> resp.statusCode()))
                .map(code -> {
                    State s = switch (code) {
                        case 200 -> State.ACTIVE;
                        case 429 -> State.STANDBY;
                        case 503 -> State.SEALED;
                        case 501 -> State.UNINITIALIZED;
                        default -> State.STANDBY; // Vault's 472/473/474/530: treat as "not active"
                    };
                    if (s == State.ACTIVE) {
                        setActive(n, "health 200");
                    } else {
                        if (active == n) notActive(n, s, "health answered " + code);
                        n.state = s;
                    }
                    return (Void) null;
                })
                .recover(e -> {
                    if (active == n) notActive(n, State.UNREACHABLE, "health check failed: " + e.getMessage());
                    n.state = State.UNREACHABLE;
                    return Future.succeededFuture();
                });
    }

    private double count(State s) {
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
        if (timer >= 0) vertx.cancelTimer(timer);
    }
}
