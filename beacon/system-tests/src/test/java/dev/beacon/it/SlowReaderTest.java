package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.WrapperStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A wrapper that stops reading while the upstream keeps writing: the beacon must not buffer without bound. */
class SlowReaderTest {
    @TempDir
    Path dir;

    @Test
    void aStalledReaderStallsTheWriterAndTheBeaconHoldsLittle() throws Exception {
        long n = 192L * 1024 * 1024; // well above what the kernel buffers of three TCP hops can hold
        String id = "slow";
        try (Stack stack = Stack.start(dir); WrapperStream s = stack.wrapper("slow").open(Stack.BRIDGE)) {
            s.out().write(("BULK " + n + " " + id + "\n").getBytes(StandardCharsets.US_ASCII));
            s.out().flush();
            // The wrapper reads nothing: the upstream's writes stop once back-pressure reaches it.
            long stalledAt = stack.upstream.awaitStalled(id, Duration.ofSeconds(30));
            long buffered = stack.node.bufferedBytes();
            long pool = stack.node.relayDirectMemory();
            System.out.printf("slow reader: upstream stalled after %d KiB of %d MiB; beacon queued %d KiB, relay pool %d KiB%n",
                    stalledAt / 1024, n >> 20, buffered / 1024, pool / 1024);
            assertTrue(stalledAt < n / 2, "the writer was stopped long before finishing (" + stalledAt + " bytes)");
            assertTrue(buffered <= 512 * 1024, "beacon queues at most a few water marks, not the stream: " + buffered);
            assertTrue(pool <= 32L * 1024 * 1024, "relay buffer pool stays small: " + pool);

            // Now read everything: nothing was lost.
            assertEquals(TestUpstream.expectedDigest(n), TestUpstream.digest(s.in(), n), "all 192 MiB arrived intact");
        }
    }

    @Test
    void shuttingDownWithAStalledStreamFreesEveryBuffer() throws Exception {
        // LeakCheck (paranoid) fails this class if a queued buffer is dropped without release on shutdown.
        String id = "stalled-at-shutdown";
        try (Stack stack = Stack.start(dir); WrapperStream s = stack.wrapper("stalled").open(Stack.BRIDGE)) {
            s.out().write(("BULK " + (64L << 20) + " " + id + "\n").getBytes(StandardCharsets.US_ASCII));
            s.out().flush();
            Await.until("bytes queued in the beacon", Duration.ofSeconds(30), () -> stack.node.bufferedBytes() > 0);
        }
    }
}
