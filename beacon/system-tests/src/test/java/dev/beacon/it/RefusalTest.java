package dev.beacon.it;

import static dev.beacon.it.RelayProbe.assertClosed;
import static dev.beacon.it.RelayProbe.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.Protocol;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.tls.JdkTls;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.WrapperStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refusal gets the documented error (a TLS alert before the handshake completes, an ERROR frame after),
 * a closed connection and a counted reason, while a stream of another wrapper keeps working throughout.
 */
class RefusalTest {
    @TempDir
    static Path dir;
    static Stack stack;
    WrapperStream bystander;

    @BeforeAll
    static void up() throws Exception {
        stack = Stack.start(dir, c -> c.limits.handshakeTimeout = Duration.ofMillis(800));
    }

    @AfterAll
    static void down() throws Exception {
        stack.close();
    }

    @BeforeEach
    void openBystander() throws Exception {
        bystander = stack.wrapper("bystander").open(Stack.BRIDGE);
        bystander.out().write("ECHO".getBytes(StandardCharsets.US_ASCII));
        echo("before");
    }

    @AfterEach
    void bystanderStillWorks() throws Exception {
        echo("after the refusal");
        bystander.close();
    }

    private void echo(String text) throws IOException {
        byte[] msg = ("ping " + text + "\n").getBytes(StandardCharsets.US_ASCII);
        bystander.out().write(msg);
        bystander.out().flush();
        byte[] back = bystander.in().readNBytes(msg.length + (text.equals("before") ? 4 : 0));
        String s = new String(back, StandardCharsets.US_ASCII);
        assertTrue(s.endsWith("ping " + text + "\n"), "the other tenant's stream echoes: " + s);
    }

    // ---- before or during the TLS handshake ----

    @Test
    void noClientCertificate() throws Exception {
        double before = stack.metric("beacon_handshake_failures_total", "reason", "no_certificate");
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(null, trust(stack.nodeFiles.ca()), null);
        assertRefusedInHandshake(ctx);
        Await.until("no_certificate counted", Duration.ofSeconds(5),
                () -> stack.metric("beacon_handshake_failures_total", "reason", "no_certificate") > before);
    }

    @Test
    void certificateFromAnotherCa() throws Exception {
        double before = stack.metric("beacon_handshake_failures_total", "reason", "untrusted_certificate");
        assertRefusedInHandshake(dev.beacon.tls.testing.Clients.alwaysPresenting(TlsMaterial.load(stack.pki.foreignWrapper("acme", "mallory"))));
        Await.until("untrusted_certificate counted", Duration.ofSeconds(5),
                () -> stack.metric("beacon_handshake_failures_total", "reason", "untrusted_certificate") > before);
    }

    @Test
    void expiredCertificate() throws Exception {
        double before = stack.metric("beacon_handshake_failures_total", "reason", "certificate_expired");
        assertRefusedInHandshake(JdkTls.context(TlsMaterial.load(stack.pki.expiredWrapper("acme", "old"))));
        Await.until("certificate_expired counted", Duration.ofSeconds(5),
                () -> stack.metric("beacon_handshake_failures_total", "reason", "certificate_expired") > before);
    }

    @Test
    void garbageInsteadOfTlsHandshake() throws Exception {
        double before = stack.metric("beacon_handshake_failures_total", "reason", "not_tls");
        try (Socket s = new Socket("127.0.0.1", stack.node.relayAddress().getPort())) {
            s.setSoTimeout(5000);
            byte[] junk = new byte[2048];
            new Random(1).nextBytes(junk);
            junk[0] = 'G'; // not a TLS record type
            s.getOutputStream().write(junk);
            assertClosed(s.getInputStream());
        }
        Await.until("not_tls counted", Duration.ofSeconds(5),
                () -> stack.metric("beacon_handshake_failures_total", "reason", "not_tls") > before);
    }

    @Test
    void handshakeThatNeverFinishes() throws Exception {
        double before = stack.metric("beacon_handshake_failures_total", "reason", "timeout");
        try (Socket s = new Socket("127.0.0.1", stack.node.relayAddress().getPort())) {
            s.setSoTimeout(10_000);
            long t0 = System.nanoTime();
            assertClosed(s.getInputStream()); // we send nothing; the beacon gives up after limits.handshakeTimeout
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 5000, "closed after the 800 ms handshake timeout, took " + ms + " ms");
        }
        Await.until("timeout counted", Duration.ofSeconds(5),
                () -> stack.metric("beacon_handshake_failures_total", "reason", "timeout") > before);
    }

    // ---- after the handshake: ERROR frames ----

    @Test
    void noFirstFrameAfterTheHandshake() throws Exception {
        try (SSLSocket s = outer(stack.pki.wrapper("acme", "quiet"))) {
            Frame f = FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES);
            assertError(f, ErrorCode.TIMEOUT);
            assertClosed(s.getInputStream());
        }
    }

    @Test
    void wrapperAskingForAnotherTenantsBridge() throws Exception {
        TlsFiles globex = stack.pki.wrapper("globex", "intruder");
        assertError(exchange(globex, Frame.of(FrameType.CONNECT).put("versions", List.of(1))
                .put("bridge", Stack.BRIDGE).put("tenant", "acme")), ErrorCode.FORBIDDEN);
        // Without naming the tenant it looks in its own tenant, where no such bridge exists.
        assertError(exchange(globex, Frame.of(FrameType.CONNECT).put("versions", List.of(1))
                .put("bridge", Stack.BRIDGE)), ErrorCode.UNKNOWN_BRIDGE);
    }

    @Test
    void unknownBridgeIsFastAndClear() {
        long t0 = System.nanoTime();
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> stack.wrapper("demo").openOnce(stack.beaconAddress(), "no-such-bridge"));
        assertEquals(ErrorCode.UNKNOWN_BRIDGE, e.code);
        assertTrue(e.getMessage().contains("no-such-bridge"), e.getMessage());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2000, "refused without waiting for a timeout");
    }

    @Test
    void wrapperCertificateCannotRegisterAsBridge() throws Exception {
        Frame f = exchange(stack.pki.wrapper("acme", "sneaky"),
                Frame.of(FrameType.REGISTER).put("versions", List.of(1)));
        assertError(f, ErrorCode.FORBIDDEN);
        assertTrue(f.text("message").contains("only a bridge certificate"), f.text("message"));
        // ...and cannot attach a data connection to the real bridge either
        assertError(exchange(stack.pki.wrapper("acme", "sneaky"), Frame.of(FrameType.ATTACH).put("versions", List.of(1))),
                ErrorCode.FORBIDDEN);
    }

    @Test
    void bridgeCertificateCannotConnectAsWrapper() throws Exception {
        assertError(exchange(stack.pki.bridge("acme", "other-bridge"),
                Frame.of(FrameType.CONNECT).put("versions", List.of(1)).put("bridge", Stack.BRIDGE)), ErrorCode.FORBIDDEN);
    }

    @Test
    void unsupportedVersion() throws Exception {
        Frame f = exchange(stack.pki.wrapper("acme", "future"),
                Frame.of(FrameType.CONNECT).put("versions", List.of(99)).put("bridge", Stack.BRIDGE));
        assertError(f, ErrorCode.UNSUPPORTED_VERSION);
        assertEquals("[1]", f.body().get("supported").toString());
    }

    @Test
    void garbageAfterTheHandshake() throws Exception {
        try (SSLSocket s = outer(stack.pki.wrapper("acme", "noisy"))) {
            byte[] junk = new byte[512];
            new Random(2).nextBytes(junk);
            junk[0] = (byte) 0xEE; // no such frame type
            s.getOutputStream().write(junk);
            s.getOutputStream().flush();
            assertError(FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES), ErrorCode.PROTOCOL_ERROR);
            assertClosed(s.getInputStream());
        }
    }

    @Test
    void oversizedFrame() throws Exception {
        try (SSLSocket s = outer(stack.pki.wrapper("acme", "big"))) {
            OutputStream out = s.getOutputStream();
            // Only the header: the beacon must refuse on the declared length, without waiting for 1 GiB.
            out.write(new byte[] {(byte) FrameType.CONNECT.code, 0x40, 0, 0, 0});
            out.flush();
            Frame f = FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES);
            assertError(f, ErrorCode.FRAME_TOO_LARGE);
            assertClosed(s.getInputStream());
        }
    }

    @Test
    void badJsonInAFrame() throws Exception {
        try (SSLSocket s = outer(stack.pki.wrapper("acme", "json"))) {
            s.getOutputStream().write(FrameCodec.rawFrame(FrameType.CONNECT.code, "{not json".getBytes(StandardCharsets.UTF_8)));
            s.getOutputStream().flush();
            assertError(FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES), ErrorCode.PROTOCOL_ERROR);
        }
    }

    // ---- helpers ----

    private Frame exchange(TlsFiles who, Frame first) throws Exception {
        return RelayProbe.exchange(who, stack.node.relayAddress().getPort(), first);
    }

    private SSLSocket outer(TlsFiles who) throws IOException {
        return RelayProbe.outer(who, stack.node.relayAddress().getPort());
    }

    private void assertRefusedInHandshake(SSLContext ctx) throws Exception {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", stack.node.relayAddress().getPort())) {
            s.setSoTimeout(10_000);
            // TLS 1.3: the client's handshake completes first; the server's alert arrives on the first read.
            IOException e = assertThrows(IOException.class, () -> {
                s.startHandshake();
                FrameCodec.write(s.getOutputStream(), Frame.of(FrameType.CONNECT).put("versions", List.of(1)).put("bridge", Stack.BRIDGE));
                int b = s.getInputStream().read();
                if (b < 0) throw new java.io.EOFException("closed");
            });
            assertNotNull(e.getMessage());
        }
    }

    private static javax.net.ssl.TrustManager[] trust(Path ca) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        int i = 0;
        for (X509Certificate c : dev.beacon.tls.Pem.certificates(ca)) ts.setCertificateEntry("ca" + i++, c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        return tmf.getTrustManagers();
    }
}
