package dev.beacon.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The bench command at a tiny scale, so it does not rot: it runs every phase and prints the table. */
class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void aTinyBenchRunsEveryPhaseAndWritesItsTableIntoTheDocs() throws Exception {
        Path docs = dir.resolve("status-page.md");
        Files.writeString(docs, "# x\n\n" + BenchCommand.BEGIN + "\nold\n" + BenchCommand.END + "\n\ntail\n");
        String out = run("bench", "--dir", dir.resolve("work").toString(), "--days", "2", "--components", "2",
                "--locations", "2", "--requests", "20", "--refreshes", "1", "--probe-seconds", "2", "--docs", docs.toString());

        assertTrue(out.contains("| figure | measured | target |"), out);
        for (String row : new String[] {"history generated", "one view refresh", "GET /, quiet", "GET /api/v2/summary.json, quiet",
                "while views refresh", "prober RSS", "daily compaction of the H2 file", "database on disk after 2 days, open",
                "database on disk after 2 days, closed"}) {
            assertTrue(out.contains(row), "no row '" + row + "' in:\n" + out);
        }
        String written = Files.readString(docs);
        assertTrue(written.contains("| GET /, quiet |") && !written.contains("old") && written.endsWith("\n\ntail\n"), written);
    }

    @Test
    void aUsedDirectoryAndBadNumbersAreRefusedByName() throws Exception {
        Files.createDirectories(dir.resolve("page"));
        Files.writeString(dir.resolve("page/status.mv.db"), "");
        assertEquals(2, code("bench", "--dir", dir.toString(), "--days", "1"));
        assertEquals(2, code("bench", "--days", "0"));
        assertEquals(2, code("bench", "--interval", "soon"));
        assertEquals(2, code("bench", "--probe-seconds", "-1"));
        assertEquals(2, code("bench", "--dir", dir.resolve("other").toString(), "--jdbc-url", "jdbc:mysql://localhost/status"));
    }

    private static String run(String... args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            int code = StatusPageMain.commandLine().execute(args);
            String out = printed.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, out);
            return out;
        } finally {
            System.setOut(stdout);
        }
    }

    private static int code(String... args) {
        CommandLine cl = StatusPageMain.commandLine();
        cl.setErr(new PrintWriter(new StringWriter()));
        return cl.execute(args);
    }
}
