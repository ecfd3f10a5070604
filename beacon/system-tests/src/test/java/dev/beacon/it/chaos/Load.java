package dev.beacon.it.chaos;

import dev.beacon.it.TestUpstream;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The steady load: many reference wrappers (tenant acme) each reading the seeded secret and writing its own, one
 * short stream per request, through {@code acme-bridge} to the simulated OpenBao; and, per scenario, a few long
 * paced BULK streams (tenant globex, through {@code globex-bulk} to the test JVM's upstream) checked by SHA-256 in
 * both directions. Counts go to the {@link Tally} current when each request began.
 */
final class Load implements AutoCloseable {
    private final ChaosCluster cluster;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> clients = new ArrayList<>();
    private final AtomicReference<Tally> tally = new AtomicReference<>(new Tally());
    /** Long streams block on sockets: their own threads, not the common pool (one thread on two cores). */
    private final java.util.concurrent.ExecutorService streams = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "chaos-long-stream");
        t.setDaemon(true);
        return t;
    });

    /** One failed short request. */
    record Failure(long startNanos, String what) {
    }

    /** What the short requests of one scenario came to. */
    static final class Tally {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong ok = new AtomicLong();
        final AtomicLong retried = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
        final AtomicLong slowestMillis = new AtomicLong();
        /** Requests that took over 5 s: held somewhere that could not serve them (a cut path, a frozen node) until it healed. */
        final AtomicLong over5s = new AtomicLong();
        final AtomicLong wrongTenant = new AtomicLong();
        final Map<String, Long> failedBy = Collections.synchronizedMap(new TreeMap<>());
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        /** Every failure: when its request began (nanoTime) and what it was, to tell one in flight at a fault from a later one. */
        final List<Failure> all = Collections.synchronizedList(new ArrayList<>());

        long failed() {
            synchronized (failedBy) {
                return failedBy.values().stream().mapToLong(Long::longValue).sum();
            }
        }
    }

    Load(ChaosCluster cluster, int clientCount, Duration pause) {
        this.cluster = cluster;
        for (int c = 0; c < clientCount; c++) {
            WrapperClient w = cluster.wrapper(ChaosCluster.TENANT, "load-" + c, c);
            int id = c;
            Thread t = new Thread(() -> run(w, id, pause), "chaos-client-" + c);
            t.setDaemon(true);
            clients.add(t);
        }
        for (Thread t : clients) t.start();
    }

    /** Starts counting into a fresh tally and returns the previous one. */
    Tally swap() {
        return tally.getAndSet(new Tally());
    }

    private void run(WrapperClient w, int id, Duration pause) {
        long n = 0;
        while (!stop.get()) {
            Tally t = tally.get();
            boolean write = (n++ % 2) == 1;
            long retriesBefore = w.retries();
            long t0 = System.nanoTime();
            t.sent.incrementAndGet();
            String failure = null;
            String node = null;
            try (WrapperStream s = w.open(ChaosCluster.BRIDGE)) {
                node = s.node();
                HttpExchange.Response r = write
                        ? HttpExchange.send(s, "POST", "/v1/secret/data/chaos/client-" + id, Map.of("X-Vault-Token", "root"),
                                ("{\"data\":{\"n\":" + n + "}}").getBytes(StandardCharsets.UTF_8))
                        : HttpExchange.send(s, "GET", "/v1/secret/data/app/config", Map.of("X-Vault-Token", "root"), null);
                if (r.status() / 100 != 2 || (!write && !r.bodyText().contains("s3cr3t"))) failure = (write ? "write " : "read ") + "HTTP " + r.status();
            } catch (ProtocolException e) {
                failure = e.code.wire();
            } catch (IOException | RuntimeException e) {
                failure = classify(e);
                if (failure.equals("wrong_bridge")) t.wrongTenant.incrementAndGet();
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            t.slowestMillis.accumulateAndGet(ms, Math::max);
            if (ms > 5000) t.over5s.incrementAndGet();
            long retries = w.retries() - retriesBefore;
            if (retries > 0) {
                t.retried.incrementAndGet();
                t.retries.addAndGet(retries);
            }
            // a failure once the stream was open names the node it entered: a node taken away may cut what it carried
            if (failure != null && node != null) failure = failure + "@" + node;
            if (failure == null) {
                t.ok.incrementAndGet();
            } else {
                t.failedBy.merge(failure, 1L, Long::sum);
                t.all.add(new Failure(t0, failure));
                if (t.failures.size() < 20) t.failures.add(java.time.Instant.now() + " client-" + id + " after " + ms + " ms: " + failure);
            }
            LockSupport.parkNanos(pause.toNanos());
        }
    }

    /** A short name for a failure that is not a protocol ERROR, as the report counts them. */
    static String classify(Throwable e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("inner TLS peer is")) return "wrong_bridge";
        if (m.contains("not finished within")) return "inner_handshake_timeout";
        if (m.contains("no CONNECTED or ERROR within")) return "setup_timeout";
        if (m.contains("deadline of")) return "overall_deadline";
        if (m.contains("inner TLS handshake")) return "inner_tls_handshake";
        if (m.contains("before an HTTP response")) return "stream_closed_mid_request";
        if (e instanceof java.net.SocketTimeoutException) return "read_timeout";
        if (e instanceof java.net.ConnectException) return "connect_refused";
        if (e instanceof javax.net.ssl.SSLException) return "tls:" + e.getClass().getSimpleName();
        return e.getClass().getSimpleName();
    }

    /**
     * One long stream: BULK {@code bytes} through {@code globex-bulk}, entering at node {@code first}, paced at
     * {@code bytesPerSecond} each way. Completes with null when both directions arrived whole, else why not.
     */
    CompletableFuture<String> longStream(String id, int first, long bytes, long bytesPerSecond, AtomicReference<String> entryNode) {
        WrapperClient w = cluster.wrapper(ChaosCluster.BULK_TENANT, "bulk-" + id.replaceAll("[^a-z0-9-]", "-"), first);
        w.options().deadline = Duration.ZERO; // a long stream outlasts a call's overall deadline (90 s) by design
        return CompletableFuture.supplyAsync(() -> {
            try (WrapperStream s = w.open(ChaosCluster.BULK_BRIDGE)) {
                entryNode.set(s.node());
                OutputStream out = s.out();
                out.write(("BULK " + bytes + " " + id + "\n").getBytes(StandardCharsets.US_ASCII));
                CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                    try {
                        long start = System.nanoTime();
                        long[] done = {0};
                        TestUpstream.writePattern(out, bytes, k -> {
                            done[0] += k;
                            pace(start, done[0], bytesPerSecond);
                        });
                    } catch (IOException e) {
                        throw new RuntimeException("send: " + e, e);
                    }
                }, streams);
                Paced in = new Paced(s.in(), bytesPerSecond);
                String got = TestUpstream.digest(in, bytes);
                String expected = TestUpstream.expectedDigest(bytes);
                if (in.done < bytes) return "cut after " + in.done + " of " + bytes + " bytes";
                if (!got.equals(expected)) return "CORRUPTED: all " + bytes + " bytes arrived but their SHA-256 differs";
                sending.get(120, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (cluster.upstream.received.get(id) == null && System.nanoTime() < deadline) LockSupport.parkNanos(50_000_000);
                String up = cluster.upstream.received.get(id);
                if (!expected.equals(up)) return "wrapper->upstream digest " + (up == null ? "missing" : "differs");
                return null;
            } catch (Exception e) {
                Throwable c = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
                return classify(c) + ": " + c.getMessage();
            }
        }, streams);
    }

    private static void pace(long start, long done, long bytesPerSecond) {
        long due = start + done * 1_000_000_000L / bytesPerSecond;
        long wait = due - System.nanoTime();
        if (wait > 0) LockSupport.parkNanos(wait);
    }

    /** Reads no faster than the rate, so the upstream's writer is held back by the path, not by CPU. */
    private static final class Paced extends FilterInputStream {
        private final long rate;
        private final long start = System.nanoTime();
        private long done;

        Paced(InputStream in, long rate) {
            super(in);
            this.rate = rate;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int k = super.read(b, off, Math.min(len, 16 * 1024));
            if (k > 0) {
                done += k;
                pace(start, done, rate);
            }
            return k;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : clients) t.join(70_000);
        streams.shutdownNow();
    }
}
