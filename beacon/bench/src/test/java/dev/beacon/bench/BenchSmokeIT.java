package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * bench server and HAProxy, measures every figure once, and writes the report. What it measures is not checked
 * (that is what the full run is for); that every set-up carried bytes and answered requests is.
 */
class BenchSmokeIT {
    private static final Path BENCH_JAR = Path.of("target/bench.jar");
    private static final Path BEACON_JAR = Path.of("../target/beacon.jar");

    @Test
    void smokeRunMeasuresEverySetupAndWritesTheReport() throws Exception {
        assertTrue(Files.isReadable(BENCH_JAR), "bench.jar is built before integration tests");
        boolean haproxy = Haproxy.version() != null || installHaproxy();
        Path out = Path.of("target/smoke-it");
        List<String> cmd = new ArrayList<>(List.of(Proc.java(), "-jar", BENCH_JAR.toString(), "run", "--smoke",
                "--beacon-jar", BEACON_JAR.toString(), "--work", out.resolve("work").toString(),
                "--markdown", out.resolve("performance.md").toString(), "--json", out.resolve("performance.json").toString()));
        if (!haproxy) cmd.add("--no-haproxy");
        Path log = out.resolve("run.log");
        Files.createDirectories(out);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(240, TimeUnit.SECONDS);
        if (!finished) p.destroyForcibly();
        String output = Files.readString(log);
        System.out.println(output);
        assertTrue(finished, "the smoke run finishes within 240 s");
        assertEquals(0, p.exitValue(), "the smoke run exits 0");

        JsonNode r = new ObjectMapper().readTree(out.resolve("performance.json").toFile());
        List<String> setups = new ArrayList<>(List.of(Target.DIRECT, Target.BEACON, Target.FORWARD));
        if (haproxy) setups.add(Target.HAPROXY);
        for (String s : setups) {
            assertTrue(r.at("/figures/bulk_1/median/" + s).asDouble() > 0, s + " carried bulk bytes");
            assertTrue(r.at("/figures/bulk_16/median/" + s).asDouble() > 0, s + " carried bulk bytes on 16 streams");
            assertTrue(r.at("/figures/sat_rate/median/" + s).asDouble() > 0, s + " answered requests");
            assertTrue(r.at("/figures/lat_200_p99/median/" + s).asDouble() > 0, s + " has a latency figure");
            assertTrue(r.at("/figures/setup_p50/median/" + s).asDouble() > 0, s + " opened streams");
            assertEquals("TLSv1.3 TLS_AES_128_GCM_SHA256", r.at("/ciphers/" + s).asText(), s + " speaks TLS 1.3 with the same suite");
        }
        assertTrue(r.at("/figures/handshakes/median/beacon").asDouble() > 0, "beacon handshakes counted");
        assertTrue(r.at("/figures/mem_total/median/beacon").isNumber(), "beacon idle memory measured");
        assertTrue(r.get("targets").size() >= 7, "the report lists the issue's targets");
        String md = Files.readString(out.resolve("performance.md"));
        assertTrue(md.contains("| Bulk throughput, 1 stream | MB/s |"), md);
        assertTrue(md.contains("<!-- bench:end -->"), "the table sits between the markers");
    }

    /** CI machines start without HAProxy; the benchmark's own script would install it the same way. */
    private static boolean installHaproxy() {
        try {
            Process p = new ProcessBuilder("apt-get", "install", "-y", "-q", "haproxy").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            boolean ok = Haproxy.version() != null;
            if (!ok) System.out.println("WARNING: haproxy could not be installed; the smoke run leaves it out");
            return ok;
        } catch (Exception e) {
            System.out.println("WARNING: haproxy could not be installed (" + e.getMessage() + "); the smoke run leaves it out");
            return false;
        }
    }
}
