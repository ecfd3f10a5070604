package dev.beacon.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.TestPki;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingTlsTest {

    static final String EXPIRY = "tls_certificate_expiry_timestamp_seconds";
    static final String RELOADS = "tls_reloads_total";
    static final Identity SERVER = Identity.node(TestPki.TRUST_DOMAIN, "server");

    static EventLoopGroup group;

    @TempDir
    Path dir;
    TestPki pki;
    TlsFiles files;
    SimpleMeterRegistry registry;
    ReloadingTls tls;

    @BeforeAll
    static void startGroup() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void setUp() {
        pki = TestPki.create(dir);
        files = pki.node("server");
        registry = new SimpleMeterRegistry();
        tls = new ReloadingTls("outer", files, TlsContexts::server, registry);
    }

    @AfterEach
    void tearDown() {
        tls.close();
    }

    @Test
    void startsWithTheFilesOnDiskAndPublishesExpiry() {
        X509Certificate leaf = tls.material().leaf();
        assertEquals(SERVER, tls.material().identity().orElseThrow());
        assertNotNull(tls.context());
        assertTrue(tls.context().isServer());
        assertEquals(leaf.getNotAfter().getTime() / 1000.0, expiry("leaf", leaf).value());
        X509Certificate ca = pki.beaconCa.certificate();
        assertEquals(ca.getNotAfter().getTime() / 1000.0, expiry("ca", ca).value());
        assertEquals(2, registry.find(EXPIRY).tag("certificate", "outer").gauges().size());
        assertEquals(0.0, reloads("success"));
        assertEquals(0.0, reloads("failure"));
        assertFalse(tls.checkNow(), "nothing changed, nothing to reload");
        assertEquals(0.0, reloads("success"));
    }

    @Test
    void missingFileFailsAtStartUpNamingIt() {
        Path missing = dir.resolve("gone/tls.key");
        TlsFiles broken = new TlsFiles(files.cert(), missing, files.ca());
        TlsConfigException e = assertThrows(TlsConfigException.class,
                () -> new ReloadingTls("broken", broken, TlsContexts::server, new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void picksUpARewrittenCertificateAndKey() {
        X509Certificate old = tls.material().leaf();
        SslContext oldContext = tls.context();
        Instant notAfter = Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS);
        X509Certificate issued = reissue(notAfter);

        assertTrue(tls.checkNow(), "rewritten files are picked up");
        X509Certificate now = tls.material().leaf();
        assertNotEquals(old.getSerialNumber(), now.getSerialNumber());
        assertEquals(issued, now);
        assertEquals(notAfter, now.getNotAfter().toInstant());
        assertNotSame(oldContext, tls.context());
        assertEquals(1.0, reloads("success"));
        assertEquals(0.0, reloads("failure"));

        assertEquals(notAfter.getEpochSecond(), (long) expiry("leaf", now).value());
        assertNull(registry.find(EXPIRY).tag("serial", serial(old)).gauge(), "the old leaf's expiry row is gone");
        assertEquals(2, registry.find(EXPIRY).tag("certificate", "outer").gauges().size());

        assertFalse(tls.checkNow(), "no change since the reload");
        assertEquals(1.0, reloads("success"));
    }

    @Test
    void halfWrittenRotationKeepsTheOldContextUntilTheKeyArrives() throws Exception {
        X509Certificate old = tls.material().leaf();
        SslContext oldContext = tls.context();
        Path staging = dir.resolve("staging");
        X509Certificate next = pki.beaconCa.issue(new DevCa.Request(SERVER).dns("localhost").ip("127.0.0.1"),
                staging.resolve("tls.crt"), staging.resolve("tls.key"));

        Files.move(staging.resolve("tls.crt"), files.cert(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertFalse(tls.checkNow(), "a certificate without its key is not used");
        assertSame(oldContext, tls.context());
        assertEquals(old, tls.material().leaf());
        assertEquals(1.0, reloads("failure"));
        assertEquals(0.0, reloads("success"));
        assertNotNull(expiry("leaf", old), "expiry still describes the certificate in use");
        assertNull(registry.find(EXPIRY).tag("serial", serial(next)).gauge());

        assertFalse(tls.checkNow(), "still half-written");
        assertSame(oldContext, tls.context());
        assertEquals(1.0, reloads("failure"), "the same failure is counted once");

        Files.move(staging.resolve("tls.key"), files.key(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertTrue(tls.checkNow(), "the key arrived: the rotation completes");
        assertEquals(next, tls.material().leaf());
        assertNotSame(oldContext, tls.context());
        assertEquals(1.0, reloads("success"));
        assertEquals(1.0, reloads("failure"));
        assertEquals(next.getNotAfter().getTime() / 1000.0, expiry("leaf", next).value());
    }

    @Test
    void aFailureAfterTheFilesWereRolledBackIsCountedAgain() throws Exception {
        SslContext oldContext = tls.context();
        String oldCert = Files.readString(files.cert());
        Path staging = dir.resolve("staging");
        pki.beaconCa.issue(new DevCa.Request(SERVER).dns("localhost").ip("127.0.0.1"),
                staging.resolve("tls.crt"), staging.resolve("tls.key"));

        Files.copy(staging.resolve("tls.crt"), files.cert(), StandardCopyOption.REPLACE_EXISTING);
        assertFalse(tls.checkNow(), "a certificate without its key is not used");
        assertEquals(1.0, reloads("failure"));

        Files.writeString(files.cert(), oldCert);
        assertFalse(tls.checkNow(), "back to the loaded files: nothing to reload");
        assertSame(oldContext, tls.context());
        assertEquals(1.0, reloads("failure"));

        Files.copy(staging.resolve("tls.crt"), files.cert(), StandardCopyOption.REPLACE_EXISTING);
        assertFalse(tls.checkNow());
        assertSame(oldContext, tls.context());
        assertEquals(2.0, reloads("failure"), "the same failure after a rollback is a new failure");
        assertEquals(0.0, reloads("success"));
    }

    @Test
    void deletedFileKeepsTheOldContext() throws Exception {
        SslContext oldContext = tls.context();
        Files.delete(files.key());
        assertFalse(tls.checkNow());
        assertSame(oldContext, tls.context());
        assertEquals(1.0, reloads("failure"));
    }

    @Test
    void newConnectionsGetTheNewCertificateAndClientAuthIsStillRequired() throws Exception {
        TlsMaterial client = TlsMaterial.load(pki.wrapper("acme", "demo"));
        try (TlsServer server = new TlsServer(group, tls::context)) {
            X509Certificate before = server.serverCertificate(JdkTls.context(client));
            assertEquals(tls.material().leaf(), before);
            assertTrue(server.next().success());

            X509Certificate issued = reissue(Instant.now().plus(Duration.ofDays(10)));
            assertTrue(tls.checkNow());

            assertThrows(IOException.class, () -> server.connect(TlsHandshakeTest.trustOnly(tls.material())));
            assertFalse(server.next().success(), "the reloaded server context accepted a client without a certificate");

            assertEquals(issued, server.serverCertificate(JdkTls.context(client)));
            TlsServer.Result r = server.next();
            assertTrue(r.success(), r::why);
            assertEquals("TLSv1.3", r.protocol());
            assertEquals(Identity.wrapper(TestPki.TRUST_DOMAIN, "acme", "demo"), r.peer().orElseThrow());
        }
    }

    @Test
    void reloadedPredicateServerStillChecksIdentity() throws Exception {
        try (ReloadingTls guarded = new ReloadingTls("guarded", files,
                m -> TlsContexts.server(m, id -> "acme".equals(id.tenant())), registry);
             TlsServer server = new TlsServer(group, guarded::context)) {
            reissue(Instant.now().plus(Duration.ofDays(10)));
            assertTrue(guarded.checkNow());
            TlsMaterial globex = TlsMaterial.load(pki.wrapper("globex", "demo"));
            assertThrows(IOException.class, () -> server.connect(JdkTls.context(globex)));
            assertFalse(server.next().success());
            TlsMaterial acme = TlsMaterial.load(pki.wrapper("acme", "demo"));
            assertEquals("TLSv1.3 spiffe://beacon.test/tenant/acme/wrapper/demo", server.connect(JdkTls.context(acme)));
            assertTrue(server.next().success());
        }
    }

    @Test
    void watchPicksUpAChangeOnItsOwn() throws Exception {
        BlockingQueue<TlsMaterial> built = new LinkedBlockingQueue<>();
        Function<TlsMaterial, SslContext> builder = m -> {
            SslContext c = TlsContexts.server(m);
            built.add(m);
            return c;
        };
        try (ReloadingTls watched = new ReloadingTls("watched", files, builder, registry)) {
            assertNotNull(built.poll(0, TimeUnit.SECONDS), "built once at start-up");
            watched.watch(Duration.ofMillis(50));
            X509Certificate issued = reissue(Instant.now().plus(Duration.ofDays(10)));
            TlsMaterial m = built.poll(TlsServer.DEADLINE_SECONDS, TimeUnit.SECONDS);
            assertNotNull(m, "the watcher did not reload within the deadline");
            assertEquals(issued, m.leaf());
            // checkNow is synchronized with the watcher's own check: once it returns, the reload is in place
            assertFalse(watched.checkNow());
            assertEquals(issued, watched.material().leaf());
            assertEquals(1.0, registry.get(RELOADS).tags("certificate", "watched", "result", "success").counter().count());
        }
    }

    private X509Certificate reissue(Instant notAfter) {
        return pki.beaconCa.issue(new DevCa.Request(SERVER).dns("localhost").ip("127.0.0.1")
                .validity(Instant.now().minus(Duration.ofMinutes(5)), notAfter), files.cert(), files.key());
    }

    private double reloads(String result) {
        Counter c = registry.get(RELOADS).tags("certificate", "outer", "result", result).counter();
        return c.count();
    }

    private Gauge expiry(String kind, X509Certificate c) {
        Collection<Gauge> found = registry.find(EXPIRY)
                .tags("certificate", "outer", "kind", kind, "serial", serial(c),
                        "subject", c.getSubjectX500Principal().getName())
                .gauges();
        assertEquals(1, found.size(), () -> "expiry rows for " + kind + " " + serial(c) + ": " + registry.getMetersAsString());
        return found.iterator().next();
    }

    private static String serial(X509Certificate c) {
        BigInteger s = c.getSerialNumber();
        return s.toString(16);
    }

    private static void assertNotSame(Object unexpected, Object actual) {
        org.junit.jupiter.api.Assertions.assertNotSame(unexpected, actual);
    }
}
