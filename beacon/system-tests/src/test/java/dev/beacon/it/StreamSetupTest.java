package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beacon.tls.testing.Await;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many streams one after another: each one gets a warm data connection and the bridge keeps its pool full.
 * Prints the set-up times (outer mTLS + CONNECT/CONNECTED + inner TLS, client side); the benchmark proper is
 * a separate command.
 */
class StreamSetupTest {
    @TempDir
    Path dir;

    @Test
    void threeHundredStreamsInARowAllSucceedAndThePoolStaysWarm() throws Exception {
        // As fast as one client goes: above the default connection rates per identity (50/s) and per source (100/s),
        // which LimitsAndDrainTest covers.
        try (Stack stack = Stack.start(dir, c -> {
            c.limits.connectionsPerSecondPerIdentity = 10_000;
            c.limits.connectionsPerSecondPerSource = 10_000;
        })) {
            WrapperClient w = stack.wrapper("sequential");
            int n = 300;
            long[] setupMicros = new long[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                try (WrapperStream s = w.open(Stack.BRIDGE)) {
                    setupMicros[i] = (System.nanoTime() - t0) / 1000;
                    assertEquals(200, HttpExchange.send(s, "GET", "/v1/sys/health?i=" + i, Map.of(), null).status());
                }
            }
            Await.until("the bridge's pool is refilled", Duration.ofSeconds(10),
                    () -> stack.metric("beacon_bridge_idle_data_connections") >= 4);
            long[] warm = Arrays.copyOfRange(setupMicros, 50, n); // after JIT warm-up
            Arrays.sort(warm);
            var timer = stack.node.meters().get("beacon_stream_setup_seconds").timer();
            System.out.printf("stream setup (client: TCP + outer mTLS + CONNECT + inner TLS), %d streams: p50 %.2f ms, p99 %.2f ms, max %.2f ms;"
                            + " beacon CONNECT->CONNECTED mean %.3f ms%n",
                    warm.length, warm[warm.length / 2] / 1000.0, warm[(int) (warm.length * 0.99)] / 1000.0,
                    warm[warm.length - 1] / 1000.0, timer.mean(java.util.concurrent.TimeUnit.MILLISECONDS));
            assertEquals(n, (long) stack.metric("beacon_streams_opened_total"));
            assertEquals(n, stack.upstream.httpRequests.get());
        }
    }
}
