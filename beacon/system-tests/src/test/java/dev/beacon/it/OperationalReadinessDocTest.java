package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/operational-readiness.md cites tests as `Class#method`: each must exist in this repository (except those marked
 * pending), and the failure-mode ids must run FM-01, FM-02, ... without gaps, each with its section.
 */
class OperationalReadinessDocTest {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
    static final Path DOC = ROOT.resolve("docs/operational-readiness.md");

    @Test
    void everyCitedTestExists() throws IOException {
        Map<String, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/test/"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .forEach(p -> sources.merge(p.getFileName().toString().replace(".java", ""), read(p), String::concat));
        }
        List<String> missing = new ArrayList<>();
        int cited = 0;
        for (String line : Files.readAllLines(DOC)) {
            Matcher m = Pattern.compile("`([A-Z][A-Za-z]+)#([a-z][A-Za-z0-9]+)`").matcher(line);
            while (m.find()) {
                cited++;
                String cls = m.group(1), method = m.group(2);
                boolean pending = line.substring(m.end()).startsWith(" (pending");
                String src = sources.get(cls);
                if (src == null && pending) continue;
                if (src == null || !src.contains("void " + method + "(")) missing.add(cls + "#" + method);
            }
        }
        assertTrue(cited > 20, "the table cites tests: " + cited);
        assertEquals(List.of(), missing, "tests cited in docs/operational-readiness.md that do not exist");
    }

    @Test
    void idsRunWithoutGapsAndEachHasItsSection() throws IOException {
        String doc = Files.readString(DOC);
        Matcher m = Pattern.compile("^\\| \\[FM-(\\d\\d)]\\(#fm-(\\d\\d)-", Pattern.MULTILINE).matcher(doc);
        int expected = 1;
        while (m.find()) {
            assertEquals(expected, Integer.parseInt(m.group(1)), "ids in order, no gaps");
            assertEquals(m.group(1), m.group(2), "the row links its own section");
            assertTrue(doc.contains("\n### FM-" + m.group(1) + " "), "section FM-" + m.group(1));
            expected++;
        }
        assertTrue(expected > 10, "the table has its rows");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
