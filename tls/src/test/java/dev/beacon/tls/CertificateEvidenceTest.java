package dev.beacon.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The self-check of expiry (WARN naming file and date) and the evidence /tls and the info metrics give. */
class CertificateEvidenceTest {
    @TempDir
    Path dir;

    @Test
    void warnsAtStartAndEveryIntervalWhenTheCertificateExpiresWithin30Days() {
        TestPki pki = TestPki.create(dir);
        Instant notAfter = Instant.now().plus(Duration.ofDays(10));
        TlsFiles soon = pki.issue(pki.beaconCa, "soon", Identity.node(TestPki.TRUST_DOMAIN, "n1"),
                r -> r.validity(Instant.now().minus(Duration.ofHours(1)), notAfter));
        Logger log = (Logger) LoggerFactory.getLogger(ReloadingTls.class);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        log.addAppender(seen);
        try (ReloadingTls tls = new ReloadingTls("relay", soon, TlsContexts::server, new SimpleMeterRegistry())) {
            tls.checkExpiry(Duration.ofMillis(100), Duration.ofDays(30));
            Await.until("two expiry warnings (start and one interval)", Duration.ofSeconds(5),
                    () -> warnings(seen).size() >= 2);
            String line = warnings(seen).get(0);
            String date = notAfter.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
            assertTrue(line.contains("file=" + soon.cert()), line);
            assertTrue(line.contains("expires on " + date), line + " / " + date);
            assertTrue(line.contains("(in 9 days)") || line.contains("(in 10 days)"), line);
            assertTrue(warnings(seen).stream().noneMatch(l -> l.contains("trusted CA")), "the CA has 10 years left");
        } finally {
            log.detachAppender(seen);
        }
    }

    @Test
    void noWarningOutsideTheWindowAndTheCaIsCheckedToo() {
        TestPki pki = TestPki.create(dir);
        TlsFiles fine = pki.node("n1");
        TlsMaterial m = TlsMaterial.load(fine);
        assertEquals(List.of(), Certificates.expiryWarnings("relay", m, Duration.ofDays(30), Instant.now()));
        List<String> inElevenYears = Certificates.expiryWarnings("relay", m, Duration.ofDays(30),
                Instant.now().plus(Duration.ofDays(11 * 365)));
        assertTrue(inElevenYears.stream().anyMatch(l -> l.startsWith("tls trusted CA EXPIRED on") && l.contains("file=" + fine.ca())),
                inElevenYears.toString());
    }

    @Test
    void describeAndMetricsNameSerialIdentityAndTrustedFingerprints() throws Exception {
        TestPki pki = TestPki.create(dir);
        TlsFiles files = pki.node("n1");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ReloadingTls tls = new ReloadingTls("relay", files, TlsContexts::server, registry)) {
            X509Certificate leaf = tls.material().leaf();
            Map<String, Object> d = tls.describe();
            assertEquals(leaf.getSerialNumber().toString(16), d.get("serial"));
            assertEquals("spiffe://beacon.test/node/n1", d.get("identity"));
            assertEquals(files.cert().toString(), d.get("file"));
            String caFp = Certificates.sha256(pki.beaconCa.certificate());
            assertEquals(caFp, ((List<Map<String, Object>>) d.get("trusted_cas")).get(0).get("fingerprint"));
            assertEquals(1.0, registry.get("tls_certificate_info").tag("certificate", "relay")
                    .tag("serial", leaf.getSerialNumber().toString(16)).gauge().value());
            assertEquals(1.0, registry.get("tls_trusted_ca_info").tag("certificate", "relay").tag("fingerprint", caFp).gauge().value());

            Instant before = tls.loadedAt();
            Thread.sleep(5);
            pki.beaconCa.issue(new DevCa.Request(Identity.node(TestPki.TRUST_DOMAIN, "n1")), files.cert(), files.key());
            assertTrue(tls.checkNow());
            String serial = tls.material().leaf().getSerialNumber().toString(16);
            assertEquals(serial, tls.describe().get("serial"));
            assertTrue(tls.loadedAt().isAfter(before));
            assertEquals(1, registry.find("tls_certificate_info").tag("certificate", "relay").gauges().size(), "only the served one");
            assertEquals(1.0, registry.get("tls_certificate_info").tag("serial", serial).gauge().value());
        }
    }

    private static List<String> warnings(ListAppender<ILoggingEvent> a) {
        synchronized (a.list) {
            return a.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.startsWith("tls certificate")).toList();
        }
    }
}
