package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.it.StreamLoad.Kind;
import dev.beacon.it.StreamLoad.Outcome;
import dev.beacon.it.StreamLoad.Wrapper;
import dev.beacon.protocol.Backoff;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: a node driven past saturation. First the rate of new streams (outer mTLS handshake, CONNECT, inner mTLS,
 * one short HTTP request) that node A serves on this machine is measured in a closed loop; then 1x, 2x and 4x that
 * rate are offered open-loop (arrivals on a clock, latency counted from when an arrival was due) by four abusive
 * identities far over their per-identity limits and two well-behaved ones under them. What a user would notice is
 * asserted: refusals are retryable ERRORs with a hint (or the documented close before TLS), nothing hangs; the
 * well-behaved identities keep getting answers at a bounded p99; node A stays a member in the other nodes' views;
 * after the load it serves normally, same process; no LEAK line in any log; its memory stays bounded.
 *
 * <p>Default: about 4 s per phase. {@code -Doverload.seconds=15} for the longer run that docs/reliability.md quotes
 * (the table is printed either way, lines starting "OVERLOAD").
 */
class OverloadIT {
    @TempDir
    Path dir;

    private static final int PHASE_SECONDS = Integer.getInteger("overload.seconds", 4);
    private static final int ABUSIVE = 2;
    private static final int GOOD = 2;
    /**
     * Node A's limits.connectionsPerSecondPerIdentity: lower than the default 50 so that, at the modest rates this
     * shared machine reaches, the abusive identities are far over it at 2x and 4x.
     */
    private static final int IDENTITY_RATE = 10;
    /** A well-behaved identity's rate: a quarter of its limit. */
    private static final double GOOD_RATE = 2.5;
    /** What a well-behaved wrapper waits for an answer, retrying retryable refusals as the protocol says (the reference wrapper's retryFor). */
    private static final long GOOD_RETRY_FOR_MS = 10_000;
    /** The bound on the well-behaved identities' p99, generous: the 2 cores are shared with other builds. */
    private static final long GOOD_P99_BOUND_MS = Long.getLong("overload.goodP99BoundMs", 5_000);
    /** Multiples of the saturation rate offered, one phase each (-Doverload.factors=1,2,4,16 to look further). */
    private static final int[] FACTORS = java.util.Arrays.stream(System.getProperty("overload.factors", "1,2,4").split(","))
            .mapToInt(Integer::parseInt).toArray();
    /** Node A's limits.maxHandshakesInProgress when set (-Doverload.maxHandshakesInProgress=1000000 measures without the bound). */
    private static final String MAX_HANDSHAKES = System.getProperty("overload.maxHandshakesInProgress");
    /** A client's deadline for one attempt: beyond the node's handshake timeout (10 s), so a hang shows as one. */
    private static final long ATTEMPT_DEADLINE_MS = 15_000;

    @Test
    void aNodePastSaturationShedsLoadStaysAMemberAndRecovers() throws Exception {
        try (ClusterHarness h = new ClusterHarness(dir, 3)) {
            NodeProcess a = h.node(0);
            // The load arrives from a handful of loopback addresses; in the field it comes from many. The per-source
            // rate (closed before TLS) is not what is measured here, the node behind it is.
            a.with("limits: {connectionsPerSecondPerSource: 100000, connectionsPerSecondPerIdentity: " + IDENTITY_RATE
                    + (MAX_HANDSHAKES == null ? "" : ", maxHandshakesInProgress: " + MAX_HANDSHAKES) + "}");
            // one core for node A, both for everything else (load generator, bridge, upstream, the other nodes): node A
            // is what saturates, not the machine around it
            if (Runtime.getRuntime().availableProcessors() >= 2) a.cpus = System.getProperty("overload.cpus", "1");
            h.startAll();
            try (BridgeReplica bridge = new BridgeReplica(dir.resolve("bridges"), "b1", h.pki, List.of(a.relay()), h.upstream.address(), Map.of());
                 StreamLoad load = new StreamLoad(2, ATTEMPT_DEADLINE_MS)) {
                bridge.awaitReady(Duration.ofSeconds(30));
                dev.beacon.tls.testing.Await.until("bridge holds 3", Duration.ofSeconds(30), () -> bridge.registeredNodes() == 3);
                InetSocketAddress target = new InetSocketAddress("127.0.0.1", a.relayPort);
                long pid = a.pid();

                List<Wrapper> probes = new ArrayList<>();
                for (int i = 0; i < 128; i++) probes.add(Wrapper.of(h.pki, "probe-" + i, "127.0." + (1 + i / 200) + "." + (1 + i % 200)));
                List<Wrapper> good = new ArrayList<>();
                for (int i = 0; i < GOOD; i++) good.add(Wrapper.of(h.pki, "good-" + i, "127.0.0." + (10 + i)));
                List<Wrapper> abusive = new ArrayList<>();
                for (int i = 0; i < ABUSIVE; i++) abusive.add(Wrapper.of(h.pki, "greedy-" + i, "127.0.0." + (20 + i)));

                Cpu cpu = new Cpu(Map.of("nodeA", a.pid(), "nodeB", h.node(1).pid(), "nodeC", h.node(2).pid(), "bridge", bridge.pid(),
                        "test", ProcessHandle.current().pid()));
                Phase warm = closedLoop(load, target, probes, 16, 3); // warm-up: JIT in every process, the bridge's pool
                System.out.println("OVERLOAD warm-up: " + warm.summary() + " cpu " + cpu.since());
                // the highest rate reached in a closed loop at 2, 4, 8 and 16 streams in flight: more in flight only queues
                Phase sat = null;
                for (int inFlight : new int[] {2, 4, 8, 16}) {
                    Phase p = closedLoop(load, target, probes, inFlight, Math.max(2, PHASE_SECONDS / 2));
                    System.out.printf("OVERLOAD saturation search, %d in flight: %.0f new streams/s, p99 %d ms, outcomes %s, cpu %s%n", inFlight,
                            p.ok.get() / p.seconds, p.all.getValueAtPercentile(99) / 1_000_000, p.kinds, cpu.since());
                    if (sat == null || p.ok.get() / p.seconds > sat.ok.get() / sat.seconds) sat = p;
                }
                // -Doverload.saturation=N offers multiples of N instead: the same absolute rates in two runs (before/after a change)
                double saturation = Double.parseDouble(System.getProperty("overload.saturation", Double.toString(sat.ok.get() / sat.seconds)));
                System.out.printf("OVERLOAD saturation of node A: %.0f new streams/s, p99 %d ms%n", saturation,
                        sat.all.getValueAtPercentile(99) / 1_000_000);
                assertTrue(saturation > 2, "node A serves some streams at all: " + sat.kinds + " " + sat.details);

                Membership membership = new Membership(a, List.of(h.node(1), h.node(2)));
                membership.start();
                List<Phase> phases = new ArrayList<>();
                for (int factor : FACTORS) {
                    membership.resetPeaks();
                    Phase p = openLoop(load, target, good, abusive, saturation * factor, PHASE_SECONDS);
                    p.factor = factor;
                    p.peakHandshakes = membership.peakHandshakes;
                    p.peakAcceptQueue = membership.peakAcceptQueue;
                    phases.add(p);
                    System.out.println("OVERLOAD " + factor + "x: " + p.summary() + " cpu " + cpu.since() + " node A: " + counters(a));
                    awaitQuiet(a);
                }
                membership.stop();

                // recovery: the same process answers a closed loop of identities under their limits in full, at once
                Phase after = closedLoop(load, target, probes, 2, 2);
                System.out.println("OVERLOAD after the load: " + after.summary());

                System.out.println("OVERLOAD table (" + PHASE_SECONDS + " s per phase, saturation " + Math.round(saturation) + "/s)");
                System.out.println(table(phases));
                System.out.println("OVERLOAD node A: peak RSS " + membership.peakRssMiB + " MiB, membership samples "
                        + membership.samples + ", lost " + membership.lost);

                for (Phase p : phases) {
                    assertEquals(0, p.kinds.getOrDefault(Kind.HUNG, 0L), p.factor + "x: nothing hangs: " + p.details);
                    assertEquals(0, p.kinds.getOrDefault(Kind.CLOSED_WITHOUT_ANSWER, 0L), p.factor + "x: every refusal after TLS is an ERROR: " + p.details);
                    assertEquals(0, p.kinds.getOrDefault(Kind.BROKEN, 0L), p.factor + "x: no spliced stream breaks: " + p.details);
                    for (Map.Entry<String, Long> r : p.refusals.entrySet()) {
                        assertTrue(r.getKey().equals("overloaded/hint"), p.factor + "x: refusals are overloaded with retry_after_ms: " + p.refusals);
                    }
                    assertEquals(0, p.goodFailed.get(), p.factor + "x: every well-behaved request is answered within " + GOOD_RETRY_FOR_MS
                            + " ms: " + p.details);
                    long p99 = p.good.getValueAtPercentile(99) / 1_000_000;
                    assertTrue(p99 <= GOOD_P99_BOUND_MS, p.factor + "x: well-behaved p99 " + p99 + " ms <= " + GOOD_P99_BOUND_MS);
                }
                assertTrue(phases.get(phases.size() - 1).refused() > 0, "the highest rate is shed, not queued");
                assertTrue(membership.lost.isEmpty(), "node A stays a reachable member in the others' views: " + membership.lost);
                assertEquals(pid, a.pid(), "same process");
                assertTrue(a.alive() && a.status("/readyz") == 200, "node A ready after the load");
                assertEquals(after.attempts.get(), after.ok.get(), "served normally after the load: " + after.details);
                assertTrue(after.good.getValueAtPercentile(99) / 1_000_000 < 2_000, "at normal latency after the load");
                assertTrue(membership.peakRssMiB < 768, "node A's memory stays bounded (-Xmx256m): " + membership.peakRssMiB + " MiB");
                for (Path log : logs()) {
                    assertTrue(!Files.readString(log).contains("LEAK:"), "no LEAK report in " + log);
                }
            }
        }
    }

    // ---- load shapes ----

    /** Counts of one phase. */
    static final class Phase {
        int factor;
        /** node A's peaks during the phase: beacon_handshakes_in_progress, and its listen socket's accept queue (ss Recv-Q) */
        long peakHandshakes;
        long peakAcceptQueue;
        double offered;
        double seconds;
        final AtomicLong attempts = new AtomicLong();
        final AtomicLong ok = new AtomicLong();
        final AtomicLong goodFailed = new AtomicLong();
        final Map<Kind, Long> kinds = Collections.synchronizedMap(new EnumMap<>(Kind.class));
        final Map<String, Long> refusals = new ConcurrentHashMap<>();
        final List<String> details = Collections.synchronizedList(new ArrayList<>());
        final Histogram all = new Histogram(60_000_000_000L, 3);
        final Histogram good = new Histogram(60_000_000_000L, 3);
        /** where the answered streams spent their time: to TCP connected, outer TLS done, CONNECTED, inner TLS done, answer */
        final long[] stepSums = new long[5];

        synchronized void record(Outcome o, boolean isGood) {
            kinds.merge(o.kind(), 1L, Long::sum);
            if (o.kind() == Kind.OK) {
                long prev = 0;
                for (int i = 0; i < 4; i++) {
                    stepSums[i] += o.marks()[i] - prev;
                    prev = o.marks()[i];
                }
                stepSums[4] += o.nanos() - prev;
                ok.incrementAndGet();
                all.recordValue(Math.min(o.nanos(), all.getHighestTrackableValue()));
            } else if (o.kind() == Kind.REFUSED) {
                refusals.merge(o.code() + (o.retryAfterMs() > 0 ? "/hint" : "/no-hint"), 1L, Long::sum);
            }
            if (o.kind() != Kind.OK && o.kind() != Kind.REFUSED && o.kind() != Kind.CLOSED_BEFORE_TLS && details.size() < 5) {
                details.add(o.kind() + ": " + o.detail());
            }
        }

        synchronized String steps() {
            long n = Math.max(1, ok.get());
            return String.format(" mean ms tcp %.1f, tls %.1f, connected %.1f, inner %.1f, answer %.1f", stepSums[0] / 1e6 / n,
                    stepSums[1] / 1e6 / n, stepSums[2] / 1e6 / n, stepSums[3] / 1e6 / n, stepSums[4] / 1e6 / n);
        }

        long refused() {
            return refusals.values().stream().mapToLong(Long::longValue).sum() + kinds.getOrDefault(Kind.CLOSED_BEFORE_TLS, 0L);
        }

        String summary() {
            return String.format("peak handshakes in progress %d, peak accept queue %d; ", peakHandshakes, peakAcceptQueue)
                    + String.format("offered %.0f/s for %.0f s: %d attempts, %.0f ok/s, p99 %d ms (well-behaved p99 %d ms, max %d ms, %d not answered), "
                            + "outcomes %s, refusals %s %s",
                    offered, seconds, attempts.get(), ok.get() / seconds, all.getValueAtPercentile(99) / 1_000_000,
                    good.getValueAtPercentile(99) / 1_000_000, good.getMaxValue() / 1_000_000, goodFailed.get(), kinds, refusals,
                    details.isEmpty() ? "" : details) + steps();
        }
    }

    /** {@code inFlight} attempts at all times, identities in turn, for {@code seconds}: the rate reached is the saturation. */
    private static Phase closedLoop(StreamLoad load, InetSocketAddress target, List<Wrapper> ids, int inFlight, int seconds) throws Exception {
        Phase p = new Phase();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < inFlight; i++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            workers.add(done);
            loop(load, target, ids, next, end, p, done);
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(seconds + 30L, TimeUnit.SECONDS);
        p.seconds = (System.nanoTime() - t0) / 1e9;
        p.offered = p.attempts.get() / p.seconds;
        return p;
    }

    private static void loop(StreamLoad load, InetSocketAddress target, List<Wrapper> ids, AtomicInteger next, long end, Phase p,
                             CompletableFuture<Void> done) {
        if (System.nanoTime() > end) {
            done.complete(null);
            return;
        }
        long due = System.nanoTime();
        p.attempts.incrementAndGet();
        load.attempt(ids.get(Math.floorMod(next.getAndIncrement(), ids.size())), target, due).whenComplete((o, e) -> {
            p.record(o, true);
            synchronized (p) {
                if (o.kind() == Kind.OK) p.good.recordValue(Math.min(o.nanos(), p.good.getHighestTrackableValue()));
                else p.goodFailed.incrementAndGet();
            }
            loop(load, target, ids, next, end, p, done);
        });
    }

    /**
     * {@code rate} new streams per second in all for {@code seconds}, on a clock: each well-behaved identity at
     * {@link #GOOD_RATE}, the abusive ones share the rest. A well-behaved attempt that gets a retryable refusal is
     * retried after {@code max(retry_after_ms, backoff)}, as docs/protocol.md section 12 says, for up to
     * {@link #GOOD_RETRY_FOR_MS}; its latency counts from its first due time to the answer. Abusive ones never retry.
     */
    private static Phase openLoop(StreamLoad load, InetSocketAddress target, List<Wrapper> good, List<Wrapper> abusive, double rate,
                                  int seconds) throws Exception {
        Phase p = new Phase();
        p.offered = rate;
        p.seconds = seconds;
        double abusiveRate = Math.max(1, (rate - GOOD_RATE * good.size()) / abusive.size());
        List<CompletableFuture<?>> all = Collections.synchronizedList(new ArrayList<>());
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long[] sent = new long[good.size() + abusive.size()];
        CompletableFuture<Void> finished = new CompletableFuture<>();
        clock.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            for (int i = 0; i < sent.length; i++) {
                boolean isGood = i < good.size();
                Wrapper w = isGood ? good.get(i) : abusive.get(i - good.size());
                double r = isGood ? GOOD_RATE : abusiveRate;
                // arrival k is due at start + k/r: launched on the first tick at or after that
                long dueCount = now >= end ? (long) Math.ceil(seconds * r) : (long) ((now - start) / 1e9 * r) + 1;
                for (; sent[i] < dueCount; sent[i]++) {
                    long due = start + (long) (sent[i] / r * 1e9);
                    p.attempts.incrementAndGet();
                    if (isGood) {
                        CompletableFuture<Void> f = new CompletableFuture<>();
                        all.add(f);
                        goodAttempt(load, target, w, due, new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2)), p, f);
                    } else {
                        all.add(load.attempt(w, target, due).thenAccept(o -> p.record(o, false)));
                    }
                }
            }
            if (now >= end) finished.complete(null);
        }, 0, 2, TimeUnit.MILLISECONDS);
        finished.get(seconds + 10L, TimeUnit.SECONDS);
        clock.shutdownNow();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(GOOD_RETRY_FOR_MS + ATTEMPT_DEADLINE_MS + 10_000, TimeUnit.MILLISECONDS);
        return p;
    }

    private static void goodAttempt(StreamLoad load, InetSocketAddress target, Wrapper w, long firstDue, Backoff backoff, Phase p,
                                    CompletableFuture<Void> done) {
        load.attempt(w, target, firstDue).whenComplete((o, e) -> {
            p.record(o, true);
            if (o.kind() == Kind.OK) {
                synchronized (p) {
                    p.good.recordValue(Math.min(o.nanos(), p.good.getHighestTrackableValue()));
                }
                done.complete(null);
                return;
            }
            long wait = Math.max(o.retryAfterMs(), backoff.nextMillis());
            if (!o.retryable() || o.nanos() / 1_000_000 + wait > GOOD_RETRY_FOR_MS) {
                p.goodFailed.incrementAndGet();
                synchronized (p.details) {
                    if (p.details.size() < 10) p.details.add("well-behaved " + w.name() + " gave up: " + o);
                }
                done.complete(null);
                return;
            }
            load.group.schedule(() -> goodAttempt(load, target, w, firstDue, backoff, p, done), wait, TimeUnit.MILLISECONDS);
        });
    }

    /** Until node A holds no wrapper connection from the phase before (each phase starts from the same state). */
    private static void awaitQuiet(NodeProcess a) {
        dev.beacon.tls.testing.Await.until("node A quiet", Duration.ofSeconds(30), () -> {
            try {
                return a.metric("beacon_connections{role=\"wrapper\"") <= 0;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Node A's refusal counters (cumulative): what it did with the load, by reason and code. */
    private static String counters(NodeProcess a) {
        try {
            String body = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + a.adminPort + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            StringBuilder sb = new StringBuilder();
            for (String l : body.split("\n")) {
                if (l.startsWith("beacon_handshake_failures_total") || l.startsWith("beacon_errors_sent_total")
                        || l.startsWith("beacon_streams_opened_total")) {
                    sb.append(l.replace("beacon_", "").replace("_total", "")).append("; ");
                }
            }
            return sb.toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String table(List<Phase> phases) {
        StringBuilder sb = new StringBuilder();
        sb.append("| offered | new streams/s offered | answered ok/s | p99 ok, all (ms) | p99 well-behaved (ms) | well-behaved unanswered "
                + "| refused `overloaded` | closed before TLS | hung or broken | node A peak handshakes in progress | peak accept queue |\n");
        sb.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (Phase p : phases) {
            long overloaded = p.refusals.entrySet().stream().filter(e -> e.getKey().startsWith("overloaded")).mapToLong(Map.Entry::getValue).sum();
            sb.append(String.format("| %dx | %.0f | %.0f | %d | %d | %d | %d | %d | %d | %d | %d |%n", p.factor, p.offered, p.ok.get() / p.seconds,
                    p.all.getValueAtPercentile(99) / 1_000_000, p.good.getValueAtPercentile(99) / 1_000_000, p.goodFailed.get(), overloaded,
                    p.kinds.getOrDefault(Kind.CLOSED_BEFORE_TLS, 0L),
                    p.kinds.getOrDefault(Kind.HUNG, 0L) + p.kinds.getOrDefault(Kind.BROKEN, 0L) + p.kinds.getOrDefault(Kind.CLOSED_WITHOUT_ANSWER, 0L),
                    p.peakHandshakes, p.peakAcceptQueue));
        }
        return sb.toString();
    }

    private List<Path> logs() throws Exception {
        try (var s = Files.walk(dir)) {
            return s.filter(f -> f.toString().endsWith(".log")).toList();
        }
    }

    /** Node A as the other nodes see it (their /cluster), and its RSS, sampled every 200 ms while the load runs. */
    static final class Membership {
        private final NodeProcess a;
        private final List<NodeProcess> others;
        private final AtomicBoolean stop = new AtomicBoolean();
        private Thread thread;
        final List<String> lost = Collections.synchronizedList(new ArrayList<>());
        volatile long peakRssMiB;
        volatile int samples;
        volatile long peakHandshakes;
        volatile long peakAcceptQueue;

        void resetPeaks() {
            peakHandshakes = 0;
            peakAcceptQueue = 0;
        }

        Membership(NodeProcess a, List<NodeProcess> others) {
            this.a = a;
            this.others = others;
        }

        void start() {
            thread = new Thread(() -> {
                while (!stop.get()) {
                    for (NodeProcess o : others) {
                        if (!reachableIn(o)) lost.add(o.id + " saw " + a.id + " unreachable at " + System.currentTimeMillis());
                    }
                    peakRssMiB = Math.max(peakRssMiB, rssMiB(a.pid()));
                    try {
                        peakHandshakes = Math.max(peakHandshakes, (long) a.metric("beacon_handshakes_in_progress"));
                    } catch (Exception e) {
                        // a slow admin answer is no sample
                    }
                    peakAcceptQueue = Math.max(peakAcceptQueue, acceptQueue(a.relayPort));
                    samples++;
                    try {
                        Thread.sleep(200); // sampling period of the view, not a wait for an event
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "membership");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(5_000);
        }

        private boolean reachableIn(NodeProcess o) {
            try {
                for (var m : o.json("/cluster").get("members")) {
                    if (a.id.equals(m.path("id").asText()) && m.path("reachable").asBoolean(false)) return true;
                }
                return false;
            } catch (Exception e) {
                return true; // the observer's admin port being slow is not node A's membership
            }
        }

        /** Connections the kernel completed that the node has not accepted yet: Recv-Q of the listening socket. */
        static long acceptQueue(int port) {
            try {
                Process p = new ProcessBuilder("ss", "-ltnH", "sport = :" + port).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes()).trim();
                p.waitFor();
                String[] f = out.split("\\s+");
                return f.length > 2 ? Long.parseLong(f[1]) : 0;
            } catch (Exception e) {
                return 0;
            }
        }

        static long rssMiB(long pid) {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
                }
            } catch (Exception e) {
                // process gone: the assertions on pid and readiness say so
            }
            return 0;
        }
    }

    /** CPU seconds (user + system, /proc/PID/stat) each process used since the last call: who is the bottleneck. */
    static final class Cpu {
        private final Map<String, Long> pids;
        private final Map<String, Long> last = new TreeMap<>();
        private long lastNanos = System.nanoTime();

        Cpu(Map<String, Long> pids) {
            this.pids = new TreeMap<>(pids);
            since();
        }

        String since() {
            StringBuilder sb = new StringBuilder();
            long now = System.nanoTime();
            double wall = (now - lastNanos) / 1e9;
            lastNanos = now;
            pids.forEach((name, pid) -> {
                long ticks = ticks(pid);
                long d = ticks - last.getOrDefault(name, 0L);
                last.put(name, ticks);
                sb.append(String.format("%s=%.2f ", name, d / 100.0 / wall));
            });
            return "(cores busy) " + sb.toString().trim();
        }

        private static long ticks(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (Exception e) {
                return 0;
            }
        }
    }
}
