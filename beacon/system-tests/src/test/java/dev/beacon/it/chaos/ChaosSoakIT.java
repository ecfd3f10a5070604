package dev.beacon.it.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak (not in the default suite; docs/reliability.md#soak): the chaos system under a moderate load for
 * {@code -Dchaos.soak.minutes} (30), a fault every {@code -Dchaos.soak.faultEveryMinutes} (3) taken in turn from the
 * scenarios that keep every process (no kills, so each process's series stays one process), every process's
 * footprint sampled every {@code -Dchaos.soak.sampleSeconds} (60). Writes target/chaos/soak.csv, soak.svg and
 * soak-summary.md (slope per hour of every series, first 2 minutes excluded as warm-up). Fails only when short
 * requests failed or the cluster did not converge after a fault: a slope is a figure to read, not a verdict.
 */
class ChaosSoakIT {
    @TempDir
    Path dir;

    @Test
    void moderateLoadWithAFaultEveryFewMinutes() throws Exception {
        String why = Topology.unavailable();
        assumeTrue(why == null, "soak skipped: " + why);
        Duration total = Duration.ofMinutes(Long.getLong("chaos.soak.minutes", 30));
        Duration faultEvery = Duration.ofMinutes(Long.getLong("chaos.soak.faultEveryMinutes", 3));
        Duration sampleEvery = Duration.ofSeconds(Long.getLong("chaos.soak.sampleSeconds", 60));
        Set<String> keep = Set.of("peers-cut", "clients-cut", "replica-cut", "freeze-5s", "replica-cut-one-way");
        List<ChaosIT.Scenario> faults = ChaosIT.all().stream().filter(s -> keep.contains(s.name())).toList();
        Path out = Path.of("target", "chaos");
        Files.createDirectories(out);
        Footprint footprint = new Footprint();
        List<String> log = new ArrayList<>();
        long failed = 0, sent = 0;
        try (ChaosCluster c = new ChaosCluster(dir)) {
            c.awaitConverged(Duration.ofSeconds(120));
            try (Load load = new Load(c, Integer.getInteger("chaos.soak.clients", 8), Duration.ofMillis(500))) {
                long t0 = System.nanoTime();
                long nextSample = t0, nextFault = t0 + faultEvery.toNanos();
                int f = 0;
                while (System.nanoTime() - t0 < total.toNanos()) {
                    if (System.nanoTime() >= nextSample) {
                        footprint.sample(c);
                        footprint.writeCsv(out.resolve("soak.csv"));
                        nextSample += sampleEvery.toNanos();
                    }
                    if (System.nanoTime() >= nextFault) {
                        ChaosIT.Scenario s = faults.get(f++ % faults.size());
                        long at = (System.nanoTime() - t0) / 1_000_000_000;
                        s.fault().run(c);
                        Thread.sleep(s.hold().toMillis()); // the fault lasts this long by definition
                        s.heal().run(c);
                        long healed = System.nanoTime();
                        String converged;
                        try {
                            c.awaitConverged(Duration.ofSeconds(180));
                            converged = "converged " + (System.nanoTime() - healed) / 1_000_000 + " ms after heal";
                        } catch (AssertionError e) {
                            converged = "NOT CONVERGED: " + e.getMessage();
                        }
                        Load.Tally t = load.swap();
                        sent += t.sent.get();
                        failed += t.failed();
                        log.add(String.format(Locale.ROOT, "- %d s: %s, %s; requests since the last fault %d, failed %d %s",
                                at, s.name(), converged, t.sent.get(), t.failed(), t.failed() == 0 ? "" : t.failedBy.toString()));
                        System.out.println("SOAK " + log.get(log.size() - 1));
                        nextFault = System.nanoTime() + faultEvery.toNanos();
                    }
                    Thread.sleep(1000); // the soak's clock tick: samples and faults are due by time, not by an event
                }
                Load.Tally t = load.swap();
                sent += t.sent.get();
                failed += t.failed();
            }
            footprint.sample(c);
        } finally {
            footprint.writeCsv(out.resolve("soak.csv"));
            footprint.writeSvg(out.resolve("soak.svg"), "beacon chaos soak: " + total.toMinutes() + " min, a fault every "
                    + faultEvery.toMinutes() + " min");
            StringBuilder sb = new StringBuilder("# Soak: " + total.toMinutes() + " min, a fault every " + faultEvery.toMinutes()
                    + " min, samples every " + sampleEvery.toSeconds() + " s\n\nShort requests: " + sent + " sent, " + failed + " failed.\n\n");
            sb.append("Faults:\n\n").append(String.join("\n", log)).append("\n\n| Series | Slope per hour (after the first 2 min) |\n|---|---|\n");
            for (Map.Entry<String, Double> e : footprint.slopesPerHour(2).entrySet()) {
                String v = e.getKey().endsWith("bytes") ? String.format(Locale.ROOT, "%+.2f MiB/h", e.getValue() / (1 << 20))
                        : String.format(Locale.ROOT, "%+.1f /h", e.getValue());
                sb.append("| ").append(e.getKey()).append(" | ").append(v).append(" |\n");
            }
            Files.writeString(out.resolve("soak-summary.md"), sb.toString());
        }
        assertTrue(failed == 0 && log.stream().noneMatch(l -> l.contains("NOT CONVERGED")), "soak: " + failed + " failed requests\n" + String.join("\n", log));
        List<String> over = overBounds(footprint.slopesPerHour(2));
        assertTrue(over.isEmpty(), "soak: growth beyond the stated bounds (docs/reliability.md#soak): " + over);
        List<String> leaks = new ArrayList<>();
        assertTrue(Files.isDirectory(out.resolve("logs")), "the processes' logs were kept in " + out.resolve("logs"));
        try (var logs = Files.walk(out.resolve("logs"))) {
            for (Path p : logs.filter(Files::isRegularFile).toList()) {
                if (new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.UTF_8).contains("LEAK:")) leaks.add(p.toString());
            }
        }
        assertTrue(leaks.isEmpty(), "soak: Netty leak reports in " + leaks);
    }

    /**
     * The pass bounds, per product process, on the least-squares slope after the first 2 minutes: what a leak of one
     * object per request or per fault would exceed within the run, and what a JVM settling its heap does not. Heap after
     * GC is judged when the JVM has had a major collection (G1 reports it then); old-generation use stands in for it.
     */
    static final Map<String, Double> BOUNDS_PER_HOUR = Map.of(
            "heap_after_gc_bytes", 16.0 * (1 << 20),
            "old_gen_used_bytes", 16.0 * (1 << 20),
            "netty_direct_bytes", 16.0 * (1 << 20),
            "rss_bytes", 64.0 * (1 << 20),
            "open_fds", 60.0,
            "threads", 20.0);

    static List<String> overBounds(Map<String, Double> slopes) {
        List<String> over = new ArrayList<>();
        for (Map.Entry<String, Double> e : slopes.entrySet()) {
            // the product's processes; the test JVM (the load generator, its heap free to grow) is reported, not judged
            if (e.getKey().startsWith("test-jvm ")) continue;
            String metric = e.getKey().substring(e.getKey().lastIndexOf(' ') + 1);
            Double bound = BOUNDS_PER_HOUR.get(metric);
            if (bound != null && e.getValue() > bound) over.add(e.getKey() + " " + Footprint.human(e.getValue()) + "/h > " + Footprint.human(bound) + "/h");
        }
        return over;
    }
}
