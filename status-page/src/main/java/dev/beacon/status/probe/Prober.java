package dev.beacon.status.probe;

import dev.beacon.status.Status;

import dev.beacon.splice.Transport;
import dev.beacon.tls.TlsMaterial;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every probe once per interval and turns attempts into confirmed results: an attempt that fails is retried
 * once after {@code retryDelay}, and only a second failure makes the result DOWN (with {@code attempts} 2); a
 * success slower than {@code degradedAbove} is DEGRADED. Each attempt is cut at {@code timeout}, so a node frozen
 * after accepting TCP costs the timeout and no more. Results are stamped (location, component, round start), counted
 * in {@link ProbeMetrics} and handed to the {@link ResultSink}. Nothing here blocks the caller: rounds run on a
 * scheduler thread, attempts on Netty, the HTTP client, or (the canary's blocking wrapper client) a small pool.
 */
public final class Prober implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Prober.class);

    private final String location;
    private final ProbeConfig.Timing timing;
    private final List<Probe> probes;
    private final ResultSink sink;
    private final ProbeMetrics metrics;
    private final CanaryBridge canaryBridge;
    private final List<AutoCloseable> resources;
    private final Clock clock;
    private final ScheduledExecutorService rounds =
            Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("probe-rounds", true));
    /** Components whose previous round has not finished; a round never starts a second run of one. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Status> last = new ConcurrentHashMap<>();

    Prober(String location, ProbeConfig.Timing timing, List<Probe> probes, ResultSink sink, ProbeMetrics metrics,
           CanaryBridge canaryBridge, List<AutoCloseable> resources, Clock clock) {
        this.location = location;
        this.timing = timing;
        this.probes = List.copyOf(probes);
        this.sink = sink;
        this.metrics = metrics;
        this.canaryBridge = canaryBridge;
        this.resources = resources;
        this.clock = clock;
    }

    /**
     * The probes of {@code config}: per node a TLS handshake and a /readyz probe, and, when a canary is configured,
     * the canary bridge (registered on every node) and the end-to-end canary through the public address.
     */
    public static Prober create(ProbeConfig config, ResultSink sink, MeterRegistry meters) {
        return create(config, sink, meters, (node, notAfter) -> { });
    }

    /**
     * As {@link #create(ProbeConfig, ResultSink, MeterRegistry)}, also telling {@code certificates} each node
     * certificate's expiry (by node name) whenever a TLS probe sees one; called on a probe thread, must not block.
     */
    public static Prober create(ProbeConfig config, ResultSink sink, MeterRegistry meters,
                                java.util.function.BiConsumer<String, java.time.Instant> certificates) {
        config.validate();
        ProbeMetrics metrics = new ProbeMetrics(meters, config.location());
        EventLoopGroup group = Transport.group(1, "probe");
        ExecutorService blocking = Executors.newCachedThreadPool(new DefaultThreadFactory("probe-canary", true));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.timing().timeout()).build();
        List<AutoCloseable> resources = List.of(blocking::shutdownNow, () -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        TlsMaterial wrapper = TlsMaterial.load(config.tls().wrapper());
        List<Probe> probes = new ArrayList<>();
        for (ProbeConfig.Node n : config.nodes()) {
            probes.add(new TlsProbe(n.name(), n.relay(), wrapper, group, (node, notAfter) -> {
                metrics.nodeCertificate(node, notAfter);
                certificates.accept(node, notAfter);
            }));
            probes.add(new ReadyzProbe(n.name(), n.admin(), http));
        }
        CanaryBridge bridge = null;
        if (config.canary() != null) {
            TlsMaterial innerWrapper = TlsMaterial.load(config.tls().innerWrapper());
            bridge = new CanaryBridge(config.nodes().stream().map(ProbeConfig.Node::relay).toList(),
                    TlsMaterial.load(config.tls().bridge()), TlsMaterial.load(config.tls().innerBridge()),
                    innerWrapper.identity().orElseThrow(), group);
            probes.add(new CanaryProbe(config.canary().publicAddress(), config.canary().bridge(), wrapper, innerWrapper, blocking));
        }
        return new Prober(config.location(), config.timing(), probes, sink, metrics, bridge, resources, Clock.systemUTC());
    }

    /**
     * Starts the canary bridge and the rounds; returns at once. The first round waits (at most one timeout) for the
     * canary bridge to register, so a fresh start does not report the canary down.
     */
    public Prober start() {
        if (canaryBridge != null) canaryBridge.start();
        long latest = System.nanoTime() + timing.timeout().toNanos();
        rounds.execute(new Runnable() {
            @Override
            public void run() {
                if (canaryBridge == null || canaryBridge.ready() || System.nanoTime() > latest) {
                    rounds.scheduleAtFixedRate(Prober.this::round, 0, timing.interval().toMillis(), TimeUnit.MILLISECONDS);
                } else {
                    rounds.schedule(this, 20, TimeUnit.MILLISECONDS);
                }
            }
        });
        return this;
    }

    /** One round of every probe, now; completes with its results once each is confirmed. */
    public CompletableFuture<List<ProbeResult>> runOnce() {
        List<CompletableFuture<ProbeResult>> all = probes.stream().map(this::confirmed).toList();
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .thenApply(v -> all.stream().map(CompletableFuture::join).toList());
    }

    /** The status page's own canary bridge, when a canary is configured. */
    public Optional<CanaryBridge> canaryBridge() {
        return Optional.ofNullable(canaryBridge);
    }

    private void round() {
        for (Probe p : probes) {
            if (!inFlight.add(p.component())) {
                LOG.warn("probe still running from the previous round, skipped location={} component={}", location, p.component());
                continue;
            }
            confirmed(p).whenComplete((r, e) -> inFlight.remove(p.component()));
        }
    }

    /** An attempt, a retry when it failed, then the result: stamped, counted, handed on. */
    CompletableFuture<ProbeResult> confirmed(Probe p) {
        Instant at = clock.instant();
        return attempt(p, 1)
                .thenCompose(first -> first.ok() ? CompletableFuture.completedFuture(first)
                        : CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(timing.retryDelay().toMillis(),
                                TimeUnit.MILLISECONDS)).thenCompose(v -> attempt(p, 2)))
                .thenApply(a -> publish(p.component(), at, a));
    }

    private record Attempt(boolean ok, long millis, String reason, int number) {
    }

    private CompletableFuture<Attempt> attempt(Probe p, int number) {
        Duration timeout = timing.timeout();
        long start = System.nanoTime();
        CompletableFuture<Void> f;
        try {
            f = p.attempt(timeout);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        // orTimeout completes the probe's own future, so the probe's clean-up on completion runs at the deadline
        return f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((v, e) -> {
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (e != null && number == 1) {
                LOG.debug("probe attempt failed, retrying location={} component={} reason=\"{}\"", location, p.component(),
                        Reason.of(e, timeout));
            }
            return new Attempt(e == null, ms, e == null ? "" : Reason.of(e, timeout), number);
        });
    }

    private ProbeResult publish(String component, Instant at, Attempt a) {
        Status status = !a.ok() ? Status.DOWN : a.millis() > timing.degradedAbove().toMillis() ? Status.DEGRADED : Status.UP;
        String reason = status == Status.DEGRADED
                ? "slower than " + Reason.words(timing.degradedAbove()) + " (" + a.millis() + " ms)"
                : a.reason();
        ProbeResult r = new ProbeResult(location, component, at, status, a.millis(), reason, a.number());
        Status before = last.put(component, status);
        if (status == Status.DOWN && before != Status.DOWN) {
            LOG.warn("probe down location={} component={} attempts={} reason=\"{}\"", location, component, a.number(), reason);
        } else if (status != Status.DOWN && before == Status.DOWN) {
            LOG.info("probe recovered location={} component={} status={}", location, component, status);
        }
        metrics.result(r);
        try {
            sink.accept(r);
        } catch (RuntimeException e) {
            LOG.warn("result sink failed location={} component={}: {}", location, component, e.toString());
        }
        return r;
    }

    @Override
    public void close() {
        rounds.shutdownNow();
        if (canaryBridge != null) canaryBridge.stop();
        for (AutoCloseable c : resources) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing probe resources: {}", e.toString());
            }
        }
    }
}
