package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bridge stopped for an upgrade (SIGTERM: Bridge.close) lets a stream under way finish: it stops taking new streams
 * first, then waits. Closing everything at once cut the stream in flight (UpgradeIT saw it on the bridge's upgrade).
 */
class BridgeDrainTest {
    @TempDir
    Path dir;

    @Test
    void aStreamUnderWayWhenTheBridgeStopsArrivesWholeAndTheBridgeLeavesTheNode() throws Exception {
        // a grace period long enough for a busy machine (the tests' 5 s is there so that a test leaving a stream open
        // ends quickly; production: 20 s): 32 MiB both ways with inner TLS took longer than 5 s in a CI run at load 25,
        // and the drain then cut the stream, which is the grace period working, not the defect this test is about
        try (Stack stack = Stack.startWithBridge(dir, c -> c.drain.gracePeriod = Duration.ofSeconds(60))) {
            long n = 32L * 1024 * 1024; // far more than the socket buffers hold: the upstream waits for the wrapper to read
            WrapperClient w = stack.wrapper("drain");
            try (WrapperStream s = w.open(Stack.BRIDGE)) {
                OutputStream out = s.out();
                InputStream in = s.in();
                out.write(("BULK " + n + " drain\n").getBytes(StandardCharsets.US_ASCII));
                CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                    try {
                        TestUpstream.writePattern(out, n, k -> { });
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                byte[] first = in.readNBytes(1024 * 1024);
                CompletableFuture<Void> stopping = CompletableFuture.runAsync(stack.bridge::close);
                // the drain has begun: the node no longer lists the bridge, while most of the stream is still to come
                Await.until("the node saw the bridge leave", Duration.ofSeconds(10),
                        () -> stack.metric("beacon_bridges_registered") == 0 || stopping.isDone());
                String got = TestUpstream.digest(new SequenceInputStream(new ByteArrayInputStream(first), in), n);
                assertEquals(TestUpstream.expectedDigest(n), got, "upstream -> wrapper, 32 MiB across the bridge's stop");
                sending.get(60, TimeUnit.SECONDS);
                stopping.get(30, TimeUnit.SECONDS);
            }
        }
    }
}
