package dev.beacon.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.FrameType;
import dev.beacon.tls.JdkTls;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PROXY protocol v2 on the relay port, on a real node with real TLS on loopback. 127.0.0.2 is the load balancer
 * (relay.proxyProtocol.trustedSources); 127.0.0.1 is anyone else, including the bridge, which dials directly.
 */
class ProxyProtocolTest {
    static final String TENANT = "acme";
    static final String BRIDGE = "acme-bridge";
    static final String BALANCER = "127.0.0.2";
    static final String ELSEWHERE = "127.0.0.1";
    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(1500);
    static final int PER_SOURCE = 20;

    @TempDir
    static Path dir;
    static TestPki pki;
    static BeaconNode node;
    static int port;
    static SSLSocket control;
    static final List<String> log = new CopyOnWriteArrayList<>();
    static final AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            log.add(e.getFormattedMessage());
        }
    };

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(dir);
        node = node(pki.node("n1"), c -> {
            c.relay.proxyProtocol.enabled = true;
            c.relay.proxyProtocol.trustedSources = List.of("127.0.0.2/32", "fd00:1b::/32");
        });
        port = node.relayAddress().getPort();
        capture.start();
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("beacon.relay")).addAppender(capture);
        // The bridge dials directly from outside the trusted ranges: served as without PROXY protocol.
        control = bridgeConnection();
        FrameCodec.write(control.getOutputStream(), Frame.of(FrameType.REGISTER).put("versions", List.of(1)));
        assertEquals(FrameType.REGISTERED, FrameCodec.read(control.getInputStream(), 65536).type());
    }

    @AfterAll
    static void stop() throws Exception {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("beacon.relay")).detachAppender(capture);
        control.close();
        node.close();
    }

    static BeaconNode node(TlsFiles files, Consumer<BeaconConfig> tweak) throws InterruptedException {
        BeaconConfig bc = new BeaconConfig();
        bc.relay.host = "127.0.0.1";
        bc.relay.port = 0;
        bc.admin.host = "127.0.0.1";
        bc.admin.port = 0;
        bc.tls.cert = files.cert().toString();
        bc.tls.key = files.key().toString();
        bc.tls.ca = files.ca().toString();
        bc.tls.reloadInterval = Duration.ofHours(1);
        bc.limits.handshakeTimeout = HANDSHAKE_TIMEOUT;
        bc.limits.connectionsPerSecondPerSource = PER_SOURCE;
        bc.bridges.heartbeatInterval = Duration.ofHours(1); // the test's bridge sends no heartbeats
        tweak.accept(bc);
        bc.validate();
        return new BeaconNode(bc).start();
    }

    // ---- what a client behind the balancer gets ----

    @Test
    void aTrustedBalancersHeaderNamesTheClientForTheWholeStream() throws Exception {
        assertEquals("203.0.113.7", streamVia(BALANCER, header(0x21, 0x11, tcp4("203.0.113.7", 40001), new byte[0])),
                "the bridge is told the client's address, not the balancer's");
        assertTrue(metric("beacon_proxy_headers_accepted_total", "command", "proxy") >= 1);
        assertEquals(ELSEWHERE, streamVia(ELSEWHERE, null), "a direct client (outside the trusted ranges) still works");
    }

    @Test
    void anIpv6ClientIsNamedByItsIpv6AddressEvenWhenTheHeaderArrivesInPieces() throws Exception {
        byte[] h = header(0x21, 0x21, tcp6("2001:db8::7", 4242), tlv(0xE0, 64)); // TLVs within the cap are fine
        assertEquals("2001:db8:0:0:0:0:0:7", streamVia(BALANCER, h, 5, 17), "the header split in three writes");
    }

    @Test
    void aHeaderWithTlvsUpToTheCapIsAccepted() throws Exception {
        byte[] h = header(0x21, 0x11, tcp4("203.0.113.8", 1), tlv(0xE0, ProxyHeader.MAX_TLV_BYTES - 3));
        assertEquals("203.0.113.8", streamVia(BALANCER, h));
    }

    @Test
    void aLocalHeaderFromTheBalancersHealthCheckKeepsTheBalancerAsTheClient() throws Exception {
        assertEquals(BALANCER, streamVia(BALANCER, header(0x20, 0x00, new byte[0], new byte[0])));
        assertTrue(metric("beacon_proxy_headers_accepted_total", "command", "local") >= 1);
    }

    @Test
    void aFloodFromOneClientBehindTheBalancerIsLimitedWhileAnotherClientThroughItIsNot() throws Exception {
        double before = metric("beacon_handshake_failures_total", "reason", "rate_limited");
        List<Socket> flood = new ArrayList<>();
        try {
            for (int i = 0; i < PER_SOURCE * 4; i++) {
                Socket s = socket(BALANCER);
                flood.add(s);
                s.getOutputStream().write(concat(header(0x21, 0x11, tcp4("198.51.100.1", 1000 + i), new byte[0]), new byte[] {0x16}));
            }
            // Burst is twice the rate: of 80 connections in well under a second, at least 30 are over it.
            Await.until("the flood is limited", Duration.ofSeconds(10),
                    () -> metric("beacon_handshake_failures_total", "reason", "rate_limited") - before >= PER_SOURCE * 4 - PER_SOURCE * 2 - 10);
            assertTrue(log.stream().anyMatch(l -> l.startsWith("refused source=198.51.100.1 reason=rate_limited")), String.join("\n", log));
            assertTrue(log.stream().noneMatch(l -> l.contains("source=" + BALANCER + " reason=rate_limited")), "the balancer itself is not limited");
            assertEquals("198.51.100.2", streamVia(BALANCER, header(0x21, 0x11, tcp4("198.51.100.2", 5), new byte[0])),
                    "another client through the same balancer is served");
        } finally {
            for (Socket s : flood) s.close();
        }
    }

    @Test
    void aClientsHandshakeRefusalIsLoggedWithTheHeadersAddress() throws Exception {
        try (Socket raw = socket(BALANCER)) {
            raw.getOutputStream().write(header(0x21, 0x11, tcp4("203.0.113.77", 7777), new byte[0]));
            // A wrapper certificate from another CA: the handshake fails, and the log names the client.
            assertThrows(IOException.class, () -> tls(raw, pki.foreignWrapper(TENANT, "stranger")).getInputStream().read());
        }
        awaitLog("handshake failed source=203.0.113.77:7777 reason=");
    }

    // ---- what is refused ----

    @Test
    void aHeaderFromOutsideTheTrustedRangesIsRefusedAsSpoofed() throws Exception {
        double before = metric("beacon_handshake_failures_total", "reason", "proxy_spoofed");
        try (Socket s = socket(ELSEWHERE)) {
            s.getOutputStream().write(header(0x21, 0x11, tcp4("10.9.9.9", 1), new byte[0]));
            assertClosed(s);
        }
        String line = awaitLog("refused proxy header peer=" + ELSEWHERE + ":");
        assertTrue(line.contains("reason=spoofed") && line.contains("trustedSources"), line);
        assertEquals(before + 1, metric("beacon_handshake_failures_total", "reason", "proxy_spoofed"));
        assertTrue(log.stream().noneMatch(l -> l.contains("10.9.9.9")), "the claimed address is believed nowhere");
    }

    @Test
    void aTrustedPeerWithoutAHeaderIsRefused() throws Exception {
        try (Socket raw = socket(BALANCER)) {
            assertThrows(IOException.class, () -> tls(raw, pki.wrapper(TENANT, "inside")));
        }
        assertTrue(awaitReason("no_header").contains("a TLS hello without a PROXY header first"));
    }

    @Test
    void aV1TextHeaderIsRefusedWithAClearReason() throws Exception {
        try (Socket s = socket(BALANCER)) {
            s.getOutputStream().write("PROXY TCP4 203.0.113.9 127.0.0.1 40000 8443\r\n".getBytes(US_ASCII));
            assertClosed(s);
        }
        assertTrue(awaitReason("v1").contains("only v2 (binary) is accepted"));
    }

    @Test
    void anOversizedHeaderIsRefusedFromItsLengthAlone() throws Exception {
        byte[] big = header(0x21, 0x11, tcp4("203.0.113.10", 1), tlv(0xE0, 1000));
        try (Socket s = socket(BALANCER)) {
            s.getOutputStream().write(Arrays.copyOf(big, 16)); // the rest never comes: the declared length is enough
            assertClosed(s);
        }
        assertTrue(awaitReason("oversized").contains("declares " + big.length + " bytes"));
    }

    @Test
    void aHeaderCutShortByACloseIsRefusedAsTruncated() throws Exception {
        try (Socket s = socket(BALANCER)) {
            s.getOutputStream().write(Arrays.copyOf(header(0x21, 0x11, tcp4("203.0.113.11", 1), new byte[0]), 20));
            s.shutdownOutput();
            assertClosed(s);
        }
        assertTrue(awaitReason("truncated").contains("closed after 20 bytes"));
    }

    @Test
    void aHeaderThatStallsIsClosedByTheHandshakeTimeout() throws Exception {
        long t0 = System.nanoTime();
        try (Socket s = socket(BALANCER)) {
            s.getOutputStream().write(Arrays.copyOf(header(0x21, 0x11, tcp4("203.0.113.12", 1), new byte[0]), 20));
            s.setSoTimeout((int) HANDSHAKE_TIMEOUT.toMillis() * 4);
            assertClosed(s);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= HANDSHAKE_TIMEOUT.toMillis() - 100, "held until the handshake timeout, not less: " + ms + " ms");
        assertTrue(awaitReason("timeout").contains("(20 bytes received)"));
    }

    @Test
    void aMalformedHeaderIsRefusedByNettysDecoder() throws Exception {
        byte[] h = header(0x21, 0x11, tcp4("203.0.113.13", 1), new byte[0]);
        h[12] = 0x31; // version 3
        try (Socket s = socket(BALANCER)) {
            s.getOutputStream().write(h);
            assertClosed(s);
        }
        awaitReason("bad_header");
        byte[] udp = header(0x21, 0x12, tcp4("203.0.113.14", 1), new byte[0]); // UDP over IPv4: nothing the relay carries
        try (Socket s = socket(BALANCER)) {
            s.getOutputStream().write(udp);
            assertClosed(s);
        }
        awaitLog("a PROXY header for UDP4");
    }

    @Test
    void withProxyProtocolOffADirectClientWorksAndAHeaderIsJustABadHello() throws Exception {
        try (BeaconNode off = node(pki.node("n2"), c -> { })) {
            int before = port;
            port = off.relayAddress().getPort();
            try {
                try (Socket raw = socket(BALANCER); SSLSocket s = tls(raw, pki.wrapper(TENANT, "direct"))) {
                    assertEquals("TLSv1.3", s.getSession().getProtocol(), "a direct client from anywhere is served");
                }
                try (Socket s = socket(BALANCER)) {
                    s.getOutputStream().write(header(0x21, 0x11, tcp4("203.0.113.15", 1), new byte[0]));
                    assertClosed(s);
                }
                Await.until("refused as not TLS", Duration.ofSeconds(5), () -> off.meters().find("beacon_handshake_failures_total")
                        .tags("reason", "not_tls").counter() != null);
                assertTrue(log.stream().noneMatch(l -> l.contains("203.0.113.15")));
            } finally {
                port = before;
            }
        }
    }

    // ---- helpers ----

    /** One stream from a wrapper dialling from {@code from}, optionally behind {@code header}: the STREAM source the bridge got. */
    static String streamVia(String from, byte[] header, int... splits) throws Exception {
        try (SSLSocket data = bridgeConnection()) {
            FrameCodec.write(data.getOutputStream(), Frame.of(FrameType.ATTACH).put("versions", List.of(1)));
            try (Socket raw = socket(from)) {
                if (header != null) {
                    OutputStream out = raw.getOutputStream();
                    int at = 0;
                    for (int cut : splits) {
                        out.write(header, at, cut - at);
                        out.flush();
                        at = cut;
                    }
                    out.write(header, at, header.length - at);
                }
                try (SSLSocket w = tls(raw, pki.wrapper(TENANT, "w1"))) {
                    FrameCodec.write(w.getOutputStream(), Frame.of(FrameType.CONNECT).put("versions", List.of(1)).put("bridge", BRIDGE));
                    Frame connected = FrameCodec.read(w.getInputStream(), 65536);
                    assertEquals(FrameType.CONNECTED, connected.type(), connected.body().toString());
                    Frame stream = FrameCodec.read(data.getInputStream(), 65536);
                    assertEquals(FrameType.STREAM, stream.type(), stream.body().toString());
                    w.getOutputStream().write("ping".getBytes(US_ASCII));
                    w.getOutputStream().flush();
                    assertEquals("ping", new String(data.getInputStream().readNBytes(4), US_ASCII));
                    data.getOutputStream().write("pong".getBytes(US_ASCII));
                    data.getOutputStream().flush();
                    assertEquals("pong", new String(w.getInputStream().readNBytes(4), US_ASCII));
                    return stream.text("source");
                }
            }
        }
    }

    static SSLSocket bridgeConnection() throws IOException {
        return tls(socket(ELSEWHERE), pki.bridge(TENANT, BRIDGE));
    }

    static Socket socket(String from) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port, InetAddress.getByName(from), 0);
        s.setSoTimeout(10_000);
        return s;
    }

    static SSLSocket tls(Socket raw, TlsFiles who) throws IOException {
        SSLSocket s = (SSLSocket) JdkTls.context(TlsMaterial.load(who)).getSocketFactory().createSocket(raw, "localhost", port, true);
        s.setUseClientMode(true);
        s.startHandshake();
        return s;
    }

    /** The beacon closed the connection (or reset it) without sending a byte. */
    static void assertClosed(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            assertEquals(-1, in.read(), "closed by the beacon");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still open", e);
        } catch (SocketException e) {
            // reset: closed too
        }
    }

    static byte[] header(int versionCommand, int family, byte[] addresses, byte[] tlvs) {
        ByteBuffer b = ByteBuffer.allocate(16 + addresses.length + tlvs.length);
        b.put(SIGNATURE).put((byte) versionCommand).put((byte) family).putShort((short) (addresses.length + tlvs.length));
        return b.put(addresses).put(tlvs).array();
    }

    static byte[] tcp4(String source, int sourcePort) throws IOException {
        return ByteBuffer.allocate(12).put(InetAddress.getByName(source).getAddress()).put(InetAddress.getByName("127.0.0.1").getAddress())
                .putShort((short) sourcePort).putShort((short) port).array();
    }

    static byte[] tcp6(String source, int sourcePort) throws IOException {
        return ByteBuffer.allocate(36).put(InetAddress.getByName(source).getAddress()).put(InetAddress.getByName("::1").getAddress())
                .putShort((short) sourcePort).putShort((short) port).array();
    }

    /** One TLV of {@code valueBytes} (3 bytes more on the wire). */
    static byte[] tlv(int type, int valueBytes) {
        ByteBuffer b = ByteBuffer.allocate(3 + valueBytes).put((byte) type).putShort((short) valueBytes);
        while (b.hasRemaining()) b.put((byte) 'x');
        return b.array();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static double metric(String name, String... tags) {
        var c = node.meters().find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    static String awaitLog(String part) {
        Await.until("a log line with " + part, Duration.ofSeconds(10), () -> log.stream().anyMatch(l -> l.contains(part)));
        return log.stream().filter(l -> l.contains(part)).findFirst().orElseThrow();
    }

    /** The refusal line of this reason: it names the balancer (the TCP peer), and the metric counted it. */
    static String awaitReason(String reason) {
        String prefix = "refused proxy header peer=" + BALANCER + ":";
        Await.until("a refusal for " + reason, Duration.ofSeconds(10),
                () -> log.stream().anyMatch(l -> l.startsWith(prefix) && l.contains(" reason=" + reason + " ")));
        String line = log.stream().filter(l -> l.startsWith(prefix) && l.contains(" reason=" + reason + " ")).findFirst().orElseThrow();
        assertTrue(metric("beacon_handshake_failures_total", "reason", "proxy_" + reason) >= 1, reason);
        return line;
    }
}
