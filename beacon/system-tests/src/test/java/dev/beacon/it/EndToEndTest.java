package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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

    @Test
    void theBeaconRelaysOnlyCiphertext() throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        stack.node.tap(b -> {
            synchronized (seen) {
                byte[] copy = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), copy);
                seen.write(copy, 0, copy.length);
            }
        });
        String secret = "s.SECRET-TOKEN-7f3a9c-do-not-leak";
        try (WrapperStream s = stack.wrapper("tapped").open(Stack.BRIDGE)) {
            HttpExchange.Response r = HttpExchange.send(s, "POST", "/v1/auth/token/lookup-self",
                    Map.of("X-Vault-Token", secret), secret.getBytes(StandardCharsets.UTF_8));
            assertEquals(200, r.status());
            assertTrue(r.bodyText().contains(secret.replace("\"", "'")), "the upstream did get the plaintext");
        } finally {
            stack.node.tap(null);
        }
        byte[] relayed;
        synchronized (seen) {
            relayed = seen.toByteArray();
        }
        assertTrue(relayed.length > 300, "the tap saw the stream (" + relayed.length + " bytes)");
        String asText = new String(relayed, StandardCharsets.ISO_8859_1);
        assertFalse(asText.contains("SECRET-TOKEN"), "the token must never pass the beacon in plaintext");
        assertFalse(asText.contains("lookup-self"), "the request path must never pass the beacon in plaintext");
        assertEquals(0x16, relayed[0], "the stream starts with a TLS handshake record (the inner ClientHello)");
        assertEquals(0x03, relayed[1], "TLS record version major");
    }
}
