package dev.beacon.status.probe;

import dev.beacon.status.Status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.config.HostPort;
import dev.beacon.splice.Transport;
import dev.beacon.tls.Identity;
import dev.beacon.tls.JdkTls;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.TestPki;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS probe against servers that are not healthy beacon nodes: each DOWN, with a reason a person understands. */
class TlsProbeTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    static TlsMaterial statusPage;
    static EventLoopGroup group;

    @BeforeAll
    static void start() {
        pki = TestPki.create(dir);
        statusPage = TlsMaterial.load(pki.wrapper(TestBeacon.TENANT, "status-page"));
        group = Transport.group(1, "test-tls-probe");
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void anExpiredNodeCertificateIsDownWithCertificateExpiredAndStillReportsItsExpiry() throws Exception {
        Instant expired = Instant.now().minus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        TlsFiles cert = pki.issue(pki.beaconCa, "expired-node", Identity.node(TestPki.TRUST_DOMAIN, "n1"),
                r -> r.dns("localhost").ip("127.0.0.1").validity(expired.minus(Duration.ofDays(90)), expired));
        Map<String, Instant> notAfter = new ConcurrentHashMap<>();
        try (TlsServer server = new TlsServer(cert)) {
            ProbeResult r = TestBeacon.confirm(TestBeacon.fast(), new TlsProbe("n1", server.address(), statusPage, group, notAfter::put));

            assertEquals(Status.DOWN, r.status());
            assertEquals("TLS handshake: certificate expired", r.reason());
            assertEquals(2, r.attempts());
            assertEquals(expired, notAfter.get("n1"), "the gauge says since when it has expired");
        }
    }

    @Test
    void aServerThatIsNoBeaconNodeIsDownWithNotABeaconNode() throws Exception {
        // issued by the beacon CA for the right host name, but a bridge's identity: TLS alone would pass it
        TlsFiles cert = pki.issue(pki.beaconCa, "imposter", Identity.bridge(TestPki.TRUST_DOMAIN, "acme", "imposter"),
                r -> r.dns("localhost").ip("127.0.0.1"));
        Map<String, Instant> notAfter = new ConcurrentHashMap<>();
        try (TlsServer server = new TlsServer(cert)) {
            ProbeResult r = TestBeacon.confirm(TestBeacon.fast(), new TlsProbe("n1", server.address(), statusPage, group, notAfter::put));

            assertEquals(Status.DOWN, r.status());
            assertEquals("TLS handshake: not a beacon node (the server is spiffe://beacon.test/tenant/acme/bridge/imposter)", r.reason());
            assertTrue(notAfter.isEmpty(), "no node, no node certificate expiry");
        }
    }

    @Test
    void aListenerThatNeverAnswersTlsIsDownWithATimeoutThatCostsTheTimeoutPerAttempt() throws Exception {
        Duration timeout = Duration.ofSeconds(1);
        ProbeConfig.Timing timing = new ProbeConfig.Timing(Duration.ofSeconds(30), timeout, Duration.ofSeconds(1), Duration.ZERO);
        // the kernel completes the TCP handshake from the backlog; nobody ever reads or writes
        try (ServerSocket frozen = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            ProbeResult r = TestBeacon.confirm(timing,
                    new TlsProbe("n1", new HostPort("localhost", frozen.getLocalPort()), statusPage, group, (n, t) -> { }));
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertEquals(Status.DOWN, r.status());
            assertEquals("timeout after 1 s", r.reason());
            assertEquals(2, r.attempts());
            assertTrue(r.latencyMillis() >= 900 && r.latencyMillis() < 1500, "one attempt costs the timeout: " + r.latencyMillis());
            assertTrue(elapsedMs < 2 * 1000 + 1000, "two attempts cost two timeouts: " + elapsedMs + " ms");
        }
    }

    @Test
    void aClosedPortIsDownWithConnectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProbeResult r = TestBeacon.confirm(TestBeacon.fast(),
                new TlsProbe("n1", new HostPort("127.0.0.1", port), statusPage, group, (n, t) -> { }));

        assertEquals(Status.DOWN, r.status());
        assertEquals("connection refused", r.reason());
    }

    /** A TLS 1.3 server on loopback presenting {@code cert}, asking for a client certificate, then closing. */
    static final class TlsServer implements AutoCloseable {
        private final SSLServerSocket socket;
        private final Thread accepting;

        TlsServer(TlsFiles cert) throws IOException {
            socket = (SSLServerSocket) JdkTls.context(TlsMaterial.load(cert)).getServerSocketFactory()
                    .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            socket.setWantClientAuth(true);
            accepting = new Thread(this::serve, "fake-tls-server");
            accepting.setDaemon(true);
            accepting.start();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    ((SSLSocket) s).startHandshake();
                } catch (IOException e) {
                    // the probe refusing our certificate, or the server closing: either way, next
                }
            }
        }

        HostPort address() {
            return new HostPort("localhost", socket.getLocalPort());
        }

        @Override
        public void close() throws Exception {
            socket.close();
            accepting.join(5000);
        }
    }
}
