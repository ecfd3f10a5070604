package dev.beacon.it;

import static dev.beacon.it.RelayProbe.assertClosed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.beacon.bridge.Bridge;
import dev.beacon.bridge.BridgeConfig;
import dev.beacon.bridge.openbao.sim.OpenBaoSimulator;
import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.Protocol;
import dev.beacon.tls.Identity;
import dev.beacon.tls.JdkTls;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.Clients;
import dev.beacon.tls.testing.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile input, as a table: each row is an input an attacker can send, and the refusal it must get. Throughout, a
 * real wrapper reads a secret through the same node (wrapper -> beacon node process -> bridge -> simulated OpenBao),
 * and after every row it must have gone on reading without a single failure. The node is a real process with the
 * production log configuration, so what its log shows is what an operator's log would show. PROXY protocol is on,
 * believed from 127.0.0.3 only (the rows that play the load balancer); every other row dials as a direct client.
 */
class HostileInputIT {
    /** What a forged log line would start with, were a client's newline written raw. */
    static final String FORGED = "FORGED 2026-01-01T00:00:00.000Z INFO  Relay bridge registered bridge=spiffe://beacon.test/tenant/acme/bridge/x";

    static Path dir;
    static TestPki pki;
    static OpenBaoSimulator bao;
    static NodeProcess node;
    static Bridge bridge;
    static BaoStack.Reader reader;

    /** One row: what is sent, what must come back, and the attack itself (which asserts the refusal). */
    record Row(String input, String refusal, Attack attack) {
        @Override
        public String toString() {
            return input + " -> " + refusal;
        }
    }

    @FunctionalInterface
    interface Attack {
        void run() throws Exception;
    }

    static Stream<Row> table() {
        return Stream.of(
                // ---- before any frame: TLS ----
                new Row("random bytes instead of a TLS ClientHello", "connection closed, handshake failure not_tls counted",
                        HostileInputIT::garbageInsteadOfTls),
                new Row("TLS without a client certificate", "alert certificate_required",
                        () -> assertAlert(trustOnly(), "certificate_required")),
                new Row("client certificate from another CA, sent anyway", "alert unknown_ca",
                        () -> assertAlert(Clients.alwaysPresenting(TlsMaterial.load(pki.foreignWrapper("acme", "mallory"))), "unknown_ca")),
                new Row("expired client certificate", "alert certificate_expired",
                        () -> assertAlert(JdkTls.context(TlsMaterial.load(pki.expiredWrapper("acme", "old"))), "certificate_expired")),
                new Row("certificate with a spiffe:// and a SPIFFE:// URI SAN", "forbidden: no valid identity",
                        HostileInputIT::ambiguousIdentity),
                new Row("slowloris: 3 bytes of a ClientHello, then silence", "closed at limits.handshakeTimeout (1 s here)",
                        HostileInputIT::slowHandshake),
                new Row("TLS handshake, then no frame", "ERROR timeout at limits.handshakeTimeout",
                        HostileInputIT::noFirstFrame),
                // ---- identifiers and the log (first: refusal lines are logged individually only up to a rate) ----
                new Row("CONNECT bridge = \"x\\n<a forged log line>\"", "protocol_error; the node's log shows \\n, no forged line",
                        () -> forgedLogLine(connect("x\n" + FORGED))),
                new Row("CONNECT tenant = \"acme\\r\\n<a forged log line>\"", "protocol_error; no forged line",
                        () -> forgedLogLine(connect(Stack.BRIDGE).put("tenant", "acme\r\n" + FORGED))),
                new Row("FORWARD (node certificate) wrapper = \"spiffe://…\\n<a forged log line>\"", "protocol_error; no forged line",
                        () -> forgedLogLineAs(pki.node("nz"), forward("acme", Stack.BRIDGE, wrapperUri("eve") + "\n" + FORGED))),
                new Row("FORWARD (node certificate) bridge with a newline", "protocol_error; no forged line",
                        () -> forgedLogLineAs(pki.node("nz"), forward("acme", "b\n" + FORGED, wrapperUri("eve")))),
                // ---- the first frame ----
                new Row("wrapper of tenant globex CONNECTs to acme's bridge", "forbidden",
                        () -> assertError(pki.wrapper("globex", "eve"), connect(Stack.BRIDGE).put("tenant", "acme"), ErrorCode.FORBIDDEN)),
                new Row("bridge certificate sends CONNECT", "forbidden (wrong role)",
                        () -> assertError(pki.bridge("acme", "rogue"), connect(Stack.BRIDGE), ErrorCode.FORBIDDEN)),
                new Row("wrapper certificate sends REGISTER", "forbidden (wrong role)",
                        () -> assertError(pki.wrapper("acme", "eve"), Frame.of(FrameType.REGISTER).put("versions", List.of(1)), ErrorCode.FORBIDDEN)),
                new Row("wrapper certificate sends FORWARD", "forbidden (only nodes forward)",
                        () -> assertError(pki.wrapper("acme", "eve"), forward("acme", Stack.BRIDGE, wrapperUri("eve")), ErrorCode.FORBIDDEN)),
                new Row("frame header declaring 1 GiB", "frame_too_large, before any payload",
                        HostileInputIT::oversizedFrame),
                new Row("CONNECT whose payload is not JSON", "protocol_error",
                        () -> assertRawError(pki.wrapper("acme", "eve"), FrameCodec.rawFrame(FrameType.CONNECT.code, "{not json".getBytes(StandardCharsets.UTF_8)),
                                ErrorCode.PROTOCOL_ERROR)),
                new Row("an unknown frame type", "protocol_error",
                        () -> assertRawError(pki.wrapper("acme", "eve"), FrameCodec.rawFrame(0xEE, "{}".getBytes(StandardCharsets.UTF_8)), ErrorCode.PROTOCOL_ERROR)),
                new Row("CONNECT bridge = \"../acme-bridge\" (outside the identifier grammar)", "protocol_error",
                        () -> assertError(pki.wrapper("acme", "eve"), connect("../" + Stack.BRIDGE), ErrorCode.PROTOCOL_ERROR)),
                new Row("CONNECT bridge of 10,000 characters", "protocol_error, value cut in the message",
                        () -> assertError(pki.wrapper("acme", "eve"), connect("b".repeat(10_000)), ErrorCode.PROTOCOL_ERROR)),
                new Row("FORWARD (node certificate) wrapper of another tenant than the frame's", "protocol_error",
                        () -> assertError(pki.node("nz"), forward("acme", Stack.BRIDGE, "spiffe://beacon.test/tenant/globex/wrapper/eve"),
                                ErrorCode.PROTOCOL_ERROR)),
                new Row("FORWARD (node certificate, not a cluster member) with valid fields", "forbidden",
                        () -> assertError(pki.node("nz"), forward("acme", Stack.BRIDGE, wrapperUri("eve")), ErrorCode.FORBIDDEN)),
                // ---- HTTP to the bridge's OpenBao proxy, inside the inner TLS (issue 9, points 1-4) ----
                new Row("request target \"@127.0.0.1:<attacker>/v1/...\" with the token header", "400 from the bridge; that host never contacted; leader kept",
                        () -> targetNamingAnotherHost("@127.0.0.1:%d/v1/secret/data/x")),
                new Row("absolute-form target \"http://127.0.0.1:<attacker>/v1/...\"", "400 from the bridge; that host never contacted",
                        () -> targetNamingAnotherHost("http://127.0.0.1:%d/v1/secret/data/x")),
                new Row("a bare word as the request target", "400 naming the problem, at once",
                        () -> assertProxyAnswers(OpenBaoProxyHostileTest.head("GET", "foo", "Content-Length: 0"), 400)),
                new Row("a path with %2e%2e (dot-segments)", "400",
                        () -> assertProxyAnswers(OpenBaoProxyHostileTest.head("GET", "/v1/secret/%2e%2e/sys/raw", "Content-Length: 0"), 400)),
                new Row("Content-Length: 256 MiB, then 4 KB of body", "413 on the headers alone, connection closed",
                        () -> assertProxyAnswers(OpenBaoProxyHostileTest.head("POST", "/v1/secret/data/big", "Content-Length: " + (256L << 20)), 413)),
                // ---- PROXY protocol v2 (on for 127.0.0.3, the "load balancer"; every other row dials from elsewhere) ----
                new Row("PROXY v2 header from a peer outside relay.proxyProtocol.trustedSources", "closed before TLS, proxy_spoofed counted and logged, never believed",
                        () -> proxyHeaderRefused("127.0.0.1", proxyV2("10.9.9.9", 0), "spoofed")),
                new Row("PROXY v2 header from the balancer declaring 1031 bytes (512 of TLVs allowed)", "closed on the first 16 bytes, proxy_oversized",
                        () -> proxyHeaderRefused(BALANCER, java.util.Arrays.copyOf(proxyV2("203.0.113.1", 1000), 16), "oversized")),
                new Row("PROXY v1 (text) header from the balancer", "closed, proxy_v1: only v2 is accepted",
                        () -> proxyHeaderRefused(BALANCER, "PROXY TCP4 203.0.113.2 127.0.0.1 4000 8443\r\n".getBytes(StandardCharsets.US_ASCII), "v1")),
                new Row("PROXY v2 header from the balancer with version nibble 3", "closed by Netty's decoder, proxy_bad_header",
                        () -> proxyHeaderRefused(BALANCER, withByte(proxyV2("203.0.113.3", 0), 12, 0x31), "bad_header")),
                new Row("20 bytes of a PROXY v2 header from the balancer, then silence", "closed at limits.handshakeTimeout (1 s here), proxy_timeout",
                        () -> proxyHeaderRefused(BALANCER, java.util.Arrays.copyOf(proxyV2("203.0.113.4", 0), 20), "timeout")),
                new Row("a TLS hello from the balancer without a PROXY header", "closed, proxy_no_header",
                        () -> proxyHeaderRefused(BALANCER, new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xF0, 0x01, 0, 0, (byte) 0xEC, 0x03, 0x03, 0}, "no_header")),
                // ---- resource caps (issue 9, point 6) ----
                new Row("9 REGISTERs with the bridge's own certificate (a rogue replica)", "beyond 8 control connections per identity: overloaded",
                        HostileInputIT::rogueReplica),
                // ---- floods last: they are meant to trip limits ----
                new Row("handshake flood: 600 connections at once from one source", "past a burst of 200 and 100/s: closed at accept, rate_limited counted",
                        HostileInputIT::handshakeFlood),
                new Row("cluster port: 40 half-open TCP connections from one source", "beyond 32 closed at accept, the rest at the 3 s handshake timeout",
                        HostileInputIT::clusterPortHalfOpen));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void isRefusedWhileAWrapperKeepsReadingSecrets(Row row) throws Exception {
        row.attack().run();
    }

    @AfterEach
    void theBystanderWasNeverDisturbed() {
        reader.awaitMore(3);
        assertEquals(List.of(), reader.failures, () -> "a real wrapper reading a secret through the same node failed; the node's log ends:\n"
                + node.log());
    }

    // ---- the attacks ----

    static void garbageInsteadOfTls() throws Exception {
        double before = Math.max(0, metric("beacon_handshake_failures_total{reason=\"not_tls\""));
        try (Socket s = new Socket("127.0.0.1", node.relayPort)) {
            s.setSoTimeout(5000);
            byte[] junk = new byte[2048];
            new Random(1).nextBytes(junk);
            junk[0] = 'G';
            s.getOutputStream().write(junk);
            assertClosed(s.getInputStream());
        }
        Await.until("not_tls counted", Duration.ofSeconds(5),
                () -> metric("beacon_handshake_failures_total{reason=\"not_tls\"") > before);
    }

    /** The TCP peer whose PROXY headers the node believes (relay.proxyProtocol.trustedSources). */
    static final String BALANCER = "127.0.0.3";

    /** From {@code from}, sends {@code bytes}; the node closes within 5 s, counts proxy_{@code reason} and logs the TCP peer. */
    static void proxyHeaderRefused(String from, byte[] bytes, String reason) throws Exception {
        String series = "beacon_handshake_failures_total{reason=\"proxy_" + reason + "\"";
        double before = metric(series);
        long linesBefore = logLines().size();
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(new InetSocketAddress("127.0.0.1", node.relayPort), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(bytes);
            assertClosed(s.getInputStream());
        }
        Await.until("proxy_" + reason + " counted", Duration.ofSeconds(5), () -> metric(series) > before);
        Await.until("the refusal is in the node's log", Duration.ofSeconds(5), () -> logLines().stream().skip(linesBefore)
                .anyMatch(l -> l.contains("refused proxy header peer=" + from + ":") && l.contains("reason=" + reason + " ")));
        assertTrue(logLines().stream().noneMatch(l -> l.contains("source=203.0.113.") || l.contains("10.9.9.9")),
                "no address from a refused header is believed anywhere");
    }

    /** A PROXY v2 header (PROXY command, TCP over IPv4) naming {@code source}, with one TLV of {@code tlvBytes} value bytes. */
    static byte[] proxyV2(String source, int tlvBytes) throws IOException {
        int tlv = tlvBytes > 0 ? 3 + tlvBytes : 0;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + 12 + tlv)
                .put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11})
                .putShort((short) (12 + tlv)).put(InetAddress.getByName(source).getAddress()).put(new byte[] {127, 0, 0, 1})
                .putShort((short) 40000).putShort((short) node.relayPort);
        if (tlv > 0) b.put((byte) 0xE0).putShort((short) tlvBytes);
        return b.array();
    }

    static byte[] withByte(byte[] bytes, int at, int value) {
        bytes[at] = (byte) value;
        return bytes;
    }

    static void ambiguousIdentity() throws Exception {
        Identity id = Identity.wrapper(TestPki.TRUST_DOMAIN, "acme", "twofaced");
        TlsFiles f = pki.issue(pki.beaconCa, "twofaced", id, r -> r.uri("SPIFFE://beacon.test/tenant/acme/bridge/acme-bridge"));
        Frame err = exchange(f, connect(Stack.BRIDGE));
        assertErrorFrame(err, ErrorCode.FORBIDDEN);
        assertTrue(err.text("message").contains("no valid spiffe:// identity"), err.toString());
    }

    static void slowHandshake() throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.relayPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01}); // a TLS record header, cut short
            long t0 = System.nanoTime();
            assertClosed(s.getInputStream());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 5_000, "held for " + ms + " ms with a 1 s handshake timeout");
        }
    }

    static void noFirstFrame() throws Exception {
        try (SSLSocket s = outer(pki.wrapper("acme", "silent"))) {
            Frame f = FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES);
            assertErrorFrame(f, ErrorCode.TIMEOUT);
            assertClosed(s.getInputStream());
        }
    }

    static void handshakeFlood() throws Exception {
        String series = "beacon_handshake_failures_total{reason=\"rate_limited\"";
        double before = Math.max(0, metric(series));
        // from 127.0.0.2: the per-source limit is per address, and the bystander dials from 127.0.0.1
        InetAddress flooder = InetAddress.getByName("127.0.0.2");
        Socket[] sockets = new Socket[600];
        try {
            for (int i = 0; i < sockets.length; i++) {
                sockets[i] = new Socket();
                sockets[i].bind(new InetSocketAddress(flooder, 0));
                sockets[i].connect(new InetSocketAddress("127.0.0.1", node.relayPort), 2000);
            }
            Await.until("rate-limited connections counted", Duration.ofSeconds(10), () -> metric(series) - before >= 150);
        } finally {
            for (Socket s : sockets) if (s != null) s.close();
        }
    }

    static void rogueReplica() throws Exception {
        List<SSLSocket> rogue = new java.util.ArrayList<>();
        try {
            Frame refused = null;
            for (int i = 0; i < 9 && refused == null; i++) {
                SSLSocket s = outer(pki.bridge("acme", Stack.BRIDGE));
                rogue.add(s);
                FrameCodec.write(s.getOutputStream(), Frame.of(FrameType.REGISTER).put("versions", List.of(1)));
                Frame f = FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES);
                if (f.type() == FrameType.ERROR) refused = f;
                else assertEquals(FrameType.REGISTERED, f.type(), f.toString());
            }
            assertNotNull(refused, "9 more control connections of one bridge identity were all accepted");
            assertErrorFrame(refused, ErrorCode.OVERLOADED);
            // the real bridge's one and the rogue's accepted ones: never more than the cap
            assertTrue(rogue.size() - 1 + 1 <= 8, "accepted " + (rogue.size() - 1) + " next to the real bridge");
        } finally {
            for (SSLSocket s : rogue) s.close();
        }
    }

    static void clusterPortHalfOpen() throws Exception {
        InetAddress source = InetAddress.getByName("127.0.0.2");
        Socket[] sockets = new Socket[40];
        try {
            for (int i = 0; i < sockets.length; i++) {
                sockets[i] = new Socket();
                sockets[i].bind(new InetSocketAddress(source, 0));
                sockets[i].connect(new InetSocketAddress("127.0.0.1", node.gossipPort), 2000);
                sockets[i].setSoTimeout(10_000);
            }
            long t0 = System.nanoTime();
            int closed = 0;
            for (Socket s : sockets) {
                assertClosed(s.getInputStream());
                closed++;
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(40, closed);
            assertTrue(ms < 8_000, "half-open cluster connections held " + ms + " ms with a 3 s handshake timeout");
            assertTrue(metric("beacon_cluster_connections_refused_total{reason=\"pending_handshakes_per_source\"") >= 8,
                    "connections beyond the per-source cap counted");
        } finally {
            for (Socket s : sockets) if (s != null) s.close();
        }
        assertEquals(200, node.status("/readyz"), "the node stays ready");
    }

    static void oversizedFrame() throws Exception {
        try (SSLSocket s = outer(pki.wrapper("acme", "big"))) {
            s.getOutputStream().write(new byte[] {(byte) FrameType.CONNECT.code, 0x40, 0, 0, 0});
            s.getOutputStream().flush();
            assertErrorFrame(FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES), ErrorCode.FRAME_TOO_LARGE);
            assertClosed(s.getInputStream());
        }
    }

    static void forgedLogLine(Frame f) throws Exception {
        forgedLogLineAs(pki.wrapper("acme", "forger"), f);
    }

    /** The frame is refused, the refusal is logged with the newline escaped, and no line of the node's log is forged. */
    static void forgedLogLineAs(TlsFiles who, Frame f) throws Exception {
        long linesBefore = logLines().size();
        assertErrorFrame(exchange(who, f), ErrorCode.PROTOCOL_ERROR);
        Await.until("the refusal is in the node's log", Duration.ofSeconds(5),
                () -> logLines().stream().skip(linesBefore).anyMatch(l -> l.contains("\\n" + FORGED)));
        for (String line : logLines()) {
            assertTrue(!line.startsWith("FORGED"), "a client started a log line of its own: " + line);
        }
    }

    /** The target names another host: the wrapper gets the bridge's 400, the host sees nothing, the leader stays. */
    static void targetNamingAnotherHost(String targetFormat) throws Exception {
        double changes = bridge.meters().get("bridge_openbao_leader_changes_total").counter().count();
        try (OpenBaoProxyHostileTest.Attacker attacker = new OpenBaoProxyHostileTest.Attacker()) {
            String target = String.format(targetFormat, attacker.port());
            assertProxyAnswers(OpenBaoProxyHostileTest.head("GET", target, "Content-Length: 0"), 400);
            assertEquals(0, attacker.connections.get(), "the host named in the request target was contacted");
        }
        assertEquals(changes, bridge.meters().get("bridge_openbao_leader_changes_total").counter().count(), "the leader was demoted");
        assertTrue(bridge.ready(), "the bridge still knows the OpenBao leader");
    }

    /** Sends {@code head} (and 4 KB that may or may not be read) on a wrapper stream; the proxy must answer {@code status} within 5 s. */
    static void assertProxyAnswers(byte[] head, int status) throws Exception {
        try (dev.beacon.wrapper.WrapperStream st = Stack.wrapperOf(pki, node.relay(), "prober", Duration.ofSeconds(5)).open(Stack.BRIDGE)) {
            st.innerSocket().setSoTimeout(5000);
            st.out().write(head);
            try {
                st.out().write(new byte[4096]);
                st.out().flush();
            } catch (IOException closedAlready) {
                // refused on the headers alone and closed: the answer is still there to read
            }
            dev.beacon.wrapper.HttpExchange.Response r = OpenBaoProxyHostileTest.read(st.in(), new String(head, StandardCharsets.ISO_8859_1).lines().findFirst().orElse(""));
            assertEquals(status, r.status(), r.bodyText());
            assertTrue(r.bodyText().startsWith("{\"errors\":[\"bridge: "), "the bridge's own answer, in OpenBao's error shape: " + r.bodyText());
        }
    }

    // ---- helpers ----

    static Frame connect(String bridgeId) {
        return Frame.of(FrameType.CONNECT).put("versions", List.of(1)).put("bridge", bridgeId);
    }

    static Frame forward(String tenant, String bridgeId, String wrapper) {
        return Frame.of(FrameType.FORWARD).put("versions", List.of(1)).put("trust_domain", TestPki.TRUST_DOMAIN)
                .put("tenant", tenant).put("bridge", bridgeId).put("wrapper", wrapper).put("source", "127.0.0.1");
    }

    static String wrapperUri(String name) {
        return Identity.wrapper(TestPki.TRUST_DOMAIN, "acme", name).uri();
    }

    /** A series from the node's /metrics, 0 when absent or unreadable. */
    static double metric(String series) {
        try {
            return Math.max(0, node.metric(series));
        } catch (Exception e) {
            return 0;
        }
    }

    static List<String> logLines() {
        try {
            return Files.readAllLines(node.dir.resolve(node.id + ".log"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client that checks the beacon's certificate and has none of its own. */
    static SSLContext trustOnly() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(null, JdkTls.trust(dev.beacon.tls.Pem.certificates(pki.node("n1").ca())).getTrustManagers(), null);
        return ctx;
    }

    static void assertError(TlsFiles who, Frame first, ErrorCode code) throws Exception {
        assertErrorFrame(exchange(who, first), code);
    }

    static void assertRawError(TlsFiles who, byte[] raw, ErrorCode code) throws Exception {
        try (SSLSocket s = outer(who)) {
            s.getOutputStream().write(raw);
            s.getOutputStream().flush();
            assertErrorFrame(FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES), code);
            assertClosed(s.getInputStream());
        }
    }

    static Frame exchange(TlsFiles who, Frame first) throws Exception {
        return RelayProbe.exchange(who, node.relayPort, first);
    }

    static SSLSocket outer(TlsFiles who) throws IOException {
        return RelayProbe.outer(who, node.relayPort);
    }

    /** TLS 1.3: the client's side of the handshake completes first; the server's alert arrives on the first read. */
    static void assertAlert(SSLContext ctx, String alert) throws Exception {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", node.relayPort)) {
            s.setSoTimeout(10_000);
            try {
                s.startHandshake();
                FrameCodec.write(s.getOutputStream(), connect(Stack.BRIDGE));
                int b = s.getInputStream().read();
                fail("no alert; read " + b);
            } catch (IOException e) {
                assertTrue(String.valueOf(e.getMessage()).contains(alert), "expected the " + alert + " alert, got " + e);
            }
        }
    }

    static void assertErrorFrame(Frame f, ErrorCode code) {
        RelayProbe.assertError(f, code);
        assertTrue(f.text("message").length() < 1024, "the refusal's message is bounded: " + f.text("message").length() + " chars");
    }

    // ---- the system under attack ----

    @BeforeAll
    static void up(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        dir = tmp;
        pki = TestPki.create(dir.resolve("pki"));
        OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
        o.tls = pki.node("openbao");
        o.seed = Map.of(BaoStack.SECRET, Map.of("password", "s3cr3t"));
        bao = OpenBaoSimulator.start(o);
        bao.awaitActive(Duration.ofSeconds(10));

        node = new NodeProcess(dir.resolve("nodes"), "n1", pki.node("n1")).with("limits: {handshakeTimeout: 1s}")
                // on, so that every other row (from 127.0.0.1 or .2) also shows a direct client treated as before with it on
                .with("relay: {proxyProtocol: {enabled: true, trustedSources: [\"" + BALANCER + "/32\"]}}");
        node.peers(List.of(node)).start().awaitReady(Duration.ofSeconds(60));

        BridgeConfig c = Stack.bridgeConfig(pki, List.of(node.relay()), "");
        c.openbao.addresses = bao.addresses();
        c.openbao.ca = o.tls.ca().toString();
        c.validate();
        bridge = new Bridge(c).start();
        Await.until("bridge ready", Duration.ofSeconds(30), bridge::ready);
        // paced: each read is a wrapper connection and a new bridge data connection from 127.0.0.1, whose rate is limited too
        reader = new BaoStack.Reader(Stack.wrapperOf(pki, node.relay(), "bystander", Duration.ofSeconds(5)), Duration.ofMillis(50));
        reader.awaitMore(3);
    }

    @AfterAll
    static void down() throws Exception {
        if (reader != null) reader.close();
        if (bridge != null) bridge.close();
        if (node != null) node.close();
        if (bao != null) bao.close();
    }
}
