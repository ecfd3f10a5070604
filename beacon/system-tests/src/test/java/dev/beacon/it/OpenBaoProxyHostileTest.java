package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.beacon.bridge.openbao.OpenBaoConfig;
import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wrapper's hostile or malformed requests (and a malformed answer from OpenBao), through the whole relay: the proxy
 * sends requests only to configured nodes, answers every request, and bounds the memory request bodies take.
 */
class OpenBaoProxyHostileTest {
    /** Every request must be answered within this; the bugs fixed here showed as no answer at all. */
    private static final int ANSWER_MS = 5000;

    @TempDir
    Path dir;

    @Test
    void aTargetNamingAnotherHostIsRefusedAndThatHostIsNeverContacted() throws Exception {
        try (Attacker evil = new Attacker(); BaoStack s = new BaoStack(dir, o -> { }, c -> { })) {
            WrapperClient w = s.wrapper("hostile");
            String hp = "127.0.0.1:" + evil.port();
            for (String target : List.of("@" + hp + "/v1/secret/data/x", "//" + hp + "/v1/secret/data/x",
                    "http://" + hp + "/v1/secret/data/x", "https://" + hp + "/v1/secret/data/x")) {
                HttpExchange.Response r;
                try {
                    r = sendWithin(w, "GET", target);
                } finally {
                    assertEquals(0, evil.connections.get(), "the host named in " + target + " was never contacted");
                }
                assertEquals(400, r.status(), target + " -> " + r.bodyText());
                assertTrue(r.bodyText().startsWith("{\"errors\":[\"bridge: "), r.bodyText());
            }
            assertEquals(200, sendWithin(w, "GET", "/v1/secret/data/" + BaoStack.SECRET).status(), "a good request still works");
        }
    }

    @Test
    void targetsPointingAtAClosedPortDoNotDemoteTheLeaderNorHoldOthers() throws Exception {
        int closed;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = ss.getLocalPort();
        }
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> { })) {
            MeterRegistry m = s.bridge.meters();
            try (BaoStack.Reader reader = new BaoStack.Reader(s.wrapper("good-reader"))) {
                reader.awaitMore(10);
                synchronized (reader.latencyMicros) {
                    reader.latencyMicros.reset(); // warm-up reads do not count
                }
                double changes = m.get("bridge_openbao_leader_changes_total").counter().count();
                long held = m.get("bridge_openbao_held_request_seconds").timer().count();
                WrapperClient w = s.wrapper("hostile");
                List<String> answers = new ArrayList<>();
                for (String target : List.of("@127.0.0.1:" + closed + "/v1/secret/data/x", "http://127.0.0.1:" + closed + "/v1/x",
                        "@127.0.0.1:" + closed + "/v1/sys/health")) {
                    try {
                        answers.add(Integer.toString(sendWithin(w, "GET", target).status()));
                    } catch (AssertionError | IOException e) {
                        answers.add(e.getMessage());
                    }
                }
                reader.awaitMore(10);
                reader.close();
                assertEquals(changes, m.get("bridge_openbao_leader_changes_total").counter().count(), "the leader was never lost");
                assertTrue(s.bridge.ready(), "the leader is still known");
                assertEquals(0.0, m.get("bridge_openbao_nodes").tag("state", "unreachable").gauge().value(), "no node was marked unreachable");
                assertEquals(List.of(), reader.failures);
                assertEquals(held, m.get("bridge_openbao_held_request_seconds").timer().count(), "no request was held or retried");
                assertTrue(reader.maxMillis() < 1000, "the good reader was never held: slowest " + reader.maxMillis() + " ms");
                assertEquals(List.of("400", "400", "400"), answers);
            }
        }
    }

    /**
     * The reference wrapper announces a large body with "Expect: 100-continue", and the bridge answers only after its
     * size checks: a body over the limit gets its 413 before it is sent (without that, the wrapper kept writing into
     * a closed stream and saw a broken pipe, blamed on its certificate), and one within the limit goes through.
     */
    @Test
    void aWrapperSendingABodyOverTheLimitGets413InsteadOfABrokenPipe() throws Exception {
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> { })) {
            WrapperClient w = s.wrapper("uploader");
            String big = "{\"data\":{\"blob\":\"" + "x".repeat(5 << 20) + "\"}}";
            HttpExchange.Response r = BaoStack.send(w, "POST", "/v1/secret/data/app/big", big);
            assertEquals(413, r.status(), r.bodyText());
            assertTrue(r.bodyText().contains("bridge: request body over 4194304 bytes"), r.bodyText());
            String fits = "{\"data\":{\"blob\":\"" + "y".repeat(2 << 20) + "\"}}";
            HttpExchange.Response ok = BaoStack.send(w, "POST", "/v1/secret/data/app/fits", fits);
            assertEquals(200, ok.status(), ok.bodyText());
            assertEquals(1, s.bao.writes("app/fits"));
        }
    }

    @Test
    void aBodyDeclaredOverTheLimitIsRefusedAfterTheHeadersAlone() throws Exception {
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> { })) {
            try (WrapperStream st = s.wrapper("big").open(Stack.BRIDGE)) {
                st.innerSocket().setSoTimeout(ANSWER_MS);
                OutputStream out = st.out();
                out.write(head("POST", "/v1/secret/data/big", "Content-Length: " + (256L << 20)));
                out.write(new byte[4096]); // a few KB of 256 MiB: the answer must not wait for the rest
                out.flush();
                HttpExchange.Response r = read(st.in(), "a 256 MiB upload");
                assertEquals(413, r.status(), r.bodyText());
                assertTrue(r.bodyText().contains("bridge: request body over 4194304 bytes"), r.bodyText());
                assertEquals("close", r.headers().get("connection"), "the rest of the body is not read");
            }
            assertEquals(1.0, outcome(s.bridge.meters(), "too_large"));
            Await.until("no body bytes held", Duration.ofSeconds(5), () -> buffered(s.bridge.meters()) == 0);
        }
        assertEquals(4 * 1024 * 1024, new OpenBaoConfig().maxBodyBytes, "the default limit: a few MiB");
    }

    @Test
    void aChunkedBodyPassingTheLimitIsRefusedWhileTheClientIsStillSending() throws Exception {
        int limit = 64 * 1024;
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> c.openbao.maxBodyBytes = limit)) {
            try (WrapperStream st = s.wrapper("chunky").open(Stack.BRIDGE)) {
                st.innerSocket().setSoTimeout(ANSWER_MS);
                OutputStream out = st.out();
                out.write(head("POST", "/v1/secret/data/big", "Transfer-Encoding: chunked"));
                for (int sent = 0; sent < 2 * limit; sent += 8192) out.write(chunk(8192));
                out.flush(); // twice the limit, and no last chunk: the body is not over, so the answer cannot wait for it
                HttpExchange.Response r = read(st.in(), "a chunked body passing the limit");
                assertEquals(413, r.status(), r.bodyText());
                assertTrue(r.bodyText().contains("bridge: request body over " + limit + " bytes"), r.bodyText());
                assertEquals("close", r.headers().get("connection"));
            }
            Await.until("no body bytes held", Duration.ofSeconds(5), () -> buffered(s.bridge.meters()) == 0);
        }
    }

    @Test
    void uploadsOverTheBufferBudgetGet503AndEveryByteIsReleased() throws Exception {
        int budget = 128 * 1024;
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> {
            c.openbao.maxBodyBytes = 64 * 1024;
            c.openbao.maxBufferedBytes = budget;
        })) {
            MeterRegistry m = s.bridge.meters();
            assertNotNull(m.find("bridge_openbao_buffered_bytes").gauge(), "the gauge is exported");
            AtomicLong peak = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            Thread watch = new Thread(() -> {
                while (!stop.get()) {
                    peak.accumulateAndGet(buffered(m), Math::max);
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000); // a sampling period, not a wait for an event
                }
            }, "buffered-watch");
            watch.start();
            WrapperClient w = s.wrapper("uploader");
            byte[] body = ("{\"data\":{\"v\":\"" + "a".repeat(60_000 - 17) + "\"}}").getBytes(StandardCharsets.UTF_8);
            assertEquals(60_000, body.length);
            List<WrapperStream> held = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) { // two slow uploads: 120000 bytes of the 131072 budget
                    WrapperStream st = w.open(Stack.BRIDGE);
                    held.add(st);
                    st.innerSocket().setSoTimeout(ANSWER_MS);
                    st.out().write(head("POST", "/v1/secret/data/up" + i, "Content-Length: " + body.length));
                    st.out().write(body, 0, 1000);
                    st.out().flush();
                }
                Await.until("both uploads hold their bytes", Duration.ofSeconds(5), () -> buffered(m) == 2L * body.length);
                for (int i = 2; i < 4; i++) { // over the budget: refused at once, retryable
                    try (WrapperStream st = w.open(Stack.BRIDGE)) {
                        st.innerSocket().setSoTimeout(ANSWER_MS);
                        st.out().write(head("POST", "/v1/secret/data/up" + i, "Content-Length: " + body.length));
                        st.out().write(body, 0, 1000);
                        st.out().flush();
                        HttpExchange.Response r = read(st.in(), "an upload over the buffer budget");
                        assertEquals(503, r.status(), r.bodyText());
                        assertTrue(r.bodyText().contains("bridge: busy"), r.bodyText());
                        assertNotNull(r.headers().get("retry-after"), "retryable: " + r.headers());
                    }
                }
                assertEquals(2.0, outcome(m, "busy"));
                for (WrapperStream st : held) { // the first two finish and are served
                    st.out().write(body, 1000, body.length - 1000);
                    st.out().flush();
                    HttpExchange.Response r = read(st.in(), "a finished upload");
                    assertEquals(200, r.status(), r.bodyText());
                }
                Await.until("every byte released after the uploads", Duration.ofSeconds(5), () -> buffered(m) == 0);

                // a chunked upload whose connection drops half-way gives its bytes back too
                try (WrapperStream st = w.open(Stack.BRIDGE)) {
                    st.out().write(head("POST", "/v1/secret/data/dropped", "Transfer-Encoding: chunked"));
                    st.out().write(chunk(30_000));
                    st.out().flush();
                    Await.until("the chunked upload holds its bytes", Duration.ofSeconds(5), () -> buffered(m) == 30_000);
                }
                Await.until("released when the connection closed", Duration.ofSeconds(5), () -> buffered(m) == 0);
            } finally {
                held.forEach(WrapperStream::close);
                stop.set(true);
                watch.join(5000);
            }
            assertTrue(peak.get() <= budget, "held " + peak.get() + " bytes at most, budget " + budget);
            assertTrue(peak.get() >= 2L * body.length, "the watcher saw the uploads: " + peak.get());
        }
    }

    @Test
    void everyMalformedRequestTargetIsAnswered400() throws Exception {
        try (BaoStack s = new BaoStack(dir, o -> { }, c -> { })) {
            WrapperClient w = s.wrapper("sloppy");
            Map<String, String> cases = new LinkedHashMap<>();
            cases.put("foo", "GET"); // a bare word
            cases.put("http://127.0.0.1:8200/v1/sys/health", "GET"); // absolute form
            cases.put("*", "OPTIONS");
            cases.put("/sys/health", "GET"); // not under /v1/
            cases.put("/v1/secret/../sys/health", "GET");
            cases.put("/v1/secret/%2E%2e/sys/health", "GET"); // an encoded dot-segment
            cases.put("/v1/secret/data/a%0Ab", "GET"); // an encoded newline
            cases.put("/v1/secret/data/a\u0001b", "GET"); // a raw control character
            cases.put("/v1/secret/data/a\\b", "GET");
            cases.put("/v1/secret/data/a#b", "GET");
            cases.put("/v1/secret/data/a%zzb", "GET"); // a broken percent-encoding
            for (var e : cases.entrySet()) {
                HttpExchange.Response r = sendWithin(w, e.getValue(), e.getKey());
                assertEquals(400, r.status(), e.getKey() + " -> " + r.bodyText());
            }
            // the bridge's own 400s say what was wrong
            assertTrue(sendWithin(w, "GET", "foo").bodyText().contains("/v1/"));
            assertTrue(sendWithin(w, "GET", "/v1/secret/../sys/health").bodyText().contains("dot-segment"));
            assertEquals(200, sendWithin(w, "GET", "/v1/secret/data/" + BaoStack.SECRET).status(), "a good request still works");
        }
    }

    @Test
    void aMalformedLocationFromOpenBaoIsA502() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            HttpServer bao = vertx.createHttpServer().requestHandler(r -> {
                if (r.path().equals("/v1/sys/health")) {
                    r.response().setStatusCode(200).end("{\"initialized\":true,\"sealed\":false,\"standby\":false}");
                } else {
                    r.response().setStatusCode(307).putHeader("Location", "http://[bad").end();
                }
            }).listen(0, "127.0.0.1").await();
            try (BaoStack s = new BaoStack(dir, o -> { }, c -> c.openbao.addresses = List.of("http://127.0.0.1:" + bao.actualPort()))) {
                HttpExchange.Response r = sendWithin(s.wrapper("redirected"), "GET", "/v1/secret/data/x");
                assertEquals(502, r.status(), r.bodyText());
                assertTrue(r.bodyText().contains("bridge: OpenBao redirected with a malformed Location"), r.bodyText());
                assertEquals(1.0, outcome(s.bridge.meters(), "bad_redirect"));
            }
        } finally {
            vertx.close().await();
        }
    }

    /** One request on a new stream; no answer within {@link #ANSWER_MS} fails the test. */
    private static HttpExchange.Response sendWithin(WrapperClient w, String method, String target) throws Exception {
        try (WrapperStream st = w.open(Stack.BRIDGE)) {
            st.innerSocket().setSoTimeout(ANSWER_MS);
            return HttpExchange.send(st, method, target, Map.of("X-Vault-Token", BaoStack.TOKEN), null);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no answer within " + ANSWER_MS + " ms to " + method + " " + target.replace("\u0001", "\\x01"));
        }
    }

    static byte[] head(String method, String target, String framing) {
        return (method + " " + target + " HTTP/1.1\r\nHost: bridge\r\nX-Vault-Token: " + BaoStack.TOKEN + "\r\n"
                + "Content-Type: application/json\r\n" + framing + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] chunk(int n) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes("x".repeat(n).getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return b.toByteArray();
    }

    /** An HTTP/1.1 response (Content-Length, chunked, or read to the end); a read timeout fails the test. */
    static HttpExchange.Response read(InputStream in, String what) throws IOException {
        try {
            String status = line(in);
            if (status == null) throw new AssertionError("the stream closed without an answer to " + what);
            String[] parts = status.split(" ", 3);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String l; (l = line(in)) != null && !l.isEmpty(); ) {
                int c = l.indexOf(':');
                headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (headers.containsKey("content-length")) {
                body.writeBytes(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            } else if ("chunked".equals(headers.get("transfer-encoding"))) {
                for (int n; (n = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0; line(in)) body.writeBytes(in.readNBytes(n));
                line(in); // no trailers: the empty line after the last chunk
            } else {
                body.writeBytes(in.readAllBytes());
            }
            return new HttpExchange.Response(Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "", headers, body.toByteArray());
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no answer within " + ANSWER_MS + " ms to " + what);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') b.write(c);
        }
        return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    private static long buffered(MeterRegistry m) {
        Gauge g = m.find("bridge_openbao_buffered_bytes").gauge();
        if (g == null) fail("no bridge_openbao_buffered_bytes gauge");
        return (long) g.value();
    }

    private static double outcome(MeterRegistry m, String outcome) {
        Counter c = m.find("bridge_openbao_requests_total").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    /** A loopback server that must never be reached: it counts connections, and would answer 200 to any. */
    static final class Attacker implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();

        Attacker() throws IOException {
            Thread t = new Thread(() -> {
                while (true) {
                    try (Socket s = server.accept()) {
                        connections.incrementAndGet();
                        InputStream in = s.getInputStream();
                        for (String l; (l = line(in)) != null && !l.isEmpty(); ) {
                            // the request head, then the answer
                        }
                        s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 18\r\nConnection: close\r\n\r\n{\"stolen\":\"yes\"}\r\n"
                                .getBytes(StandardCharsets.ISO_8859_1));
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            }, "attacker");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
