package dev.beacon.tls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.netty.handler.ssl.SslContext;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS context that follows its files on disk. cert-manager rewrites Secrets in place (a symlink swap in the
 * mounted directory), so the files are polled by content: new connections get the new context, open ones keep
 * theirs. A half-written rotation (a key that does not match the certificate yet) keeps the old context and
 * is retried on the next poll.
 */
public final class ReloadingTls implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadingTls.class);

    private final String name;
    private final TlsFiles files;
    private final Function<TlsMaterial, SslContext> builder;
    private final MultiGauge expiry;
    private final Counter reloaded;
    private final Counter failed;
    private volatile TlsMaterial material;
    private volatile SslContext context;
    private ScheduledExecutorService poller;
    private String lastFailure;

    /** Loads now: a missing or broken file fails here, at start-up, with the file named. */
    public ReloadingTls(String name, TlsFiles files, Function<TlsMaterial, SslContext> builder, MeterRegistry registry) {
        this.name = name;
        this.files = files;
        this.builder = builder;
        this.material = TlsMaterial.load(files);
        this.context = builder.apply(material);
        this.expiry = MultiGauge.builder("tls_certificate_expiry_timestamp_seconds")
                .description("notAfter of each loaded certificate (leaf and trusted CAs), as a Unix timestamp")
                .baseUnit("seconds")
                .register(registry);
        this.reloaded = Counter.builder("tls_reloads_total").tags("certificate", name, "result", "success")
                .description("Certificate reloads after the files changed on disk").register(registry);
        this.failed = Counter.builder("tls_reloads_total").tags("certificate", name, "result", "failure")
                .description("Certificate reloads after the files changed on disk").register(registry);
        publishExpiry();
    }

    public SslContext context() {
        return context;
    }

    public TlsMaterial material() {
        return material;
    }

    /** Polls every {@code interval} on a daemon thread. */
    public ReloadingTls watch(java.time.Duration interval) {
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tls-reload-" + name);
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(50, interval.toMillis());
        poller.scheduleWithFixedDelay(this::checkNow, ms, ms, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Reloads if the files changed; returns true when a new context is in use. */
    public synchronized boolean checkNow() {
        try {
            String fp = TlsMaterial.fingerprint(files);
            if (fp.equals(material.fingerprint())) {
                // back to what is loaded (e.g. a bad rotation rolled back): a later identical failure is news again
                lastFailure = null;
                return false;
            }
            TlsMaterial next = TlsMaterial.load(files);
            SslContext ctx = builder.apply(next);
            material = next;
            context = ctx;
            lastFailure = null;
            reloaded.increment();
            publishExpiry();
            LOG.info("tls reloaded certificate={} subject={} not_after={}", name,
                    next.identity().map(Identity::uri).orElse(next.leaf().getSubjectX500Principal().getName()),
                    next.leaf().getNotAfter().toInstant());
            return true;
        } catch (RuntimeException e) {
            String msg = e.getMessage();
            if (!java.util.Objects.equals(msg, lastFailure)) {
                failed.increment();
                LOG.warn("tls reload failed certificate={} reason=\"{}\"; keeping the previous certificate", name, msg);
                lastFailure = msg;
            }
            return false;
        }
    }

    private void publishExpiry() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        TlsMaterial m = material;
        for (X509Certificate c : m.chain()) rows.add(row("leaf", c));
        for (X509Certificate c : m.trust()) rows.add(row("ca", c));
        expiry.register(rows, true);
    }

    private MultiGauge.Row<?> row(String kind, X509Certificate c) {
        double notAfter = c.getNotAfter().getTime() / 1000.0;
        return MultiGauge.Row.of(Tags.of("certificate", name, "kind", kind,
                "subject", c.getSubjectX500Principal().getName(), "serial", c.getSerialNumber().toString(16)), notAfter);
    }

    @Override
    public void close() {
        if (poller != null) poller.shutdownNow();
    }
}
