package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The benchmark as a user runs it, in its smoke size: the built bench.jar starts real beacon node processes, the
 * bench server, HAProxy and nginx, measures every figure once, pinned and unpinned, and writes the report and the
 * plot. What it measures is not checked (that is what the full run is for); that every set-up carried bytes and
 * answered requests in both comparisons is.
 */
class BenchSmokeIT {
    private static final Path BENCH_JAR = Path.of("target/bench.jar");
    private static final Path BEACON_JAR = Path.of("../target/beacon.jar");

    @Test
    void smokeRunMeasuresEverySetupAndWritesTheReport() throws Exception {
        assertTrue(Files.isReadable(BENCH_JAR), "bench.jar is built before integration tests");
        if (Haproxy.version() == null || Nginx.streamModule() == null) installCompetitors();
        boolean haproxy = Haproxy.version() != null;
        boolean nginx = Nginx.streamModule() != null;
        if (!haproxy) System.out.println("WARNING: haproxy could not be installed; the smoke run leaves it out");
        if (!nginx) System.out.println("WARNING: nginx with its stream module could not be installed; the smoke run leaves it out");
        boolean pinning = Pinning.detect().available();
        boolean opensslSpeed = !Double.isNaN(Floor.bytesPerSecond(List.of()));
        if (!opensslSpeed) System.out.println("WARNING: openssl speed does not run here; the CPU floor is left unmeasured");
        Path out = Path.of("target/smoke-it");
        List<String> cmd = new ArrayList<>(List.of(Proc.java(), "-Dio.netty.leakDetection.level=paranoid", "-jar", BENCH_JAR.toString(), "run", "--smoke",
                "--beacon-jar", BEACON_JAR.toString(), "--work", out.resolve("work").toString(),
                "--markdown", out.resolve("performance.md").toString(), "--json", out.resolve("performance.json").toString()));
        if (!haproxy) cmd.add("--no-haproxy");
        if (!nginx) cmd.add("--no-nginx");
        Path log = out.resolve("run.log");
        Files.createDirectories(out);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(480, TimeUnit.SECONDS);
        if (!finished) p.destroyForcibly();
        String output = Files.readString(log);
        System.out.println(output);
        assertTrue(finished, "the smoke run finishes within 480 s");
        assertEquals(0, p.exitValue(), "the smoke run exits 0");
        // the load generator's request buffers were once never released (a LEAK report in a CI run's log)
        assertFalse(output.contains("LEAK:"), "the load generator released every buffer (Netty's leak detector, paranoid)");
        assertFalse(output.contains("no class-data archive came out of training"), "start to ready trained its class-data archive: " + output);
        try (var logs = Files.walk(out.resolve("work"))) {
            for (Path f : logs.filter(f -> f.toString().endsWith(".log")).toList()) {
                assertFalse(Files.readString(f).contains("LEAK:"), f + " has a Netty LEAK report");
            }
        }

        JsonNode json = new ObjectMapper().readTree(out.resolve("performance.json").toFile());
        List<String> setups = new ArrayList<>(List.of(Target.DIRECT, Target.BEACON, Target.FORWARD));
        if (haproxy) setups.add(Target.HAPROXY);
        if (nginx) setups.add(Target.NGINX);
        List<String> modes = pinning ? List.of("pinned", "unpinned") : List.of("unpinned");
        assertEquals(modes.get(0), json.get("main").asText(), "pinned is the main comparison when taskset works");
        for (String mode : modes) {
            JsonNode r = json.at("/modes/" + mode);
            for (String s : setups) {
                String what = mode + " " + s;
                assertTrue(r.at("/figures/bulk_1/median/" + s).asDouble() > 0, what + " carried bulk bytes");
                assertTrue(r.at("/figures/bulk_16/median/" + s).asDouble() > 0, what + " carried bulk bytes on 16 streams");
                assertTrue(r.at("/figures/sat_rate/median/" + s).asDouble() > 0, what + " answered requests");
                assertTrue(r.at("/figures/lat_200_p99/median/" + s).asDouble() > 0, what + " has a latency figure");
                assertTrue(r.at("/figures/setup_p50/median/" + s).asDouble() > 0, what + " opened streams");
                assertEquals("TLSv1.3 TLS_AES_128_GCM_SHA256", r.at("/ciphers/" + s).asText(), what + " speaks TLS 1.3 with the same suite");
            }
            for (String s : List.of(Target.BEACON, Target.HAPROXY, Target.NGINX)) {
                if (!setups.contains(s)) continue;
                assertTrue(r.at("/figures/handshakes/median/" + s).asDouble() > 0, mode + " " + s + " handshakes counted");
                assertTrue(r.at("/figures/mem_total/median/" + s).isNumber(), mode + " " + s + " idle memory measured");
            }
            if (nginx) assertTrue(r.at("/figures/cpu_relay/median/nginx").asDouble() > 0, mode + " nginx's CPU counted");
            if (opensslSpeed) {
                assertTrue(r.at("/floor/s_per_gb").asDouble() > 0, mode + " the physical CPU floor measured: " + r.get("floor"));
                assertTrue(r.at("/figures/cpu_floor/median/beacon").asDouble() > 0, mode + " beacon's relay CPU per GB / floor has a value");
                assertTrue(r.at("/figures/cpu_floor_sockets/median/beacon").asDouble() > 0, mode + " beacon's CPU against both floors has a value");
            }
            assertTrue(r.at("/floor/sockets_s_per_gb").asDouble() > 0, mode + " the socket floor (HAProxy passing the streams through) measured: " + r.get("floor"));
            assertTrue(r.at("/figures/ready_1/median/beacon").asDouble() > 0, mode + " node start to ready, alone, measured");
            assertTrue(r.at("/figures/ready_3/median/beacon").asDouble() > 0, mode + " node start to ready, three at once, measured");
            assertTrue(r.at("/figures/ready_1_bare/median/beacon").asDouble() > 0, mode + " node start to ready, bare, measured");
            assertTrue(r.at("/figures/ready_cpu_3/median/beacon").asDouble() > 0, mode + " CPU by ready, three at once, measured");
            assertTrue(r.at("/figures/ready_1/median/haproxy").isMissingNode(), mode + " start to ready is the beacon's alone (a dash for the others)");
            List<String> texts = new ArrayList<>();
            r.get("targets").forEach(t -> texts.add(t.get("target").asText()));
            for (String t : List.of("Relay CPU per GB: beacon <= 1.5x the physical floor", "Node start to ready, alone: <= 1000 ms",
                    "Node start to ready, cluster of three at once: <= 1000 ms", "Idle stream memory: beacon (RSS + heap) <= 12 KiB",
                    "One-hop setup time p50: <= 1.2x beacon local")) {
                assertTrue(texts.contains(t), mode + " lists the target '" + t + "': " + texts);
            }
            for (String t : texts) {
                if (t.startsWith("Relay CPU per GB") || t.startsWith("Node start to ready")) {
                    JsonNode target = null;
                    for (JsonNode x : r.get("targets")) if (x.get("target").asText().equals(t)) target = x;
                    assertTrue(target.get("met").isBoolean() || !opensslSpeed && t.startsWith("Relay"), mode + " '" + t + "' was evaluated: " + target);
                }
            }
            assertTrue(r.get("targets").size() >= 9, "the report lists the targets");
        }
        String md = Files.readString(out.resolve("performance.md"));
        assertTrue(md.contains("| Figure | unit | direct | beacon | beacon, one hop | haproxy | nginx |"), md);
        assertTrue(md.contains("| Bulk throughput, 1 stream | MB/s |"), md);
        assertTrue(md.contains("| Relay CPU per GB / floor (16 streams) | x | - | "), md);
        assertTrue(md.contains("| Relay CPU per GB / (floor + socket floor) (16 streams) | x | - | "), md);
        assertTrue(md.contains("| Node start to /readyz 200, alone (shipped: the images' JVM flags and class-data archive) | ms | - | "), md);
        assertTrue(md.contains("| Node start to /readyz 200, cluster of three started at once (all three; shipped) | ms | - | "), md);
        assertTrue(md.contains("| Node start to /readyz 200, alone, bare `java -jar` (no flags, no archive) | ms | - | "), md);
        assertTrue(md.contains("| CPU used by ready, alone (shipped) | ms | - | "), md);
        if (opensslSpeed) assertTrue(md.contains("Physical floor of relay CPU per GB"), md);
        assertTrue(md.contains("Socket floor: "), md);
        assertTrue(md.contains("### Unpinned"), md);
        if (pinning) assertTrue(md.contains("### Pinned (the main comparison)") && md.contains("taskset"), md);
        if (nginx) assertTrue(md.contains(Nginx.version()), "the machine line names nginx's version: " + md);
        assertTrue(md.contains("<!-- bench:end -->"), "the table sits between the markers");
        Path plot = out.resolve("images/performance-rounds.svg");
        assertTrue(md.contains("(images/performance-rounds.svg)"), "the report links the plot: " + md);
        String svg = Files.readString(plot);
        assertTrue(svg.startsWith("<svg") && svg.contains("<circle") && svg.contains(">nginx</text>") == nginx, "the plot has dots per round: " + plot);
    }

    /** CI machines start without HAProxy and nginx; the benchmark's own script installs them (apt-get). */
    private static void installCompetitors() {
        try {
            Process p = new ProcessBuilder("bash", "bench.sh", "--install-competitors").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) p.destroyForcibly();
        } catch (Exception e) {
            System.out.println("WARNING: bench.sh --install-competitors failed: " + e.getMessage());
        }
    }
}
