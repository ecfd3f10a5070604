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
    private final MultiGauge info;
    private final MultiGauge trusted;
    private final Counter reloaded;
    private final Counter failed;
    private volatile TlsMaterial material;
    private volatile SslContext context;
    private volatile java.time.Instant loadedAt = java.time.Instant.now();
    private ScheduledExecutorService expiryChecker;
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
        this.info = MultiGauge.builder("tls_certificate_info")
                .description("1 for the certificate each TLS context serves now (serial in hex, identity, SHA-256 fingerprint)")
                .register(registry);
        this.trusted = MultiGauge.builder("tls_trusted_ca_info")
                .description("1 for each CA in the trust bundle of each TLS context (SHA-256 fingerprint of the CA certificate)")
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
            loadedAt = java.time.Instant.now();
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
        info.register(List.of(MultiGauge.Row.of(Tags.of("certificate", name, "serial", m.leaf().getSerialNumber().toString(16),
                "identity", identityOf(m.leaf()), "fingerprint", Certificates.sha256(m.leaf())), 1)), true);
        List<MultiGauge.Row<?>> cas = new ArrayList<>();
        for (X509Certificate c : m.trust()) {
            cas.add(MultiGauge.Row.of(Tags.of("certificate", name, "fingerprint", Certificates.sha256(c),
                    "subject", c.getSubjectX500Principal().getName()), 1));
        }
        trusted.register(cas, true);
    }

    private static String identityOf(X509Certificate c) {
        return Identity.of(c).map(Identity::uri).orElse(c.getSubjectX500Principal().getName());
    }

    public String name() {
        return name;
    }

    /** When the material in use was loaded (start-up or the last successful reload). */
    public java.time.Instant loadedAt() {
        return loadedAt;
    }

    /**
     * What this context serves and trusts, for the admin port's {@code /tls}: the certificate's serial (hex), identity,
     * notAfter and file, and each trusted CA's SHA-256 fingerprint, subject and notAfter.
     */
    public java.util.Map<String, Object> describe() {
        TlsMaterial m = material;
        java.util.Map<String, Object> out = Certificates.describe(name, m);
        out.put("loaded_at", loadedAt.toString());
        out.put("reloads", (long) reloaded.count());
        out.put("reload", "polled");
        return out;
    }

    /**
     * Checks at once and then every {@code interval} whether the served certificate or a CA of the bundle expires within
     * {@code window}, logging a WARN naming the file and the date (see {@link Certificates#expiryWarnings}).
     */
    public ReloadingTls checkExpiry(java.time.Duration interval, java.time.Duration window) {
        expiryChecker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tls-expiry-" + name);
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(50, interval.toMillis());
        expiryChecker.scheduleWithFixedDelay(() -> {
            try {
                Certificates.expiryWarnings(name, material, window, java.time.Instant.now()).forEach(LOG::warn);
            } catch (RuntimeException e) {
                LOG.warn("tls expiry check failed certificate={} reason=\"{}\"", name, e.getMessage());
            }
        }, 0, ms, TimeUnit.MILLISECONDS);
        return this;
    }

    private MultiGauge.Row<?> row(String kind, X509Certificate c) {
        double notAfter = c.getNotAfter().getTime() / 1000.0;
        return MultiGauge.Row.of(Tags.of("certificate", name, "kind", kind,
                "subject", c.getSubjectX500Principal().getName(), "serial", c.getSerialNumber().toString(16)), notAfter);
    }

    @Override
    public void close() {
        if (poller != null) poller.shutdownNow();
        if (expiryChecker != null) expiryChecker.shutdownNow();
    }
}
