package dev.beacon.it;

import dev.beacon.bridge.Bridge;
import dev.beacon.bridge.BridgeConfig;
import dev.beacon.bridge.openbao.sim.OpenBaoSimulator;
import dev.beacon.server.BeaconNode;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * wrapper -> beacon -> bridge -> simulated OpenBao HA cluster (3 nodes, https with real certificates), in one JVM
 * on loopback. The simulator is the one stand-in: see bridge/.../openbao/sim.
 */
final class BaoStack implements AutoCloseable {
    static final String SECRET = "app/config";
    static final String TOKEN = "root";

    final TestPki pki;
    final OpenBaoSimulator bao;
    final BeaconNode node;
    final Bridge bridge;

    BaoStack(Path dir, Consumer<OpenBaoSimulator.Options> simTweak, Consumer<BridgeConfig> bridgeTweak) throws Exception {
        pki = TestPki.create(dir);
        OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
        o.tls = pki.node("openbao"); // a server certificate for localhost/127.0.0.1 from the test CA
        o.electionTime = Duration.ofSeconds(2);
        o.seed = Map.of(SECRET, Map.of("password", "s3cr3t"));
        simTweak.accept(o);
        bao = OpenBaoSimulator.start(o);
        bao.awaitActive(Duration.ofSeconds(10));

        node = Stack.startNode(pki.node("n1"), bc -> { });

        BridgeConfig c = Stack.bridgeConfig(pki, List.of("localhost:" + node.relayAddress().getPort()), "");
        c.openbao.addresses = bao.addresses();
        c.openbao.ca = o.tls.ca().toString();
        c.openbao.healthInterval = Duration.ofMillis(500);
        bridgeTweak.accept(c);
        c.validate();
        bridge = new Bridge(c).start();
        Await.until("bridge ready (beacon registered, OpenBao leader known)", Duration.ofSeconds(20), bridge::ready);
    }

    WrapperClient wrapper(String name) {
        return Stack.wrapperOf(pki, "localhost:" + node.relayAddress().getPort(), name, Duration.ofSeconds(5));
    }

    static HttpExchange.Response send(WrapperClient w, String method, String path, String body) throws Exception {
        try (WrapperStream s = w.open(Stack.BRIDGE)) {
            return HttpExchange.send(s, method, path, Map.of("X-Vault-Token", TOKEN),
                    body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Reads the seeded secret in a loop until stopped; counts failures and records latencies (microseconds). */
    static final class Reader implements AutoCloseable {
        final AtomicInteger ok = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final Histogram latencyMicros = new Histogram(3_600_000_000L, 3);
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Reader(WrapperClient w) {
            this(w, Duration.ZERO);
        }

        /** {@code pace}: a pause between reads, for a reader that must stay under the per-source connection rate. */
        Reader(WrapperClient w, Duration pace) {
            thread = new Thread(() -> {
                while (!stop.get()) {
                    if (!pace.isZero()) java.util.concurrent.locks.LockSupport.parkNanos(pace.toNanos());
                    long t0 = System.nanoTime();
                    try {
                        HttpExchange.Response r = send(w, "GET", "/v1/secret/data/" + SECRET, null);
                        if (r.status() == 200 && r.bodyText().contains("s3cr3t")) ok.incrementAndGet();
                        else failures.add("HTTP " + r.status() + " " + r.bodyText());
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                    synchronized (latencyMicros) {
                        latencyMicros.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                    }
                }
            }, "reader");
            thread.start();
        }

        void awaitMore(int n) {
            int target = ok.get() + n;
            Await.until(n + " more successful reads", Duration.ofSeconds(60), () -> ok.get() >= target || !failures.isEmpty());
        }

        long maxMillis() {
            synchronized (latencyMicros) {
                return latencyMicros.getMaxValue() / 1000;
            }
        }

        long p50Millis() {
            synchronized (latencyMicros) {
                return latencyMicros.getValueAtPercentile(50) / 1000;
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(60_000);
        }
    }

    @Override
    public void close() throws Exception {
        bridge.close();
        node.close();
        bao.close();
    }
}
