package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @Test
    void mediansSpreadsRatiosAndTargetsAreWhatTheTablePrints() {
        Report r = new Report();
        r.figure("bulk_1", "Bulk throughput, 1 stream", "MB/s", true);
        for (double v : new double[] {300, 900, 500}) r.add("bulk_1", Target.BEACON, v);
        for (double v : new double[] {400, 600}) r.add("bulk_1", Target.HAPROXY, v);
        r.add("bulk_1", Target.FORWARD, 350);
        r.add("bulk_1", Target.NGINX, 250);
        assertEquals(500, r.figures.get("bulk_1").median(Target.BEACON));
        assertEquals(500, r.figures.get("bulk_1").median(Target.HAPROXY), "even count: mean of the middle two");
        assertNull(r.figures.get("bulk_1").median(Target.DIRECT), "not measured is not zero");
        r.checks.add(new Report.Check("one hop >= 80%", "bulk_1", Target.FORWARD, Target.BEACON, 0.8, true, null));
        var out = r.outcomes();
        assertFalse(out.get(0).met(), "350/500 = 0.7 misses 0.8");
        String md = r.markdown();
        assertTrue(md.contains("| Bulk throughput, 1 stream | MB/s | - | 500 (300–900) | 350 | 500 (400–600) | 250 | - | 1.00 | 2.00 | 0.70 |"), md);
        assertTrue(md.contains("| one hop >= 80% | 350 MB/s / 500 MB/s = 0.70; 1 of 1 rounds | **no** |"), md); // round 1: 350 / 300 meets it alone; the median does not
    }

    @Test
    void aTargetIsMetOnlyWhenTheMedianAndAllRoundsButOneMeetIt() {
        Report r = new Report();
        r.figure("bulk_1", "Bulk throughput, 1 stream", "MB/s", true);
        // beacon/haproxy per round: 1.2, 1.1, 0.9, 0.8, 1.3 -> medians 110/100 = 1.1 meet 1.0, but only 3 of 5 rounds do
        double[] beacon = {120, 110, 90, 80, 130};
        double[] haproxy = {100, 100, 100, 100, 100};
        for (int i = 0; i < 5; i++) {
            r.add("bulk_1", Target.BEACON, beacon[i]);
            r.add("bulk_1", Target.HAPROXY, haproxy[i]);
        }
        r.checks.add(new Report.Check("beacon >= haproxy", "bulk_1", Target.BEACON, Target.HAPROXY, 1.0, true, null));
        r.checks.add(new Report.Check("beacon >= 0.85x haproxy", "bulk_1", Target.BEACON, Target.HAPROXY, 0.85, true, null));
        var out = r.outcomes();
        assertEquals(3, out.get(0).roundsMet());
        assertEquals(5, out.get(0).roundsCompared());
        assertFalse(out.get(0).met(), "the median meets it, 3 of 5 rounds are not enough");
        assertEquals(4, out.get(1).roundsMet());
        assertTrue(out.get(1).met(), "4 of 5 rounds and the median meet 0.85x");
        assertEquals(2, Report.roundsNeeded(3));
        assertEquals(2, Report.roundsNeeded(2), "below 3 rounds every round must meet it");
        assertEquals(1, Report.roundsNeeded(1));
    }

    @Test
    void issue15TargetsStrictlyBelowAtMostAndWithinAFactorOfLocal() {
        Report r = new Report();
        r.figure("lat_1000_p99", "Latency at 1k req/s, p99", "ms", false);
        r.figure("setup_p50", "Setup, p50", "ms", false);
        r.figure("bulk_16", "Bulk throughput, 16 streams", "MB/s", true);
        r.figure("cpu_floor", "Relay CPU per GB / floor (16 streams)", "x", false);
        r.figure("ready_1", "Node start to /readyz 200, alone", "ms", false);
        r.figure("mem_total", "Idle stream memory, RSS + heap per stream", "KiB", false);
        for (int i = 0; i < 5; i++) {
            r.add("lat_1000_p99", Target.BEACON, 2.0);
            r.add("lat_1000_p99", Target.HAPROXY, 2.0);
            r.add("setup_p50", Target.BEACON, 2.0);
            r.add("setup_p50", Target.FORWARD, new double[] {2.5, 2.2, 2.6, 2.3, 2.1}[i]);
            r.add("bulk_16", Target.BEACON, 1000);
            r.add("bulk_16", Target.FORWARD, new double[] {900, 950, 890, 920, 980}[i]);
            r.add("cpu_floor", Target.BEACON, new double[] {1.4, 1.5, 1.6, 1.45, 1.49}[i]);
            r.add("ready_1", Target.BEACON, new double[] {900, 1000, 1100, 1200, 950}[i]);
            r.add("mem_total", Target.BEACON, 12.0);
        }
        r.checks.add(new Report.Check("p99 at 1k: beacon < haproxy", "lat_1000_p99", Target.BEACON, Target.HAPROXY, 1.0, false, null, true));
        r.checks.add(new Report.Check("p99 at 1k: beacon <= haproxy", "lat_1000_p99", Target.BEACON, Target.HAPROXY, 1.0, false, null));
        r.checks.add(new Report.Check("One-hop setup p50 <= 1.2x local", "setup_p50", Target.FORWARD, Target.BEACON, 1.2, false, null));
        r.checks.add(new Report.Check("One hop, 16 streams >= 0.9x local", "bulk_16", Target.FORWARD, Target.BEACON, 0.9, true, null));
        r.checks.add(new Report.Check("CPU <= 1.5x floor", "cpu_floor", Target.BEACON, null, 0, false, 1.5));
        r.checks.add(new Report.Check("ready <= 1000 ms", "ready_1", Target.BEACON, null, 0, false, 1000.0));
        r.checks.add(new Report.Check("memory <= 12 KiB", "mem_total", Target.BEACON, null, 0, false, 12.0));
        var out = r.outcomes();
        assertFalse(out.get(0).met(), "equal to HAProxy is not below it");
        assertEquals(0, out.get(0).roundsMet());
        assertTrue(out.get(1).met(), "equal to HAProxy is at or below it");
        assertFalse(out.get(2).met(), "one hop's setup p50 2.3 / 2.0 = 1.15 meets 1.2x, but 2.5 and 2.6 do not: 3 of 5 rounds");
        assertEquals(3, out.get(2).roundsMet());
        assertTrue(out.get(3).met(), "920 / 1000 and 4 of 5 rounds at 0.9x or more");
        assertEquals(4, out.get(3).roundsMet());
        assertTrue(out.get(4).met(), "median 1.49 and 4 of 5 rounds within 1.5x (1.5 itself counts)");
        assertFalse(out.get(5).met(), "median 1000 ms meets 1000, but 1100 and 1200 are two rounds over");
        assertEquals(3, out.get(5).roundsMet());
        assertTrue(out.get(6).met(), "12 KiB is at most 12 KiB");
        String md = r.markdown();
        assertTrue(md.contains("| CPU <= 1.5x floor | 1.49 x vs <= 1.50; 4 of 5 rounds | yes |"), md);
        assertTrue(md.contains("| ready <= 1000 ms | 1,000 ms vs <= 1,000; 3 of 5 rounds | **no** |"), md);
    }

    @Test
    void theFloorIsInTheReportAndTheJson() throws Exception {
        Report r = new Report();
        r.mode = "pinned";
        r.rounds = 2;
        r.figure("cpu_floor", "Relay CPU per GB / floor (16 streams)", "x", false);
        r.add("cpu_floor", Target.BEACON, 2.0);
        r.floorCommand = "taskset -c 1 openssl speed -mr -evp aes-128-gcm -seconds 1 -bytes 16384";
        for (double bps : new double[] {4.0e9, 5.0e9}) {
            r.floorBytesPerSecond.add(bps);
            r.floor.values.computeIfAbsent("floor", k -> new java.util.ArrayList<>()).add(Floor.secondsPerGb(bps));
        }
        String md = r.markdown();
        assertTrue(md.contains("| Relay CPU per GB / floor (16 streams) | x | - | 2.00 |"), md);
        assertTrue(md.contains("Physical floor of relay CPU per GB (a blind relay decrypts and re-encrypts every byte once): 0.45 (0.40–0.50) s/GB"), md);
        assertTrue(md.contains("`taskset -c 1 openssl speed -mr -evp aes-128-gcm -seconds 1 -bytes 16384` (4.50 GB/s)"), md);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Report.json(List.of(r)));
        assertEquals(0.45, json.at("/floor/s_per_gb").asDouble(), 1e-9);
        assertEquals(0.4, json.at("/floor/s_per_gb_min").asDouble(), 1e-9);
        assertEquals(5.0e9, json.at("/floor/rounds_bytes_per_second/1").asDouble(), 1);
        assertEquals(r.floorCommand, json.at("/modes/pinned/floor/command").asText());
    }

    @Test
    void opensslSpeedIsParsedInItsMachineReadableAndItsTableForm() {
        String mr = "+DT:AES-128-GCM:1:16384\n+R:54118:AES-128-GCM:0.160000\n+H:16384\n+F:25:AES-128-GCM:5541683200.00\n";
        assertEquals(5541683200.0, Floor.parse(mr), 1);
        String mrAll = "+H:16:64:256:1024:8192:16384\n+F:25:AES-128-GCM:1.0:2.0:3.0:4.0:5.0:4470000000.00\n";
        assertEquals(4.47e9, Floor.parse(mrAll), 1);
        String one = "version: 3.0.19\nThe 'numbers' are in 1000s of bytes per second processed.\n"
                + "type          16384 bytes\nAES-128-GCM    5622005.76k\n";
        assertEquals(5622005760.0, Floor.parse(one), 1);
        String all = "type             16 bytes     64 bytes    256 bytes   1024 bytes   8192 bytes  16384 bytes\n"
                + "AES-128-GCM     512345.12k   1400000.00k  3000000.00k  4000000.00k  4400000.00k  4470000.00k\n";
        assertEquals(4.47e9, Floor.parse(all), 1);
        assertTrue(Double.isNaN(Floor.parse("speed: Unknown option -bytes\n")));
        assertTrue(Double.isNaN(Floor.parse("type 16 bytes\nAES-128-GCM 0.00k\n")), "no 16384 column");
        assertEquals(0.447, Floor.secondsPerGb(4.47e9), 0.001, "2 x 1e9 / 4.47 GB/s");
        assertTrue(Double.isNaN(Floor.secondsPerGb(Double.NaN)));
    }

    @Test
    void pinnedIsTheMainTableUnpinnedTheSecondAndBothAreInTheJson() throws Exception {
        Report pinned = new Report();
        pinned.mode = "pinned";
        pinned.placement = "relay on CPU 1";
        pinned.rounds = 2;
        pinned.figure("bulk_1", "Bulk throughput, 1 stream", "MB/s", true);
        pinned.add("bulk_1", Target.NGINX, 200);
        pinned.add("bulk_1", Target.NGINX, 220);
        Report unpinned = new Report();
        unpinned.mode = "unpinned";
        unpinned.rounds = 2;
        unpinned.figure("bulk_1", "Bulk throughput, 1 stream", "MB/s", true);
        unpinned.add("bulk_1", Target.NGINX, 300);
        String md = Report.markdown(List.of(pinned, unpinned), "images/performance-rounds.svg");
        assertTrue(md.indexOf("### Pinned (the main comparison)") < md.indexOf("### Unpinned"), md);
        assertTrue(md.contains("relay on CPU 1"), md);
        assertTrue(md.contains("(images/performance-rounds.svg)"), md);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Report.json(List.of(pinned, unpinned)));
        assertEquals("pinned", json.get("main").asText());
        assertEquals(210, json.at("/figures/bulk_1/median/nginx").asDouble(), "the main comparison at the top level");
        assertEquals(200, json.at("/figures/bulk_1/min/nginx").asDouble());
        assertEquals(300, json.at("/modes/unpinned/figures/bulk_1/median/nginx").asDouble());
    }

    @Test
    void thePlotHasADotPerRoundAndATickPerMedianAndSitsInImagesBesideTheReport() {
        Report r = new Report();
        r.mode = "pinned";
        r.figure("setup_p99", "Setup, p99", "ms", false);
        for (double v : new double[] {1, 2, 3, 4, 5}) r.add("setup_p99", Target.BEACON, v);
        for (double v : new double[] {2, 2, 2, 2, 2}) r.add("setup_p99", Target.NGINX, v);
        String svg = Plot.svg(List.of(r));
        assertEquals(10, svg.split("<circle", -1).length - 1 - 1, "10 round dots plus the legend's dot");
        assertTrue(svg.contains("beacon round 5: 5.00 ms"), svg);
        assertTrue(svg.contains(">nginx</text>"), svg);
        assertEquals(Path.of("docs/images/performance-rounds.svg").toAbsolutePath(), Plot.pathFor(Path.of("docs/performance.md")));
    }

    @Test
    void cpuListsAreParsed() {
        assertEquals(List.of(0, 1), Pinning.parse("0-1"));
        assertEquals(List.of(0, 2, 3, 4, 7), Pinning.parse("0,2-4,7"));
    }

    @Test
    void theTableReplacesOnlyWhatIsBetweenTheMarkers(@TempDir Path dir) throws Exception {
        Path doc = dir.resolve("performance.md");
        Files.writeString(doc, "# Performance\n\nmethod text\n");
        Report.writeInto(doc, "first table\n");
        Report.writeInto(doc, "second table\n");
        String text = Files.readString(doc);
        assertTrue(text.startsWith("# Performance\n\nmethod text\n"), text);
        assertTrue(text.contains("second table"), text);
        assertFalse(text.contains("first table"), text);
        assertEquals(1, text.split("bench:begin", -1).length - 1, "one block");
    }
}
