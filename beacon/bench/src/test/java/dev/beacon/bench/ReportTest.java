package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @Test
    void mediansRatiosAndTargetsAreWhatTheTablePrints() {
        Report r = new Report();
        r.figure("bulk_1", "Bulk throughput, 1 stream", "MB/s", true);
        for (double v : new double[] {300, 900, 500}) r.add("bulk_1", Target.BEACON, v);
        for (double v : new double[] {400, 600}) r.add("bulk_1", Target.HAPROXY, v);
        r.add("bulk_1", Target.FORWARD, 350);
        assertEquals(500, r.figures.get("bulk_1").median(Target.BEACON));
        assertEquals(500, r.figures.get("bulk_1").median(Target.HAPROXY), "even count: mean of the middle two");
        assertNull(r.figures.get("bulk_1").median(Target.DIRECT), "not measured is not zero");
        r.checks.add(new Report.Check("beacon >= haproxy", "bulk_1", Target.BEACON, Target.HAPROXY, 1.0, true, null));
        r.checks.add(new Report.Check("one hop >= 80%", "bulk_1", Target.FORWARD, Target.BEACON, 0.8, true, null));
        var out = r.outcomes();
        assertTrue(out.get(0).met());
        assertFalse(out.get(1).met(), "350/500 = 0.7 misses 0.8");
        String md = r.markdown();
        assertTrue(md.contains("| Bulk throughput, 1 stream | MB/s | - | 500 | 350 | 500 | - | 1.00 | 0.70 |"), md);
        assertTrue(md.contains("| one hop >= 80% | 350 MB/s / 500 MB/s = 0.70 | **no** |"), md);
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
