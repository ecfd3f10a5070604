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
