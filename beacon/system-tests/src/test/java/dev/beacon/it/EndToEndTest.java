package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.bridge.Bridge;
import dev.beacon.bridge.BridgeConfig;
import dev.beacon.protocol.FrameType;
import dev.beacon.server.BeaconNode;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wrapper -> beacon -> bridge -> upstream over real sockets and real mTLS, inner TLS end to end. */
class EndToEndTest {
    @TempDir
    static Path dir;
    static Stack stack;

    @BeforeAll
    static void up() throws Exception {
        stack = Stack.start(dir);
    }

    @AfterAll
    static void down() throws Exception {
        stack.close();
    }

    @Test
    void httpRequestAndResponseThroughTheRelay() throws Exception {
        WrapperClient w = stack.wrapper("demo");
        try (WrapperStream s = w.open(Stack.BRIDGE)) {
            HttpExchange.Response r = HttpExchange.send(s, "POST", "/v1/secret/data/app", Map.of(), "{\"k\":1}".getBytes(StandardCharsets.UTF_8));
            assertEquals(200, r.status());
            assertTrue(r.bodyText().contains("hello through the beacon"), r.bodyText());
            assertTrue(r.bodyText().contains("/v1/secret/data/app"), r.bodyText());
            assertTrue(r.bodyText().contains("{'k':1}"), "request body reached the upstream: " + r.bodyText());
            assertEquals("n1", s.node());
        }
        assertTrue(stack.metric("beacon_streams_opened_total") >= 1);
        assertTrue(stack.node.meters().get("beacon_stream_setup_seconds").timer().count() >= 1);
    }

    @Test
    void hundredMegabytesEachWayArriveIntact() throws Exception {
        long n = 100L * 1024 * 1024;
        String id = "e2e-100mb";
        WrapperClient w = stack.wrapper("bulk");
        try (WrapperStream s = w.open(Stack.BRIDGE)) {
            OutputStream out = s.out();
            InputStream in = s.in();
            out.write(("BULK " + n + " " + id + "\n").getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    TestUpstream.writePattern(out, n, k -> { });
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            String got = TestUpstream.digest(in, n);
            sending.get(120, TimeUnit.SECONDS);
            String expected = TestUpstream.expectedDigest(n);
            assertEquals(expected, got, "upstream -> wrapper checksum (100 MiB)");
            dev.beacon.tls.testing.Await.until("upstream hashed 100 MB", java.time.Duration.ofSeconds(60),
                    () -> stack.upstream.received.containsKey(id));
            assertEquals(expected, stack.upstream.received.get(id), "wrapper -> upstream checksum");
        }
    }

    /**
     * What the beacon writes to the bridge, and what it relays back, is the inner TLS only: read in the clear after the
     * outer TLS, as the bridge reads it, by {@link OuterTlsRecorder} between the bridge and the node. The same request
     * carries a token in a header and the body, and the upstream echoes them.
     */
    @Test
    void theBeaconRelaysOnlyCiphertext(@TempDir Path own) throws Exception {
        TestPki pki = TestPki.create(own);
        TlsFiles nodeFiles = pki.node("n1");
        String secret = "s.SECRET-TOKEN-7f3a9c-do-not-leak";
        try (TestUpstream upstream = new TestUpstream();
             BeaconNode node = Stack.startNode(nodeFiles, c -> { });
             OuterTlsRecorder recorder = new OuterTlsRecorder(nodeFiles, pki.bridge(Stack.TENANT, Stack.BRIDGE),
                     node.relayAddress().getPort())) {
            BridgeConfig c = Stack.bridgeConfig(pki, List.of(recorder.address()), upstream.address());
            c.beacon.followMembers = false; // the node advertises its own address: the bridge must only ever dial the recorder
            try (Bridge bridge = new Bridge(c).start()) {
                Await.until("bridge registered through the recorder", Duration.ofSeconds(20), bridge::ready);
                WrapperClient w = Stack.wrapperOf(pki, "localhost:" + node.relayAddress().getPort(), "tapped", Duration.ZERO);
                try (WrapperStream s = w.open(Stack.BRIDGE)) {
                    HttpExchange.Response r = HttpExchange.send(s, "POST", "/v1/auth/token/lookup-self",
                            Map.of("X-Vault-Token", secret), secret.getBytes(StandardCharsets.UTF_8));
                    assertEquals(200, r.status());
                    assertTrue(r.bodyText().contains(secret), "the upstream did get the plaintext, and echoed it: " + r.bodyText());
                }
                Await.until("the stream's data connection ended", Duration.ofSeconds(10),
                        () -> recorder.connections.stream().anyMatch(k -> k.ended() && afterStreamFrame(k.fromBeacon()) != null));
            }
            for (OuterTlsRecorder.Connection k : recorder.connections) {
                for (byte[] seen : List.of(k.fromBeacon(), k.fromBridge())) {
                    String asText = new String(seen, StandardCharsets.ISO_8859_1);
                    assertFalse(asText.contains("SECRET-TOKEN"), "the token must never pass the beacon in plaintext");
                    assertFalse(asText.contains("lookup-self"), "the request path must never pass the beacon in plaintext");
                }
            }
            OuterTlsRecorder.Connection data = recorder.connections.stream()
                    .filter(k -> k.ended() && afterStreamFrame(k.fromBeacon()) != null).findFirst().orElseThrow();
            byte[] relayed = afterStreamFrame(data.fromBeacon());
            String frames = new String(data.fromBeacon(), 0, data.fromBeacon().length - relayed.length, StandardCharsets.ISO_8859_1);
            assertTrue(frames.contains("/wrapper/tapped"), "the recorder reads the beacon's frames in the clear: " + frames);
            assertTrue(relayed.length > 300, "the recorder saw the stream (" + relayed.length + " bytes)");
            assertEquals(0x16, relayed[0], "the stream starts with a TLS handshake record (the inner ClientHello)");
            assertEquals(0x03, relayed[1], "TLS record version major");
            assertTrue(tlsRecords(relayed) >= 3, "wrapper to bridge: TLS records and nothing else");
            byte[] back = data.fromBridge();
            assertEquals(FrameType.ATTACH.code, back[0] & 0xFF, "a data connection starts with ATTACH");
            byte[] answered = Arrays.copyOfRange(back, 5 + frameLength(back, 0), back.length);
            assertTrue(tlsRecords(answered) >= 3, "bridge to wrapper: TLS records and nothing else");
        }
    }

    /** The bytes a data connection carried after the beacon's STREAM frame (the relayed stream), or null before it. */
    private static byte[] afterStreamFrame(byte[] fromBeacon) {
        for (int i = 0; i + 5 <= fromBeacon.length; i += 5 + frameLength(fromBeacon, i)) {
            if ((fromBeacon[i] & 0xFF) == FrameType.STREAM.code) {
                int end = i + 5 + frameLength(fromBeacon, i);
                return end <= fromBeacon.length ? Arrays.copyOfRange(fromBeacon, end, fromBeacon.length) : null;
            }
        }
        return null;
    }

    /** A frame's payload length: type u8, then length u32 big-endian (docs/protocol.md). */
    private static int frameLength(byte[] b, int at) {
        return ByteBuffer.wrap(b, at + 1, 4).getInt();
    }

    /** How many whole TLS records {@code b} is, failing unless it is exactly that (RFC 8446 5.1: type, version, u16 length). */
    private static int tlsRecords(byte[] b) {
        int n = 0;
        int i = 0;
        while (i < b.length) {
            assertTrue(i + 5 <= b.length, "a cut-off record header at " + i);
            int type = b[i] & 0xFF;
            assertTrue(type >= 20 && type <= 23, "TLS content type at " + i + ": " + type);
            assertEquals(0x03, b[i + 1], "TLS record version major at " + i);
            int len = ((b[i + 3] & 0xFF) << 8) | (b[i + 4] & 0xFF);
            assertTrue(len <= 16384 + 256, "TLS record length at " + i + ": " + len);
            i += 5 + len;
            n++;
        }
        assertEquals(b.length, i, "the last record is whole");
        return n;
    }
}
