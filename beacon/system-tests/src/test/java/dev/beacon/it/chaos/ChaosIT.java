package dev.beacon.it.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.beacon.it.chaos.Topology.Cut;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: faults one at a time under a steady load, on the whole product in network namespaces ({@link ChaosCluster}).
 * Per scenario: short requests sent, failed (by error), retried, the slowest; long streams broken (only those entering
 * a node the fault takes away may break); time from heal until every node's /cluster and /bridges and every bridge
 * replica's /beacons agree again; errors the nodes sent (requests routed where they could not be served).
 *
 * <p>The default suite runs the short list; {@code -Dchaos.full=true} adds the longer and one-way variants;
 * {@code -Dchaos.scenarios=a,b} runs exactly those (e.g. {@code freeze-120s}). The table goes to
 * target/chaos/reliability-table.md (docs/reliability.md carries a copy).
 */
class ChaosIT {
    @TempDir
    Path dir;

    private static final boolean FULL = Boolean.getBoolean("chaos.full");
    private static final Duration FAULT = Duration.ofSeconds(Long.getLong("chaos.faultSeconds", 15));
    private static final long STREAM_RATE = 128 * 1024;

    /**
     * One fault: what it does, what it undoes, the nodes whose long streams may break, and the rows of
     * docs/operational-readiness.md that explain a short request's failure in it (FM-02, FM-08, protocol.md section 13 rule 5: see {@link #explains}).
     */
    record Scenario(String name, String what, boolean inDefault, Set<String> mayBreak, Set<String> docs, Step fault, Step heal, Duration hold) {
    }

    interface Step {
        void run(ChaosCluster c) throws Exception;
    }

    static List<Scenario> all() {
        List<Scenario> s = new ArrayList<>();
        s.add(new Scenario("peers-cut", "n1 cut off from n2 and n3 (both ways); wrappers and bridges still reach it", true, Set.of(), Set.of(),
                c -> {
                    c.net.cut("n1", "n2", Cut.BOTH);
                    c.net.cut("n1", "n3", Cut.BOTH);
                }, c -> c.net.healAll(), FAULT));
        s.add(new Scenario("clients-cut", "n1 cut off from wrappers and both bridge namespaces (both ways); peers still reach it", true,
                Set.of("n1"), Set.of(), c -> {
                    c.net.cut(Topology.LOAD, "n1", Cut.BOTH);
                    c.net.cut("b1", "n1", Cut.BOTH);
                    c.net.cut("b2", "n1", Cut.BOTH);
                }, c -> c.net.healAll(), FAULT));
        s.add(new Scenario("replica-cut", "bridge namespace b1 (a replica of each bridge) cut off from n2 (both ways)", true,
                Set.of("n2"), Set.of(), c -> c.net.cut("b1", "n2", Cut.BOTH), c -> c.net.healAll(), FAULT));
        s.add(new Scenario("replica-cut-one-way", "b1 receives nothing from n2; b1's packets still reach n2", false,
                Set.of("n2"), Set.of(), c -> c.net.cut("b1", "n2", Cut.INTO_A), c -> c.net.healAll(), FAULT));
        s.add(new Scenario("peers-cut-one-way", "n1 receives nothing from n2 and n3; its packets still reach them", false, Set.of(), Set.of(),
                c -> {
                    c.net.cut("n1", "n2", Cut.INTO_A);
                    c.net.cut("n1", "n3", Cut.INTO_A);
                }, c -> c.net.healAll(), FAULT));
        s.add(new Scenario("freeze-5s", "n2 frozen (SIGSTOP) for 5 s, then SIGCONT", true, Set.of("n2"), Set.of(),
                c -> c.node("n2").signal("STOP"), c -> c.node("n2").signal("CONT"), Duration.ofSeconds(5)));
        s.add(new Scenario("freeze-30s", "n2 frozen (SIGSTOP) for 30 s, then SIGCONT", false, Set.of("n2"), Set.of(),
                c -> c.node("n2").signal("STOP"), c -> c.node("n2").signal("CONT"), Duration.ofSeconds(30)));
        s.add(new Scenario("freeze-120s", "n2 frozen (SIGSTOP) for 120 s, then SIGCONT (only when named)", false, Set.of("n2"), Set.of(),
                c -> c.node("n2").signal("STOP"), c -> c.node("n2").signal("CONT"), Duration.ofSeconds(120)));
        s.add(new Scenario("kill-with-streams", "n3 SIGKILLed while carrying long streams, started again 10 s later", true, Set.of("n3"), Set.of("FM-02"),
                c -> c.node("n3").kill9(), c -> c.node("n3").start(), Duration.ofSeconds(10)));
        s.add(new Scenario("restart-stale-presence", "n3 SIGKILLed and started again at once: peers still hold its old presence", true,
                Set.of("n3"), Set.of("FM-02"), c -> {
                    c.node("n3").kill9();
                    c.node("n3").start();
                }, c -> { }, Duration.ofSeconds(1)));
        s.add(new Scenario("peers-cut+bao-leader-killed", "n2 cut off from its peers, and the OpenBao leader killed meanwhile "
                + "(restarted at the heal)", true, Set.of(), Set.of("FM-08"), c -> {
                    c.net.cut("n2", "n1", Cut.BOTH);
                    c.net.cut("n2", "n3", Cut.BOTH);
                    Thread.sleep(3000);
                    baoKilled = c.simActive();
                    c.simAction(baoKilled, "kill");
                }, c -> {
                    c.net.healAll();
                    if (baoKilled >= 0) c.simAction(baoKilled, "restart");
                }, FAULT));
        // every other fault also while OpenBao loses its leader (issue 14: "all of the above while OpenBao loses its
        // leader"): the leader is killed as the fault begins, so the election (2 s) runs inside it, and restarted at
        // the heal; only when named or in the full run
        for (Scenario b : List.copyOf(s)) {
            if (b.name.contains("+") || b.name.equals("peers-cut") || b.name.equals("freeze-120s")) continue;
            Set<String> docs = new java.util.HashSet<>(b.docs);
            docs.add("FM-08");
            s.add(new Scenario(b.name + "+bao-leader-killed", b.what + ", and the OpenBao leader killed as it begins (restarted at the heal)",
                    false, b.mayBreak, Set.copyOf(docs), c -> {
                        b.fault.run(c);
                        baoKilled = c.simActive();
                        c.simAction(baoKilled, "kill");
                    }, c -> {
                        b.heal.run(c);
                        if (baoKilled >= 0) c.simAction(baoKilled, "restart");
                    }, b.hold));
        }
        return s;
    }

    /**
     * The documented reason a short request may fail in this scenario, or null when nothing explains it. Only a request
     * in flight at the fault (begun before it, with a second's slack) is excused: FM-02, a stream open on a node when it
     * was killed ends with an error; rule 5 of protocol.md section 13, a request under way on a node that froze or was
     * cut off ends at the read timeout and is not retried (it may have been applied). FM-08 (any time in its
     * scenario): a write in flight on a killed OpenBao leader gets 502 ("may have been applied"), not a repeat. An inner
     * TLS handshake cut or timed out is no longer excused: since D2's fix the wrapper retries it (nothing was sent).
     */
    static String explains(Scenario s, Load.Failure f, long faultNanos) {
        String failure = f.what();
        boolean inFlight = f.startNanos() < faultNanos + 1_000_000_000L;
        String node = failure.contains("@") ? failure.substring(failure.indexOf('@') + 1) : null;
        if (s.docs.contains("FM-02") && inFlight && node != null && s.mayBreak.contains(node)
                && !failure.startsWith("read ") && !failure.startsWith("write ")) {
            return "FM-02";
        }
        if (s.docs.contains("FM-08") && failure.startsWith("write HTTP 502")) return "FM-08";
        // a request already sent when its path was taken away: its answer cannot come back, and it is not sent again
        // (it may have been applied); it ends at the read timeout, or earlier when the bridge gives up the cut link
        // and closes the stream with it
        if (inFlight && (failure.startsWith("read_timeout@") || failure.startsWith("stream_closed_mid_request@"))
                && s.mayBreak.contains(node)) {
            return "protocol.md 13, rule 5";
        }
        return null;
    }

    private static volatile int baoKilled = -1;

    static List<Scenario> selected() {
        String named = System.getProperty("chaos.scenarios", "");
        if (!named.isBlank()) {
            List<String> want = Arrays.stream(named.split(",")).map(String::trim).toList();
            return all().stream().filter(x -> want.contains(x.name)).toList();
        }
        return all().stream().filter(x -> x.inDefault || FULL && !x.name.equals("freeze-120s")).toList();
    }

    @Test
    void faultsOneAtATimeUnderSteadyLoad() throws Exception {
        String why = Topology.unavailable();
        assumeTrue(why == null, "chaos tests skipped: " + why);
        List<Scenario> scenarios = selected();
        assumeTrue(!scenarios.isEmpty(), "no scenario selected by -Dchaos.scenarios");
        long suiteStart = System.nanoTime();
        List<Row> rows = new ArrayList<>();
        List<String> violations = new ArrayList<>();
        try (ChaosCluster c = new ChaosCluster(dir)) {
            long up = c.awaitConverged(Duration.ofSeconds(120));
            System.out.printf("CHAOS cluster up in %d s (converged %d ms after the last replica was ready); one-way cuts: %s%n",
                    (System.nanoTime() - suiteStart) / 1_000_000_000, up, c.net.oneWayCuts() ? "iptables" : "none (link down)");
            try (Load load = new Load(c, Integer.getInteger("chaos.clients", 16), Duration.ofMillis(Long.getLong("chaos.pauseMillis", 300)))) {
                for (Scenario s : scenarios) {
                    Row r = run(c, load, s);
                    rows.add(r);
                    violations.addAll(r.violations);
                    System.out.println("CHAOS " + r.markdown());
                    writeTable(rows, (System.nanoTime() - suiteStart) / 1_000_000_000);
                }
            }
        } finally {
            writeTable(rows, (System.nanoTime() - suiteStart) / 1_000_000_000);
        }
        assertTrue(violations.isEmpty(), "chaos violations:\n" + String.join("\n", violations));
    }

    /**
     * After a partition heals, presence must follow membership within a few anti-entropy rounds (1 s each,
     * docs/cluster.md): a node that sees its peers reachable again but counts none of their bridges answers
     * {@code unknown_bridge} for a bridge only they hold.
     */
    @Test
    void presenceFollowsMembershipWithinSecondsAfterAPartitionHeals() throws Exception {
        String why = Topology.unavailable();
        assumeTrue(why == null, "chaos tests skipped: " + why);
        try (ChaosCluster c = new ChaosCluster(dir)) {
            c.awaitConverged(Duration.ofSeconds(120));
            c.net.cut("n1", "n2", Cut.BOTH);
            c.net.cut("n1", "n3", Cut.BOTH);
            // the fault is a partition of 30 s: TCP's retransmissions of what was sent into it are then due at 25 s and
            // 51 s after the cut, so a stalled connection would deliver 21 s after the heal (R1, docs/reliability.md)
            Thread.sleep(30_000);
            c.net.healAll();
            dev.beacon.tls.testing.Await.until("every node sees 3 reachable members", Duration.ofSeconds(60), () -> {
                String v = c.notConverged();
                return v == null || !v.contains("reachable members");
            });
            long members = System.nanoTime();
            long took = c.awaitConverged(Duration.ofSeconds(180));
            assertTrue(took < 5000, "presence agreed " + took + " ms after membership (last: " + c.lastToConverge + "); "
                    + "anti-entropy runs every second");
            System.out.printf("CHAOS presence after membership: %d ms%n", (System.nanoTime() - members) / 1_000_000);
        }
    }

    /** One row of the table. */
    static final class Row {
        String name;
        String what;
        Load.Tally tally;
        List<String> broken = new ArrayList<>();
        String mayBreak;
        long convergedMillis = -1;
        long noticedMillis = -1;
        String lastToConverge;
        String noticed = "";
        Map<String, Double> errorsSent = new LinkedHashMap<>();
        Map<String, Long> failedBy = new java.util.TreeMap<>();
        List<String> violations = new ArrayList<>();

        String markdown() {
            String failed = tally.failed() == 0 ? "0" : tally.failed() + " " + failedBy.toString().replace("=", ": ");
            String errors = errorsSent.isEmpty() ? "none" : errorsSent.toString().replace("=", ": ").replace(".0", "");
            return "| " + name + " | " + tally.sent + " | " + failed + " | " + tally.retried + " (" + tally.retries + " retries) | "
                    + tally.slowestMillis + " | " + tally.over5s + " | " + (broken.isEmpty() ? "0" : String.join("; ", broken)) + " | " + mayBreak + " | "
                    + (noticedMillis < 0 ? "not seen" : noticedMillis + " ms (" + brief(noticed) + ")") + " | "
                    + (convergedMillis < 0 ? "not converged" : convergedMillis + " ms" + (lastToConverge == null ? "" : " (last: " + brief(lastToConverge) + ")")) + " | " + errors + " | "
                    + (tally.wrongTenant.get() == 0 ? "0" : tally.wrongTenant.toString()) + " |";
        }
    }

    /** The first of several "; "-joined reasons, and how many more. */
    static String brief(String reasons) {
        String[] r = reasons.split("; ");
        return r.length == 1 ? r[0] : r[0] + " +" + (r.length - 1) + " more";
    }

    private Row run(ChaosCluster c, Load load, Scenario s) throws Exception {
        Row r = new Row();
        r.name = s.name;
        r.what = s.what;
        r.mayBreak = s.mayBreak.isEmpty() ? "none" : "entering " + String.join(", ", s.mayBreak);
        c.awaitConverged(Duration.ofSeconds(180));
        Map<String, Double> errorsBefore = c.errorsSent();
        load.swap();
        long seconds = 5 + s.hold.toSeconds() + 25;
        List<CompletableFuture<String>> streams = new ArrayList<>();
        List<AtomicReference<String>> entry = new ArrayList<>();
        for (int i = 0; i < c.nodes.size(); i++) {
            AtomicReference<String> e = new AtomicReference<>("?");
            entry.add(e);
            streams.add(load.longStream(s.name + "-" + i, i, STREAM_RATE * seconds, STREAM_RATE, e));
        }
        Thread.sleep(5000); // the load runs before the fault: a baseline, not a wait for an event
        long faulted = System.nanoTime();
        s.fault.run(c);
        long until = faulted + s.hold.toNanos();
        while (System.nanoTime() < until) { // the fault lasts this long by definition; meanwhile, when does the cluster show it?
            String reason = r.noticedMillis < 0 ? ChaosCluster.productView(c.notConverged()) : null;
            if (reason != null) {
                r.noticedMillis = (System.nanoTime() - faulted) / 1_000_000;
                r.noticed = reason;
            }
            Thread.sleep(Math.max(0, Math.min(500, (until - System.nanoTime()) / 1_000_000)));
        }
        s.heal.run(c);
        long healed = System.nanoTime();
        try {
            c.awaitConverged(Duration.ofSeconds(Long.getLong("chaos.convergeSeconds", 180)));
            r.convergedMillis = (System.nanoTime() - healed) / 1_000_000;
            r.lastToConverge = c.lastToConverge;
        } catch (AssertionError e) {
            r.violations.add(s.name + ": " + e.getMessage());
        }
        Thread.sleep(5000); // load after convergence, in the same tally
        for (int i = 0; i < streams.size(); i++) {
            String outcome;
            try {
                outcome = streams.get(i).get(seconds + 120, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                outcome = "still running after " + (seconds + 120) + " s";
            }
            if (outcome != null) {
                String node = entry.get(i).get();
                r.broken.add("stream " + i + " via " + node + ": " + outcome);
                if (!s.mayBreak.contains(node)) r.violations.add(s.name + ": stream " + i + " entering " + node + " broke: " + outcome);
            }
        }
        r.tally = load.swap();
        Map<String, Double> after = c.errorsSent();
        after.forEach((k, v) -> {
            double d = v - errorsBefore.getOrDefault(k, 0.0);
            if (d > 0 && v >= 0) r.errorsSent.merge(k.substring(k.indexOf(':') + 1), d, Double::sum);
        });
        Map<String, Long> unexplained = new java.util.TreeMap<>();
        synchronized (r.tally.all) {
            for (Load.Failure f : r.tally.all) {
                String doc = explains(s, f, faulted);
                r.failedBy.merge(doc == null ? f.what() : f.what() + " (" + doc + ")", 1L, Long::sum);
                if (doc == null) unexplained.merge(f.what(), 1L, Long::sum);
            }
        }
        if (!unexplained.isEmpty()) {
            r.violations.add(s.name + ": short requests failed that no document explains " + unexplained + "; first failures " + r.tally.failures);
        }
        if (r.tally.wrongTenant.get() > 0) r.violations.add(s.name + ": a stream reached the wrong bridge");
        return r;
    }

    private static void writeTable(List<Row> rows, long seconds) throws Exception {
        Path out = Path.of("target", "chaos", "reliability-table.md");
        Files.createDirectories(out.getParent());
        StringBuilder sb = new StringBuilder();
        sb.append("| Scenario | Requests sent | Failed (by error) | Retried | Slowest (ms) | Over 5 s | Long streams broken | May break | Fault seen in views after | Converged after heal | Errors nodes sent | Wrong tenant |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) if (r.tally != null) sb.append(r.markdown()).append('\n');
        sb.append("\nScenarios:\n\n");
        for (Row r : rows) sb.append("- **").append(r.name).append("**: ").append(r.what).append('\n');
        sb.append("\nWhole run: ").append(seconds).append(" s (JVM ").append(System.getProperty("java.version")).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores).\n");
        Files.writeString(out, sb.toString());
    }
}
