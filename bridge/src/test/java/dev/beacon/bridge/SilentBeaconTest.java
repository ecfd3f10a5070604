package dev.beacon.bridge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.Protocol;
import dev.beacon.tls.JdkTls;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A beacon node that accepts the bridge's connection and then stops answering (frozen, stalled, black-holed), on real
 * sockets with real TLS: each connection costs the bridge {@code beacon.connectTimeout}, then it dials again with
 * backoff (docs/protocol.md section 13, bridge rules).
 */
class SilentBeaconTest {
    @TempDir
    Path dir;

    /** Accepts and, per connection, does nothing (TLS) or completes TLS and reads REGISTER (REGISTERED), then holds it. */
    private static final class SilentNode implements AutoCloseable {
        final ServerSocket server;
        final List<Long> accepts = new CopyOnWriteArrayList<>();
        final List<FrameType> firstFrames = new CopyOnWriteArrayList<>();
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        SilentNode(SSLContext tls, boolean answerTls) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        accepts.add(System.nanoTime());
                        held.add(s);
                        if (answerTls) {
                            Thread c = new Thread(() -> register(tls, s));
                            c.setDaemon(true);
                            c.start();
                        }
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "silent-node");
            t.setDaemon(true);
            t.start();
        }

        private void register(SSLContext tls, Socket raw) {
            try {
                SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
                s.setUseClientMode(false);
                s.setNeedClientAuth(true);
                s.startHandshake();
                firstFrames.add(FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES).type());
                // and never answers
            } catch (IOException e) {
                // the bridge gave up
            }
        }

        String address() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : held) s.close();
        }
    }

    private BridgeConfig config(TestPki pki, String address) {
        TlsFiles outer = pki.bridge("acme", "vault");
        TlsFiles inner = pki.innerBridge("acme", "vault");
        BridgeConfig c = new BridgeConfig();
        c.beacon.addresses = List.of(address);
        c.beacon.connectTimeout = Duration.ofSeconds(1);
        c.beacon.reconnectMin = Duration.ofMillis(50);
        c.beacon.reconnectMax = Duration.ofMillis(200);
        c.tls.cert = outer.cert().toString();
        c.tls.key = outer.key().toString();
        c.tls.ca = outer.ca().toString();
        c.inner.cert = inner.cert().toString();
        c.inner.key = inner.key().toString();
        c.inner.ca = inner.ca().toString();
        c.allow = List.of("spiffe://acme.internal/tenant/acme/*");
        c.upstream.address = "127.0.0.1:9";
        c.admin.port = 0;
        c.validate();
        return c;
    }

    private void assertRedialledAfterAboutTheConnectTimeout(SilentNode node) {
        Await.until("three dials", Duration.ofSeconds(15), () -> node.accepts.size() >= 3);
        for (int i = 1; i < 3; i++) {
            long gapMs = (node.accepts.get(i) - node.accepts.get(i - 1)) / 1_000_000;
            // 1 s timeout, then a backoff of at most 200 ms; seconds of slack for a busy machine
            assertTrue(gapMs >= 900 && gapMs < 1200 + 3000, "dial " + i + " came " + gapMs + " ms after the one before");
        }
    }

    @Test
    void aNodeThatAcceptsTcpAndNeverAnswersTlsIsRedialledAfterTheConnectTimeout() throws Exception {
        TestPki pki = TestPki.create(dir);
        try (SilentNode node = new SilentNode(null, false); Bridge bridge = new Bridge(config(pki, node.address())).start()) {
            assertRedialledAfterAboutTheConnectTimeout(node);
            assertTrue(bridge.connectedNodes().isEmpty());
        }
    }

    @Test
    void aNodeThatNeverAnswersRegisterIsRedialledAfterTheConnectTimeout() throws Exception {
        TestPki pki = TestPki.create(dir);
        SSLContext tls = JdkTls.context(TlsMaterial.load(pki.node("na")));
        try (SilentNode node = new SilentNode(tls, true); Bridge bridge = new Bridge(config(pki, node.address())).start()) {
            assertRedialledAfterAboutTheConnectTimeout(node);
            assertTrue(node.firstFrames.contains(FrameType.REGISTER), "the bridge got as far as REGISTER: " + node.firstFrames);
            assertTrue(bridge.connectedNodes().isEmpty());
        }
    }
}
