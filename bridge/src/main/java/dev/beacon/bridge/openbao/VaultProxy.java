package dev.beacon.bridge.openbao;

import dev.beacon.log.Untrusted;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bridge's Vault-API proxy: wrappers' plaintext HTTP (after the inner TLS) arrives here on loopback and is sent
 * to whichever OpenBao node is active. It follows 307s itself (re-sending the body, never https to http), holds
 * requests through an election up to the deadline, retries only what cannot have been applied (a refused
 * connection, a standby or sealed node's refusal, 429, 412) or what is idempotent, and passes everything else
 * through unchanged.
 */
public final class VaultProxy implements AutoCloseable {
    /** Methods that change nothing, so a retry after an unanswered attempt is harmless. LIST is Vault's. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "LIST");
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate", "expect",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length");
    static final int MAX_REDIRECTS = 3;

    private final OpenBaoConfig config;
    private final Vertx vertx;
    private final HttpClient http;
    private final HttpServer server;
    private final OpenBaoNodes nodes;
    private final OpenBaoMetrics metrics;
    /** Request body bytes held now, all calls together: at most openbao.maxBufferedBytes. */
    private final AtomicLong buffered = new AtomicLong();

    public VaultProxy(OpenBaoConfig config, MeterRegistry meters) {
        this.config = config;
        this.metrics = new OpenBaoMetrics(meters, buffered);
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
        List<URI> fixed = new ArrayList<>();
        for (String a : config.addresses) fixed.add(OpenBaoConfig.url("openbao.addresses", a));
        URI dnsName = config.dns.isBlank() ? null : OpenBaoConfig.url("openbao.dns", config.dns);
        java.util.function.Supplier<List<URI>> discover = () -> {
            List<URI> all = new ArrayList<>(fixed);
            if (dnsName != null) all.addAll(resolve(dnsName));
            return all;
        };
        List<URI> addresses = discover.get();
        HttpClientOptions o = new HttpClientOptions().setKeepAlive(true).setConnectTimeout((int) config.attemptTimeout.toMillis())
                .setVerifyHost(true).setMaxRedirects(0)
                // a hung node may accept TCP and never finish TLS: that is one attempt's timeout, not Vert.x's 10 s
                .setSslHandshakeTimeout(config.attemptTimeout.toMillis()).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
        if (addresses.stream().anyMatch(u -> u.getScheme().equals("https"))) {
            o.setSsl(true);
            if (!config.ca.isBlank()) o.setTrustOptions(new PemTrustOptions().addCertPath(config.ca));
        }
        this.http = vertx.createHttpClient(o, new PoolOptions().setHttp1MaxSize(config.poolSize));
        this.nodes = new OpenBaoNodes(vertx, http, config, discover, metrics);
        try {
            // "Expect: 100-continue" is answered by handle(), after the size checks: a body that would be refused is never sent
            this.server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setHandle100ContinueAutomatically(false))
                    .requestHandler(this::handle)
                    // connection-level trouble (a reset, a malformed request the parser answered itself): the wrapper's problem
                    .exceptionHandler(t -> OpenBaoNodes.LOG.debug("openbao proxy connection error: {}", Untrusted.escape(String.valueOf(t))))
                    .listen(0, "127.0.0.1").await();
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("cannot start the OpenBao proxy: " + e.getMessage(), e);
        }
        nodes.start();
        OpenBaoNodes.LOG.info("openbao proxy up nodes={}{} deadline={}", addresses, dnsName == null ? "" : " (dns " + dnsName + ")",
                dev.beacon.config.Durations.format(config.deadline));
    }

    /** Where the bridge sends each wrapper stream's plaintext (loopback). */
    public String address() {
        return "127.0.0.1:" + server.actualPort();
    }

    public boolean hasActive() {
        return nodes.hasActive();
    }

    public List<Map<String, Object>> describe() {
        return nodes.describe();
    }

    private static List<URI> resolve(URI u) {
        List<URI> out = new ArrayList<>();
        try {
            for (InetAddress a : InetAddress.getAllByName(u.getHost())) {
                String host = a.getHostAddress().contains(":") ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
                out.add(URI.create(u.getScheme() + "://" + host + ":" + u.getPort()));
            }
        } catch (java.net.UnknownHostException e) {
            OpenBaoNodes.LOG.warn("openbao dns name does not resolve name={}", u.getHost());
        }
        return out;
    }

    /** One wrapper request: buffered (so it can be re-sent safely), then attempted until it can be answered. */
    private void handle(HttpServerRequest req) {
        long start = System.nanoTime();
        Call c = new Call(req, start, start + config.deadline.toNanos());
        guarded(c, () -> {
            // the body's bytes go back to the budget however the call ends: answered, refused, or its connection closed
            req.response().endHandler(v -> release(c)).closeHandler(v -> release(c));
            String problem = targetProblem(req.uri());
            if (problem != null) {
                refuse(c, 400, problem, "bad_request");
                return;
            }
            long declared;
            try {
                String cl = req.getHeader("Content-Length");
                declared = cl == null ? 0 : Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                refuse(c, 400, "malformed Content-Length", "bad_request");
                return;
            }
            // refused on the headers alone: a body that cannot fit is never read
            if (declared > config.maxBodyBytes) {
                refuse(c, 413, "request body over " + config.maxBodyBytes + " bytes", "too_large");
                return;
            }
            if (declared > 0 && !reserve(c, declared)) {
                busy(c);
                return;
            }
            c.body = Buffer.buffer((int) Math.max(0, declared));
            if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) req.response().writeContinue();
            req.handler(chunk -> guarded(c, () -> received(c, chunk)));
            req.exceptionHandler(t -> guarded(c, () -> refuse(c, 400, "cannot read the request body: " + t.getMessage(), "bad_request")));
            req.endHandler(v -> guarded(c, () -> {
                if (!c.refused) attempt(c, null, 0);
            }));
        });
    }

    /** One piece of the body, counted against the request's limit and the shared budget before it is kept. */
    private void received(Call c, Buffer chunk) {
        if (c.refused || c.body == null) return; // answered already: the connection is closing, the rest is dropped
        long size = (long) c.body.length() + chunk.length();
        if (size > config.maxBodyBytes) {
            refuse(c, 413, "request body over " + config.maxBodyBytes + " bytes", "too_large");
            return;
        }
        if (size > c.reserved && !reserve(c, size - c.reserved)) {
            busy(c);
            return;
        }
        c.body.appendBuffer(chunk);
    }

    /** Takes {@code n} bytes of the budget for request bodies; false, taking nothing, when that would pass it. */
    private boolean reserve(Call c, long n) {
        for (long now = buffered.get(); ; now = buffered.get()) {
            if (now + n > config.maxBufferedBytes) return false;
            if (buffered.compareAndSet(now, now + n)) {
                c.reserved += n;
                return true;
            }
        }
    }

    /** The call is over (answered, refused, or its connection closed): its body and its bytes of the budget go. */
    private void release(Call c) {
        buffered.addAndGet(-c.reserved);
        c.reserved = 0;
        c.body = null;
    }

    private void busy(Call c) {
        c.req.response().putHeader("Retry-After", "1");
        refuse(c, 503, "busy: request bodies held by the bridge are at openbao.maxBufferedBytes (" + config.maxBufferedBytes
                + " bytes), retry shortly", "busy");
    }

    /** The bridge's answer before the whole body was read: the connection is closed after it, so the rest is never read. */
    private void refuse(Call c, int status, String message, String outcome) {
        c.refused = true;
        release(c);
        if (c.req.response().ended() || c.req.response().closed()) return;
        c.req.response().putHeader("Connection", "close");
        fail(c, status, message, outcome).onComplete(v -> c.req.connection().close());
    }

    /** Runs one step of a call: an unexpected exception still answers the wrapper (500), never silence. */
    private void guarded(Call c, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            unexpected(c, e);
        }
    }

    /** A callback guarded like {@link #guarded}. */
    private <T> Handler<AsyncResult<T>> step(Call c, Handler<AsyncResult<T>> h) {
        return ar -> guarded(c, () -> h.handle(ar));
    }

    /** A bug or an input nobody foresaw: logged once per request, and the wrapper gets a 500 (or a cut answer). */
    private void unexpected(Call c, Throwable e) {
        if (c.crashed) return;
        c.crashed = true;
        OpenBaoNodes.LOG.error("openbao proxy failed a request method={} path={}", Untrusted.escape(c.req.method().name()), Untrusted.escape(c.req.uri()), e);
        try {
            var out = c.req.response();
            if (out.headWritten() && !out.ended()) {
                out.reset(); // half an answer went out: cut it, so the wrapper does not wait for the rest
            } else {
                refuse(c, 500, "internal error: " + e, "internal_error");
            }
        } catch (RuntimeException again) {
            c.req.connection().close();
        }
    }

    private static final class Call {
        final HttpServerRequest req;
        /** The request body as read so far; null once the call is over. */
        Buffer body;
        /** Bytes of the shared budget this call holds (its Content-Length, or what arrived of a chunked body). */
        long reserved;
        /** Answered before its body was read: later pieces are dropped, no attempt is made. */
        boolean refused;
        final long start;
        final long deadline;
        /** Waited for a leader or retried at least once: counts in the held-request histogram. */
        boolean held;
        /** OpenBao's last retryable answer: passed through if the deadline ends the retries. */
        int lastStatus;
        String lastBody;
        long retryAfterMs;
        /** An unexpected exception was already answered and logged. */
        boolean crashed;

        Call(HttpServerRequest req, long start, long deadline) {
            this.req = req;
            this.start = start;
            this.deadline = deadline;
        }

        boolean idempotent() {
            return IDEMPOTENT.contains(req.method().name().toUpperCase(Locale.ROOT));
        }

        String path() {
            return req.uri();
        }
    }

    /** Sends the call to {@code target} (or the active node when null), after waiting for one if needed. */
    private void attempt(Call c, OpenBaoNodes.Node target, int redirects) {
        if (c.req.response().closed() || c.body == null) return; // the wrapper left (or was answered): nothing to send
        if (target == null) {
            OpenBaoNodes.Node a = nodes.active();
            if (a == null) {
                c.held = true;
                nodes.awaitActive(c.deadline).onComplete(step(c, r -> {
                    if (r.succeeded()) {
                        attempt(c, r.result(), redirects);
                    } else {
                        fail(c, 503, "no active OpenBao node within " + dev.beacon.config.Durations.format(config.deadline) + " (election or all nodes down)",
                                "no_leader");
                    }
                }));
                return;
            }
            target = a;
        }
        OpenBaoNodes.Node node = target;
        Buffer body = c.body; // this attempt's: the call may be released (its wrapper gone) while it runs
        RequestOptions o = node.request(c.path()).setMethod(HttpMethod.valueOf(c.req.method().name()))
                .setConnectTimeout(config.attemptTimeout.toMillis()).setIdleTimeout(config.attemptTimeout.toMillis());
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        c.req.headers().forEach(e -> {
            if (!HOP_BY_HOP.contains(e.getKey().toLowerCase(Locale.ROOT))) h.add(e.getKey(), e.getValue());
        });
        // Standbys answer 307 instead of forwarding: we follow it ourselves, so we learn the leader.
        h.set("X-Vault-No-Request-Forwarding", "true");
        o.setHeaders(h);
        http.request(o).onComplete(step(c, ar -> {
            if (ar.failed() && ar.cause() instanceof IllegalArgumentException) {
                // the request itself could not be made (a header the client will not send): not the node's fault
                fail(c, 400, "cannot send this request: " + ar.cause().getMessage(), "bad_request");
                return;
            }
            if (ar.failed()) {
                // Nothing was sent: always safe to try again (another node, or this one after an election).
                nodes.notActive(node, OpenBaoNodes.State.UNREACHABLE, "connect failed: " + ar.cause().getMessage());
                retryLater(c, redirects, "unreachable");
                return;
            }
            ar.result().send(body).onComplete(step(c, rr -> {
                if (rr.failed()) {
                    answerless(c, node, redirects, rr.cause());
                    return;
                }
                respond(c, node, rr.result(), redirects);
            }));
        }));
    }

    /** The request was sent (at least partly) but no answer came: reads are retried, writes are not repeated. */
    private void answerless(Call c, OpenBaoNodes.Node node, int redirects, Throwable cause) {
        nodes.notActive(node, OpenBaoNodes.State.UNREACHABLE, "no answer: " + cause.getMessage());
        if (c.idempotent()) {
            retryLater(c, redirects, "no_answer");
        } else {
            OpenBaoNodes.LOG.warn("openbao write not repeated method={} path={} node={} reason=\"{}\"", Untrusted.escape(c.req.method().name()),
                    Untrusted.escape(pathOnly(c)), node.address(), cause.getMessage());
            fail(c, 502, "the request reached OpenBao node " + node.address() + " but no answer came (" + cause.getMessage()
                    + "); it may have been applied, so it was not repeated", "write_unconfirmed");
        }
    }

    private void respond(Call c, OpenBaoNodes.Node node, HttpClientResponse resp, int redirects) {
        int code = resp.statusCode();
        if (code == 307 || code == 308) {
            resp.body();
            Redirect r = redirect(node, resp.getHeader("Location"), redirects, nodes::byUri);
            if (r.to() == null) {
                fail(c, 502, r.message(), r.outcome());
                return;
            }
            OpenBaoNodes.Node next = r.to();
            // A standby may point at a leader that just died (it re-checks every 2.5 s): trust health over that.
            if (next.state != OpenBaoNodes.State.UNREACHABLE && next.state != OpenBaoNodes.State.SEALED) nodes.learnedActive(next);
            attempt(c, next, redirects + 1);
            return;
        }
        if (code == 429 || code == 412 || (code >= 500 && code != 501)) {
            resp.body().onComplete(step(c, b -> {
                String text = b.succeeded() ? b.result().toString() : "";
                boolean notActive = text.contains("Vault is sealed") || text.contains("active cluster node not found")
                        || text.contains("no active Vault instance") || text.contains("local node not active");
                if (notActive) {
                    // A standby or sealed node refused it: nothing was applied, wait for the leader and go again.
                    nodes.notActive(node, text.contains("sealed") ? OpenBaoNodes.State.SEALED : OpenBaoNodes.State.STANDBY,
                            "answered " + code);
                    retryLater(c, redirects, "not_active");
                } else if (code == 429 || code == 412 || c.idempotent()) {
                    c.lastStatus = code;
                    c.lastBody = text;
                    c.retryAfterMs = retryAfterMs(resp.getHeader("Retry-After"));
                    retryLater(c, redirects, "status_" + code);
                } else {
                    passThrough(c, resp, Buffer.buffer(text));
                }
            }));
            return;
        }
        if (code < 300 || code == 304) nodes.learnedActive(node);
        passThrough(c, resp, null);
    }

    /** Where a 307/308 from {@code from} sends a call: a configured node ({@code to}), or the refusal's message and outcome. */
    record Redirect(OpenBaoNodes.Node to, String message, String outcome) {
        static Redirect refused(String message, String outcome) {
            return new Redirect(null, message, outcome);
        }
    }

    /**
     * Follows a {@code Location} only to a configured node, never from https to anything else, at most
     * {@link #MAX_REDIRECTS} times; the next request still goes to that node's configured address, never to what the
     * Location spells.
     */
    static Redirect redirect(OpenBaoNodes.Node from, String location, int redirects,
                             java.util.function.Function<URI, OpenBaoNodes.Node> byUri) {
        URI to;
        try {
            to = location == null ? null : URI.create(from.address()).resolve(location);
        } catch (IllegalArgumentException e) {
            return Redirect.refused("OpenBao redirected with a malformed Location", "bad_redirect");
        }
        if (to == null || to.getHost() == null || redirects >= MAX_REDIRECTS) {
            return Redirect.refused("OpenBao redirected without a usable Location (or too often)", "bad_redirect");
        }
        if (from.uri.getScheme().equals("https") && !"https".equals(to.getScheme())) {
            return Redirect.refused("refusing OpenBao's redirect from https to " + to.getScheme() + " (" + to.getHost() + ")",
                    "insecure_redirect");
        }
        OpenBaoNodes.Node next = byUri.apply(to);
        if (next == null) {
            return Redirect.refused("OpenBao redirected to " + to.getHost() + ":" + to.getPort() + ", which is not a configured node",
                    "unknown_redirect");
        }
        if (from.uri.getScheme().equals("https") && !next.uri.getScheme().equals("https")) {
            // the call goes to the node as configured: "https://" in the Location does not make a plain-http node safe
            return Redirect.refused("refusing OpenBao's redirect from https to " + next.address() + ", a plain-http node",
                    "insecure_redirect");
        }
        return new Redirect(next, null, null);
    }

    /** Jittered backoff, then another attempt at the (possibly new) active node, within the deadline. */
    private void retryLater(Call c, int redirects, String why) {
        c.held = true;
        long left = c.deadline - System.nanoTime();
        if (left <= 0 && c.lastBody != null) {
            record(c, "status_" + (c.lastStatus / 100) + "xx");
            c.req.response().setStatusCode(c.lastStatus).putHeader("Content-Type", "application/json").end(c.lastBody);
            return;
        }
        if (left <= 0) {
            fail(c, 503, "OpenBao did not answer within " + dev.beacon.config.Durations.format(config.deadline) + " (last: " + why + ")", "deadline");
            return;
        }
        long base = Math.min(500, config.electionPollInterval.toMillis());
        long jitter = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        long delay = Math.min(TimeUnit.NANOSECONDS.toMillis(left), Math.max(jitter, c.retryAfterMs));
        c.retryAfterMs = 0;
        vertx.setTimer(Math.max(1, delay), t -> guarded(c, () -> attempt(c, null, redirects)));
    }

    /** Retry-After in seconds (the only form OpenBao sends), at most 30 s; 0 when absent, unreadable or negative. */
    static long retryAfterMs(String v) {
        try {
            long seconds = v == null ? 0 : Long.parseLong(v.trim());
            return seconds <= 0 ? 0 : seconds >= 30 ? 30_000 : seconds * 1000; // a huge value wrapped negative when multiplied first
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void passThrough(Call c, HttpClientResponse resp, Buffer body) {
        var out = c.req.response();
        if (out.closed()) return;
        out.setStatusCode(resp.statusCode()).setStatusMessage(resp.statusMessage());
        resp.headers().forEach(e -> {
            if (!HOP_BY_HOP.contains(e.getKey().toLowerCase(Locale.ROOT))) out.headers().add(e.getKey(), e.getValue());
        });
        record(c, resp.statusCode() < 400 ? "ok" : "status_" + (resp.statusCode() / 100) + "xx");
        if (body != null) {
            out.end(body);
        } else if (c.req.method() == HttpMethod.HEAD) {
            resp.body();
            out.end();
        } else {
            out.setChunked(true);
            resp.pipeTo(out); // streams large bodies with back-pressure
        }
    }

    /** The bridge's own error, in OpenBao's error shape, prefixed so the wrapper can tell who said it. */
    private Future<Void> fail(Call c, int status, String message, String outcome) {
        if (c.req.response().closed() || c.req.response().ended()) return Future.succeededFuture();
        record(c, outcome);
        String json = "{\"errors\":[" + io.vertx.core.json.Json.encode("bridge: " + message) + "]}";
        return c.req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(json);
    }

    private void record(Call c, String outcome) {
        metrics.requestAnswered(outcome, c.held ? System.nanoTime() - c.start : -1);
    }

    /**
     * Why {@code t} is not a request target the proxy may send on, or null: it must be an origin-form path under
     * /v1/ made of RFC 3986 path and query characters, without dot-segments (plain or percent-encoded) or encoded
     * control characters in the path. Anything else (a bare word, an absolute URL, {@code *}, {@code //host}) is refused.
     */
    static String targetProblem(String t) {
        if (t == null || !t.startsWith("/v1/")) return "the request target must be a path under /v1/, got " + Untrusted.quote(t);
        int query = t.indexOf('?');
        int pathEnd = query < 0 ? t.length() : query;
        for (int i = 0; i < t.length(); i++) {
            char ch = t.charAt(i);
            if (ch == '%') {
                int hi = i + 2 < t.length() ? hexDigit(t.charAt(i + 1)) : -1;
                int lo = hi < 0 ? -1 : hexDigit(t.charAt(i + 2));
                if (lo < 0) return "malformed percent-encoding at offset " + i + " of the request target";
                int v = hi * 16 + lo;
                if (i < pathEnd && (v < 0x20 || v == 0x7f)) return "an encoded control character (%" + t.substring(i + 1, i + 3) + ") in the path";
                i += 2;
            } else if (!(ch < 128 && (Character.isLetterOrDigit(ch) || "-._~!$&'()*+,;=:@/".indexOf(ch) >= 0 || (ch == '?' && i >= pathEnd)))) {
                return "character " + Untrusted.escape(String.valueOf(ch)) + " (0x" + Integer.toHexString(ch) + ") at offset " + i
                        + " is not allowed in a request target";
            }
        }
        // an encoded slash counts as one too: a server that decodes before resolving would see ".." there
        String decoded = t.substring(0, pathEnd).replaceAll("%2[eE]", ".").replaceAll("%2[fF]", "/");
        for (String seg : decoded.split("/", -1)) {
            if (seg.equals(".") || seg.equals("..")) return "dot-segments (. or ..) are not allowed in the path";
        }
        return null;
    }

    /** An ASCII hex digit's value, else -1 (Character.digit also takes other scripts' digits: "%\u0661\u0661"). */
    private static int hexDigit(char ch) {
        return ch < 128 ? Character.digit(ch, 16) : -1;
    }

    private static String pathOnly(Call c) {
        String p = c.req.path();
        return p == null ? "" : p;
    }

    /** Closes the proxy's loopback server, its pooled connections and the health poller. */
    @Override
    public void close() {
        nodes.close();
        try {
            // bounded: a hung OpenBao node must not hold the bridge's shutdown
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // shutting down anyway
        }
    }
}
