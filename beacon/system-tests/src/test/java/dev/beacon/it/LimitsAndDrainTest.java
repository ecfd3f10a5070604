package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.Protocol;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.tls.JdkTls;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Limits a user runs into, and a node drain, each observed from the outside. */
class LimitsAndDrainTest {
    @TempDir
    Path dir;

    @Test
    void streamsPerIdentityAreCapped() throws Exception {
        try (Stack stack = Stack.start(dir, c -> c.limits.maxStreamsPerIdentity = 2)) {
            WrapperClient w = stack.wrapper("greedy");
            List<WrapperStream> open = new ArrayList<>();
            open.add(echo(w.open(Stack.BRIDGE)));
            open.add(echo(w.open(Stack.BRIDGE)));
            ProtocolException e = assertThrows(ProtocolException.class, () -> w.openOnce(stack.beaconAddress(), Stack.BRIDGE));
            assertEquals(ErrorCode.OVERLOADED, e.code);
            assertTrue(e.retryAfterMs > 0, "a retry hint comes with it");
            // another identity is not affected
            try (WrapperStream other = echo(stack.wrapper("modest").open(Stack.BRIDGE))) {
                roundTrip(other, "still fine");
            }
            open.remove(0).close();
            Await.until("the slot is released", Duration.ofSeconds(5), () -> {
                try (WrapperStream s = w.openOnce(stack.beaconAddress(), Stack.BRIDGE)) {
                    return true;
                } catch (IOException | RuntimeException x) {
                    return false;
                }
            });
            open.forEach(WrapperStream::close);
        }
    }

    @Test
    void anIdleStreamIsClosedByTheBeacon() throws Exception {
        try (Stack stack = Stack.start(dir, c -> c.limits.idleTimeout = Duration.ofMillis(600))) {
            WrapperStream s = echo(stack.wrapper("sleepy").open(Stack.BRIDGE));
            long t0 = System.nanoTime();
            // we send nothing more: the beacon closes the stream after the idle timeout
            int r;
            try {
                r = s.in().read();
            } catch (IOException e) {
                r = -1;
            }
            assertEquals(-1, r, "stream closed");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 400 && ms < 10_000, "closed by the idle timeout, after " + ms + " ms");
            s.close();
        }
    }

    @Test
    void connectionRatePerIdentityIsLimited() throws Exception {
        try (Stack stack = Stack.start(dir, c -> c.limits.connectionsPerSecondPerIdentity = 2)) {
            WrapperClient w = stack.wrapper("stormy");
            int refused = 0;
            for (int i = 0; i < 12; i++) {
                try (WrapperStream s = w.openOnce(stack.beaconAddress(), Stack.BRIDGE)) {
                    // accepted
                } catch (ProtocolException e) {
                    assertEquals(ErrorCode.OVERLOADED, e.code);
                    assertTrue(e.getMessage().contains("rate"), e.getMessage());
                    refused++;
                }
            }
            assertTrue(refused > 0, "a burst above 2/s (burst 4) is refused");
            try (WrapperStream s = echo(stack.wrapper("calm").open(Stack.BRIDGE))) {
                roundTrip(s, "other identities unaffected");
            }
        }
    }

    /**
     * A wrapper whose source is over its connection rate is closed before TLS (a reset, as the JDK sees it): that is
     * retryable, nothing was sent. The reference wrapper backs off and gets through instead of failing.
     */
    @Test
    void aWrapperOverItsSourceRateBacksOffAndGetsThrough() throws Exception {
        try (Stack stack = Stack.start(dir, c -> c.limits.connectionsPerSecondPerSource = 5)) {
            WrapperClient w = Stack.wrapperOf(stack.pki, stack.beaconAddress(), "eager", Duration.ofSeconds(20));
            double before = stack.metric("beacon_handshake_failures_total", "reason", "rate_limited");
            for (int i = 0; i < 16; i++) {
                try (WrapperStream s = echo(w.open(Stack.BRIDGE))) {
                    roundTrip(s, "stream " + i);
                }
            }
            assertTrue(stack.metric("beacon_handshake_failures_total", "reason", "rate_limited") > before,
                    "the wrapper did run into the per-source rate (else this test proves nothing)");
        }
    }

    @Test
    void connectionRatePerSourceIsLimitedBeforeTls() throws Exception {
        try (Stack stack = Stack.start(dir, c -> c.limits.connectionsPerSecondPerSource = 5)) {
            // Another loopback address stands in for another client host, so the bridge (127.0.0.1) is unaffected.
            java.net.InetAddress flood = java.net.InetAddress.getByName("127.0.0.2");
            List<java.net.Socket> burst = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                java.net.Socket raw = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(),
                        stack.node.relayAddress().getPort(), flood, 0);
                raw.getOutputStream().write(0x16); // the start of a ClientHello, then nothing
                burst.add(raw);
            }
            int closedAtOnce = 0;
            for (java.net.Socket raw : burst) {
                raw.setSoTimeout(300); // accepted ones sit in their handshake; refused ones are closed already
                try (raw) {
                    if (raw.getInputStream().read() < 0) closedAtOnce++;
                } catch (java.net.SocketTimeoutException e) {
                    // accepted, still handshaking
                } catch (java.net.SocketException e) {
                    closedAtOnce++; // reset
                }
            }
            assertTrue(closedAtOnce >= 15, "most of a 30-connection burst above 5/s (burst 10) is closed: " + closedAtOnce);
            assertTrue(stack.metric("beacon_handshake_failures_total", "reason", "rate_limited") >= 15);
            try (WrapperStream s = echo(stack.wrapper("neighbour").open(Stack.BRIDGE))) {
                roundTrip(s, "clients from other sources unaffected");
            }
        }
    }

    @Test
    void controlConnectionsPerBridgeAreCapped() throws Exception {
        try (Stack stack = Stack.start(dir)) {
            int max = 8; // the default limits.maxControlConnectionsPerBridge
            // The real bridge holds one control connection; a rogue replica with the same identity opens the rest.
            List<javax.net.ssl.SSLSocket> rogue = new ArrayList<>();
            try {
                for (int i = 1; i < max; i++) {
                    javax.net.ssl.SSLSocket s = bridgeConnection(stack);
                    rogue.add(s);
                    FrameCodec.write(s.getOutputStream(), Frame.of(FrameType.REGISTER).put("versions", List.of(1)));
                    assertEquals(FrameType.REGISTERED, FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES).type());
                }
                try (javax.net.ssl.SSLSocket extra = bridgeConnection(stack)) {
                    FrameCodec.write(extra.getOutputStream(), Frame.of(FrameType.REGISTER).put("versions", List.of(1)));
                    Frame f = FrameCodec.read(extra.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES);
                    assertEquals(FrameType.ERROR, f.type(), f.toString());
                    assertEquals(ErrorCode.OVERLOADED.wire(), f.text("code"), f.toString());
                    assertTrue(f.number("retry_after_ms", 0) > 0, "a retry hint comes with it: " + f);
                    assertTrue(f.text("message").contains("maxControlConnectionsPerBridge"), f.text("message"));
                    assertEquals(-1, extra.getInputStream().read(), "then the connection is closed");
                }
                assertEquals(1.0, stack.metric("beacon_bridge_registrations_refused_total", "reason", "control_connections_per_bridge"));
                for (javax.net.ssl.SSLSocket s : rogue) { // the ones within the cap stay registered
                    FrameCodec.write(s.getOutputStream(), Frame.of(FrameType.PING).put("seq", 7));
                    Frame pong = FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES);
                    assertEquals(FrameType.PONG, pong.type(), pong.toString());
                }
                try (WrapperStream s = echo(stack.wrapper("paired").open(Stack.BRIDGE))) {
                    roundTrip(s, "a real stream still pairs with the real bridge");
                }
            } finally {
                for (javax.net.ssl.SSLSocket s : rogue) s.close();
            }
        }
    }

    private static javax.net.ssl.SSLSocket bridgeConnection(Stack stack) throws IOException {
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) JdkTls.context(TlsMaterial.load(stack.pki.bridge(Stack.TENANT, Stack.BRIDGE)))
                .getSocketFactory().createSocket("127.0.0.1", stack.node.relayAddress().getPort());
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    @Test
    void aFloodOfRefusalsIsCountedInFullButLoggedInBrief() throws Exception {
        try (Stack stack = Stack.start(dir, c -> {
            c.limits.refusalLogInterval = Duration.ofSeconds(1);
            c.limits.refusalsLoggedPerInterval = 5;
        })) {
            ch.qos.logback.classic.Logger relayLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("beacon.relay");
            List<ch.qos.logback.classic.spi.ILoggingEvent> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
            ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> capture = new ch.qos.logback.core.AppenderBase<>() {
                @Override
                protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
                    lines.add(e);
                }
            };
            capture.start();
            relayLog.addAppender(capture);
            try {
                double before = handshakeFailures(stack);
                int flood = 500;
                // From another loopback address, so the bridge (127.0.0.1) keeps its own rate budget.
                java.net.InetAddress from = java.net.InetAddress.getByName("127.0.0.2");
                byte[] junk = new byte[64];
                new java.util.Random(3).nextBytes(junk);
                junk[0] = 'G'; // not a TLS record: refused as not_tls, or before TLS as rate_limited once the bucket is empty
                long t0 = System.nanoTime();
                for (int i = 0; i < flood; i++) {
                    try (java.net.Socket raw = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), stack.node.relayAddress().getPort(), from, 0)) {
                        raw.setSoTimeout(10_000);
                        raw.getOutputStream().write(junk);
                        while (raw.getInputStream().read() >= 0) {
                            // the beacon sends nothing and closes
                        }
                    } catch (java.net.SocketException e) {
                        // a reset is a close too
                    }
                }
                Await.until("every refusal counted", Duration.ofSeconds(10), () -> handshakeFailures(stack) - before >= flood);
                assertEquals(flood, handshakeFailures(stack) - before, 0.0);
                // Each refusal is either logged on its own line or summed up in an interval's summary line.
                Await.until("every refusal logged or summed up", Duration.ofSeconds(10), () -> individually(lines) + summed(lines) == flood);
                long intervals = (System.nanoTime() - t0) / 1_000_000_000L + 2;
                // per 1 s interval: 5 lines for each kind (not_tls, rate_limited, maybe a close during the handshake) and 1 summary
                long bound = intervals * (4 * 5 + 1);
                long logged = individually(lines);
                assertTrue(logged < bound && lines.size() <= bound, "at most the first few refusals of each kind per interval are logged one by one: "
                        + logged + " of " + flood + " refusals, " + lines.size() + " lines in " + intervals + " intervals, bound " + bound);
                assertEquals(flood - logged, stack.metric("beacon_refusals_not_logged_total"), 0.0);
            } finally {
                relayLog.detachAppender(capture);
            }
        }
    }

    private static long individually(List<ch.qos.logback.classic.spi.ILoggingEvent> events) {
        return events.stream().filter(e -> e.getFormattedMessage().contains("source=127.0.0.2")).count();
    }

    /** The counts in "refused 2,345 more connections in the last 10 s: ..." lines. */
    private static long summed(List<ch.qos.logback.classic.spi.ILoggingEvent> events) {
        long n = 0;
        for (ch.qos.logback.classic.spi.ILoggingEvent e : events) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^refused ([0-9,]+) more connections").matcher(e.getFormattedMessage());
            if (m.find()) n += Long.parseLong(m.group(1).replace(",", ""));
        }
        return n;
    }

    private static double handshakeFailures(Stack stack) {
        return stack.node.meters().find("beacon_handshake_failures_total").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    @Test
    void drainLetsOpenStreamsFinishAndTurnsNewOnesAway() throws Exception {
        try (Stack stack = Stack.start(dir, c -> c.drain.gracePeriod = Duration.ofSeconds(20))) {
            WrapperStream open = echo(stack.wrapper("busy").open(Stack.BRIDGE));
            CompletableFuture<Integer> drained = CompletableFuture.supplyAsync(() -> {
                try {
                    return stack.node.drain();
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            HttpClient http = HttpClient.newHttpClient();
            URI readyz = URI.create("http://127.0.0.1:" + stack.node.adminPort() + "/readyz");
            Await.until("readyz turns 503 while draining", Duration.ofSeconds(10), () -> {
                try {
                    return http.send(HttpRequest.newBuilder(readyz).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 503;
                } catch (IOException | InterruptedException e) {
                    return false;
                }
            });
            Await.until("the bridge was told and let go", Duration.ofSeconds(10), () -> !stack.bridge.ready());
            assertThrows(IOException.class, () -> stack.wrapper("late").openOnce(stack.beaconAddress(), Stack.BRIDGE),
                    "a draining node takes no new streams");
            roundTrip(open, "the open stream still works during the drain");
            assertFalse(drained.isDone(), "the drain waits for the open stream");
            open.close();
            assertEquals(0, drained.get(10, TimeUnit.SECONDS), "no stream was cut");
        }
    }

    private static WrapperStream echo(WrapperStream s) throws IOException {
        s.out().write("ECHO".getBytes(StandardCharsets.US_ASCII));
        s.out().flush();
        assertEquals("ECHO", new String(s.in().readNBytes(4), StandardCharsets.US_ASCII));
        return s;
    }

    private static void roundTrip(WrapperStream s, String text) throws IOException {
        byte[] m = (text + "\n").getBytes(StandardCharsets.US_ASCII);
        s.out().write(m);
        s.out().flush();
        assertEquals(text + "\n", new String(s.in().readNBytes(m.length), StandardCharsets.US_ASCII));
    }
}
