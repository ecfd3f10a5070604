package dev.beacon.status.service;

import dev.beacon.status.probe.ProbeConfig;
import dev.beacon.status.probe.ProbeResult;
import dev.beacon.status.probe.Prober;
import dev.beacon.status.store.CertificateSeen;
import dev.beacon.status.store.ResultBuffer;
import dev.beacon.status.store.Store;
import dev.beacon.status.store.StoredResult;
import dev.beacon.status.view.StatusView;
import dev.beacon.status.web.PublicRoutes;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page as one process: the store, the prober writing through a {@link ResultBuffer} (a probe never waits
 * for the database), a refresher that rebuilds the {@link StatusView} on its own thread every refreshInterval and feeds
 * the incident detectors, the hourly purge, the public listener and the admin listener (metrics and the admin API).
 *
 * <p>A render only reads the last good view. When a refresh fails (the database is away) the last good view goes on
 * being served, marked stale: a prober that falls behind, or a database that stops answering, never blocks the page.
 */
public final class StatusPageService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusPageService.class);

    private final StatusPageConfig config;
    private final PrometheusMeterRegistry meters;
    private final Clock clock;
    private final List<AutoCloseable> resources = new ArrayList<>();
    /** Node certificates seen by the TLS probes and not yet written, by component. */
    private final Map<String, CertificateSeen> seenCertificates = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "status-refresh");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private volatile StatusView view;
    private volatile String failing;
    private Store store;
    private ResultBuffer buffer;
    private Prober prober;
    private ViewBuilder builder;
    private IncidentAutomation automation;
    private Vertx vertx;
    private HttpServer publicServer;
    private HttpServer adminServer;

    public StatusPageService(StatusPageConfig config, PrometheusMeterRegistry meters, Clock clock) {
        this.config = config;
        this.meters = meters;
        this.clock = clock;
    }

    /** Opens the store (migrating it), starts probing and serving as configured; fails naming what failed. */
    public StatusPageService start() throws Exception {
        try {
            if (config.database.jdbcUrl.isBlank()) Files.createDirectories(Path.of(config.dataDir));
            store = Store.open(config.jdbcUrl(), config.database.user, config.database.password, config.storeRetention());
            resources.add(0, store);
            LOG.info("status store open url={}", config.jdbcUrl().replaceAll("password=[^&;]*", "password=***"));
            List<String> components = new ArrayList<>();
            if (config.probe) startProbing(components);
            else components.addAll(configuredComponents());
            vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2).setInternalBlockingPoolSize(1));
            resources.add(0, () -> vertx.close().await());
            adminServer = listen(adminRouter(), config.admin.host, config.admin.port, "admin");
            if (config.page) {
                builder = new ViewBuilder(config.title, config.zone(), components,
                        config.probes.interval.multipliedBy(2).plus(Duration.ofMinutes(1)));
                automation = new IncidentAutomation(config.incidents.openAfter, config.incidents.resolveAfter);
                Gauge.builder("status.page.view.age", this, s -> s.view == null ? Double.NaN
                                : Duration.between(s.view.generatedAt(), s.clock.instant()).toMillis() / 1000.0)
                        .baseUnit("seconds").description("Age of the view the page serves; grows while the database is away")
                        .register(meters);
                long every = config.refreshInterval.toMillis();
                refresher.scheduleWithFixedDelay(this::refresh, 0, every, TimeUnit.MILLISECONDS);
                long purge = config.retention.purgeInterval.toMillis();
                refresher.scheduleWithFixedDelay(this::purge, purge, purge, TimeUnit.MILLISECONDS);
                resources.add(0, refresher::shutdownNow);
                publicServer = listen(publicRouter(), config.listen.host, config.listen.port, "public");
            }
            return this;
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private void startProbing(List<String> components) {
        ProbeConfig probes = config.probeConfig();
        buffer = new ResultBuffer(store, ResultBuffer.Options.DEFAULT);
        resources.add(0, buffer);
        Gauge.builder("status.store.pending", buffer, ResultBuffer::pending)
                .description("Probe results waiting for the database; grows while it is away").register(meters);
        Gauge.builder("status.store.dropped", buffer, ResultBuffer::dropped)
                .description("Probe results dropped because the buffer was full (the database away too long)").register(meters);
        prober = Prober.create(probes, this::record, meters, (node, notAfter) ->
                seenCertificates.put("node/" + node + "/tls", new CertificateSeen("node/" + node + "/tls", probes.location(), notAfter, clock.instant())));
        resources.add(0, prober);
        // the certificates seen go to the store on their own thread, the newest per node, once per probe interval;
        // while the database is away they wait (one per node), like results do in the buffer
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "status-certificates");
            t.setDaemon(true);
            return t;
        });
        long every = probes.timing().interval().toMillis();
        writer.scheduleWithFixedDelay(this::writeCertificates, every, every, TimeUnit.MILLISECONDS);
        resources.add(0, () -> {
            writer.shutdownNow();
            writer.awaitTermination(10, TimeUnit.SECONDS);
        });
        for (ProbeConfig.Node n : probes.nodes()) {
            components.add("node/" + n.name() + "/tls");
            components.add("node/" + n.name() + "/readyz");
        }
        if (probes.canary() != null) components.add("canary");
        prober.start();
        LOG.info("probing location={} components={} interval={}", probes.location(), components, probes.timing().interval());
    }

    /** The components named in the config, for a page-only instance that has them listed (else they come from the data). */
    private List<String> configuredComponents() {
        List<String> out = new ArrayList<>();
        for (StatusPageConfig.Node n : config.probes.nodes) {
            out.add("node/" + n.name + "/tls");
            out.add("node/" + n.name + "/readyz");
        }
        if (!config.probes.canary.publicAddress.isBlank()) out.add("canary");
        return out;
    }

    private void writeCertificates() {
        Map<String, CertificateSeen> batch = new HashMap<>(seenCertificates);
        if (batch.isEmpty()) return;
        try {
            store.certificatesSeen(batch.values());
            batch.forEach(seenCertificates::remove); // only those not replaced by a newer sighting meanwhile
        } catch (RuntimeException e) {
            LOG.debug("writing node certificates failed, keeping them for the next interval: {}", e.getMessage());
        }
    }

    private void record(ProbeResult r) {
        buffer.offer(new StoredResult(r.location(), r.component(), r.at(), r.status(),
                (int) Math.min(Integer.MAX_VALUE, r.latencyMillis()), r.reason() == null || r.reason().isEmpty() ? null : r.reason()));
    }

    private Router publicRouter() {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(rc -> rc.response().putHeader("content-type", "text/plain").end("ok\n"));
        router.get("/readyz").handler(rc -> {
            if (view != null) rc.response().putHeader("content-type", "text/plain").end("ready\n");
            else rc.response().setStatusCode(503).putHeader("content-type", "text/plain").end("not ready: no view computed yet\n");
        });
        PublicRoutes.mount(router, this::view, config.publicUri());
        return router;
    }

    private Router adminRouter() {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(rc -> rc.response().putHeader("content-type", "text/plain").end("ok\n"));
        router.get("/readyz").handler(rc -> {
            String why = notReady();
            if (why == null) rc.response().putHeader("content-type", "text/plain").end("ready\n");
            else rc.response().setStatusCode(503).putHeader("content-type", "text/plain").end("not ready: " + why + "\n");
        });
        router.get("/metrics").handler(rc -> rc.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(meters.scrape()));
        if (config.page && config.admin.api) {
            new AdminApi(store, config.adminToken(), clock, this::refreshSoon, config.admin.maxBodyBytes).mount(router);
        }
        return router;
    }

    private String notReady() {
        if (config.page && view == null) return "no view computed yet";
        return null;
    }

    private HttpServer listen(Router router, String host, int port, String what) {
        try {
            HttpServer s = vertx.createHttpServer().requestHandler(router).listen(port, host).await();
            LOG.info("{} listener on {}:{}", what, host, s.actualPort());
            return s;
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + what + " address " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** The view the page shows now: the last good one (stale when the database is away), null before the first. */
    public StatusView view() {
        return view;
    }

    /** Rebuilds the view now (on the refresh thread); completes with the view then served. */
    public CompletableFuture<StatusView> refreshNow() {
        return CompletableFuture.supplyAsync(() -> {
            refresh();
            return view;
        }, refresher);
    }

    /** After an admin change: one refresh soon, however many changes came. */
    private void refreshSoon() {
        if (refreshQueued.compareAndSet(false, true)) {
            refresher.execute(() -> {
                refreshQueued.set(false);
                refresh();
            });
        }
    }

    private void refresh() {
        try {
            Instant now = clock.instant();
            ViewBuilder.Built built = builder.build(store, now);
            if (automation.advance(store, built.history(), now)) built = builder.build(store, now);
            view = built.view();
            if (failing != null) {
                LOG.info("status store reachable again, the page is fresh");
                failing = null;
            }
        } catch (RuntimeException e) {
            String reason = e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage());
            if (!reason.equals(failing)) {
                LOG.warn("refreshing the status view failed, serving the last one as stale: {}", reason);
                failing = reason;
            }
            StatusView v = view;
            if (v != null && !v.stale()) view = stale(v);
        }
    }

    private void purge() {
        try {
            Store.Purged p = store.purge(clock.instant());
            LOG.info("purged old rows results={} minutes={} days={}", p.results(), p.minutes(), p.days());
            if (p.minutes() > 0 && builder != null) builder.invalidate(); // they may still be in its cache
        } catch (RuntimeException e) {
            LOG.warn("purging old rows failed, retrying at the next interval: {}", e.getMessage());
        }
        try {
            store.compactIfDue(clock.instant()).ifPresent(c -> LOG.info("compacted the embedded database file"
                    + " before={}MB after={}MB took={}ms", c.bytesBefore() / 1_000_000, c.bytesAfter() / 1_000_000,
                    c.took().toMillis()));
        } catch (RuntimeException e) {
            LOG.warn("compacting the embedded database failed, retrying at the next purge: {}",
                    e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage()));
        }
    }

    static StatusView stale(StatusView v) {
        return new StatusView(v.title(), v.generatedAt(), v.dataAsOf(), true, v.zone(), v.indicator(), v.service(), v.components(),
                v.incidents(), v.maintenance(), v.formula());
    }

    public int publicPort() {
        return publicServer.actualPort();
    }

    public int adminPort() {
        return adminServer.actualPort();
    }

    /** The store, for tests that write results straight into it. */
    Store store() {
        return store;
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        try {
            // a refresh or purge under way still reads the store: let it end before the store closes under it
            if (!refresher.awaitTermination(30, TimeUnit.SECONDS)) LOG.warn("the view refresher did not stop within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.debug("closing {} failed: {}", r, e.toString());
            }
        }
        resources.clear();
    }
}
