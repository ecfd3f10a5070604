package dev.beacon.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus rule files the charts load ({@code k8s/charts/<chart>/files/prometheus-rules.yaml}): valid for
 * {@code promtool check rules}, their unit tests ({@code k8s/monitoring/tests/*.yaml}) pass under
 * {@code promtool test rules}, every alert has a severity and a runbook whose anchor exists in docs/runbooks.md, and
 * every metric (and label value) the rules read is one the code exports, so a renamed metric fails here.
 * promtool comes from {@code k8s/scripts/install-promtool.sh} (Debian's prometheus package when missing).
 */
class PrometheusRulesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static Path root;
    private static String promtool;

    @BeforeAll
    static void installPromtool() throws Exception {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        root = Files.isDirectory(dir.resolve("charts")) ? dir.getParent() : dir;
        assertTrue(Files.isDirectory(root.resolve("k8s/charts")), "run from the k8s module or the repository: " + dir);
        Result r = run(List.of("bash", root.resolve("k8s/scripts/install-promtool.sh").toString()), 600);
        assertEquals(0, r.exit, "install-promtool.sh failed:\n" + r.output);
        String[] lines = r.output.strip().split("\n");
        promtool = lines[lines.length - 1].strip();
    }

    static List<Path> ruleFiles() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("k8s/charts"))) {
            List<Path> files = s.map(c -> c.resolve("files/prometheus-rules.yaml")).filter(Files::isRegularFile).sorted().toList();
            assertFalse(files.isEmpty(), "no k8s/charts/*/files/prometheus-rules.yaml");
            return files;
        }
    }

    @Test
    void everyRuleFileIsValidForPromtool() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(promtool, "check", "rules"));
        ruleFiles().forEach(p -> cmd.add(p.toString()));
        Result r = run(cmd, 120);
        assertEquals(0, r.exit, "promtool check rules:\n" + r.output);
    }

    @Test
    void unitTestsPass() throws Exception {
        List<Path> tests;
        try (Stream<Path> s = Files.list(root.resolve("k8s/monitoring/tests"))) {
            tests = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(tests.isEmpty(), "no k8s/monitoring/tests/*.yaml");
        List<String> cmd = new ArrayList<>(List.of(promtool, "test", "rules"));
        tests.forEach(p -> cmd.add(p.toString()));
        Result r = run(cmd, 600);
        assertEquals(0, r.exit, "promtool test rules:\n" + r.output);
        // every alert of every rule file is exercised by some unit test
        Set<String> tested = new TreeSet<>();
        for (Path t : tests) YAML.readTree(t.toFile()).path("tests").forEach(tc -> tc.path("alert_rule_test")
                .forEach(a -> tested.add(a.path("alertname").asText())));
        Set<String> untested = new TreeSet<>(alerts().stream().map(a -> a.path("alert").asText()).toList());
        untested.removeAll(tested);
        assertTrue(untested.isEmpty(), "alerts with no promtool unit test: " + untested);
    }

    @Test
    void everyAlertHasASeverityAndARunbookWhoseAnchorExists() throws Exception {
        Set<String> anchors = anchors(Files.readString(root.resolve("docs/runbooks.md")));
        List<String> problems = new ArrayList<>();
        for (JsonNode a : alerts()) {
            String name = a.path("alert").asText();
            String severity = a.path("labels").path("severity").asText();
            if (!Set.of("critical", "warning").contains(severity)) problems.add(name + ": severity '" + severity + "'");
            String url = a.path("annotations").path("runbook_url").asText();
            if (!url.startsWith("docs/runbooks.md#")) {
                problems.add(name + ": runbook_url '" + url + "' is not docs/runbooks.md#<anchor>");
            } else if (!anchors.contains(url.substring(url.indexOf('#') + 1))) {
                problems.add(name + ": no heading in docs/runbooks.md for " + url);
            }
            if (a.path("annotations").path("summary").asText().isBlank()) problems.add(name + ": no summary");
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void anchorsAreTheOnesGitHubMakes() {
        Set<String> a = anchors("# Runbooks\n## Availability SLI\n### BeaconNodeDown\n```\n# not a heading\n```\n");
        assertEquals(Set.of("runbooks", "availability-sli", "beaconnodedown"), a);
    }

    /**
     * Each metric the rules read is in a real /metrics scrape of the service (saved from the local system in
     * src/test/resources/monitoring/) and built in the code under its Micrometer name; label values the rules match
     * on (reason, outcome, state, status, ...) appear in the code.
     */
    @Test
    void everyMetricTheRulesReadIsExportedByTheCode() throws Exception {
        Set<String> scraped = new TreeSet<>();
        for (String s : List.of("beacon", "bridge", "status-page")) {
            String text = resource("monitoring/" + s + "-metrics.txt");
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) continue;
                scraped.add(line.split("[{ ]", 2)[0]);
            }
        }
        String code = mainSources();
        Set<String> recorded = new TreeSet<>();
        List<String> exprs = new ArrayList<>();
        for (Path f : ruleFiles()) {
            for (JsonNode g : YAML.readTree(f.toFile()).path("groups")) {
                for (JsonNode r : g.path("rules")) {
                    if (r.has("record")) recorded.add(r.path("record").asText());
                    exprs.add(r.path("expr").asText());
                }
            }
        }
        List<String> problems = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        for (String e : exprs) used.addAll(metricNames(e));
        assertTrue(used.contains("beacon_streams_failed_total") && used.contains("bridge_openbao_nodes"), "parsed: " + used);
        for (String m : used) {
            if (recorded.contains(m) || m.equals("up")) continue;
            if (m.contains(":")) {
                problems.add(m + ": looks like a recording rule but none records it");
                continue;
            }
            if (!scraped.contains(m)) problems.add(m + ": not in the saved /metrics scrapes (src/test/resources/monitoring)");
            if (!builtInCode(m, code)) problems.add(m + ": no meter of that name is built in the code (renamed?)");
        }
        Matcher lv = Pattern.compile("\\b(reason|outcome|state|status|direction|certificate|kind)\\s*(?:=~|!~|!=|=)\\s*\"([^\"]*)\"")
                .matcher(String.join("\n", exprs));
        while (lv.find()) {
            for (String v : lv.group(2).split("\\|")) {
                if (!Pattern.compile("(?i)\\b" + Pattern.quote(v) + "\\b").matcher(code).find()) {
                    problems.add(lv.group(1) + "=\"" + v + "\": that value appears nowhere in the code");
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** The dashboard is Grafana JSON for the sidecar, on the chosen datasource, and reads only what exists. */
    @Test
    void theDashboardReadsOnlyRecordedOrExportedMetrics() throws Exception {
        JsonNode d = new ObjectMapper().readTree(root.resolve("k8s/charts/beacon/files/grafana-dashboard.json").toFile());
        assertTrue(d.path("schemaVersion").asInt() >= 36, "schemaVersion");
        assertFalse(d.path("uid").asText().isBlank(), "uid");
        Set<String> recorded = new TreeSet<>();
        for (Path f : ruleFiles()) {
            for (JsonNode g : YAML.readTree(f.toFile()).path("groups")) {
                for (JsonNode r : g.path("rules")) if (r.has("record")) recorded.add(r.path("record").asText());
            }
        }
        String code = mainSources();
        List<String> problems = new ArrayList<>();
        int exprs = 0;
        for (JsonNode p : d.path("panels")) {
            if (p.path("type").asText().equals("row")) continue;
            String title = p.path("title").asText();
            if (!p.path("datasource").path("uid").asText().equals("${DS_PROMETHEUS}")) problems.add(title + ": datasource");
            for (JsonNode t : p.path("targets")) {
                exprs++;
                for (String m : metricNames(t.path("expr").asText().replace("$__rate_interval", "5m"))) {
                    if (m.equals("up") || recorded.contains(m)) continue;
                    if (m.contains(":") || !builtInCode(m, code)) problems.add(title + ": " + m + " is neither recorded nor exported");
                }
            }
        }
        assertTrue(exprs > 20, "queries: " + exprs);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theMetricNameParserFindsMetricsAndNothingElse() {
        assertEquals(Set.of("a_total", "b", "up"), metricNames(
                "sum by (namespace, le) (rate(a_total{reason=~\"x|y\"}[5m])) / on (job) group_left() b > bool 0 and up offset 5m"));
    }

    // ---- helpers

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "and", "or", "unless", "bool", "offset", "inf", "nan", "atan2");

    /** Metric names (and recording-rule names) in a PromQL expression. */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // strings
                .replaceAll("\\{[^}]*}", " ")                              // label matchers
                .replaceAll("\\[[^]]*]", " ")                              // ranges and subqueries
                .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\b\\d+(\\.\\d+)?([eE][+-]?\\d+)?\\b", " ")
                .replaceAll("\\b\\d+[smhdwy]\\b", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(s);
        while (m.find()) {
            if (m.group(2) != null) continue; // a function or an aggregation
            String n = m.group(1);
            if (!KEYWORDS.contains(n.toLowerCase(Locale.ROOT))) names.add(n);
        }
        return names;
    }

    /** The meter is built in main code: its Prometheus name minus the suffixes Micrometer adds, dotted or not. */
    static boolean builtInCode(String prometheusName, String code) {
        String base = prometheusName.replaceAll("_(bucket|count|sum|max)$", "");
        Set<String> candidates = new TreeSet<>(List.of(base));
        for (String suffix : List.of("_total", "_seconds", "_bytes")) {
            for (String c : List.copyOf(candidates)) if (c.endsWith(suffix)) candidates.add(c.substring(0, c.length() - suffix.length()));
        }
        for (String c : candidates) {
            if (code.contains("\"" + c + "\"") || code.contains("\"" + c.replace('_', '.') + "\"")) return true;
        }
        return false;
    }

    /** GitHub's heading anchors: lower case, punctuation other than - and _ dropped, spaces to -. */
    static Set<String> anchors(String markdown) {
        Set<String> out = new TreeSet<>();
        boolean fence = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("```")) fence = !fence;
            if (fence || !line.matches("#{1,6} .*")) continue;
            String text = line.replaceFirst("#{1,6} ", "").strip().toLowerCase(Locale.ROOT);
            out.add(text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
        }
        return out;
    }

    static List<JsonNode> alerts() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (Path f : ruleFiles()) {
            JsonNode doc = YAML.readTree(f.toFile());
            assertTrue(doc.path("groups").isArray(), f + ": no top-level groups:");
            for (JsonNode g : doc.path("groups")) for (JsonNode r : g.path("rules")) if (r.has("alert")) out.add(r);
        }
        assertFalse(out.isEmpty());
        return out;
    }

    private static String mainSources() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(root)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/main/java/"))
                    .filter(p -> !root.relativize(p).startsWith("k8s"))
                    .toList();
            for (Path p : files) sb.append(Files.readString(p)).append('\n');
        }
        return sb.toString();
    }

    private static String resource(String name) {
        try (var in = PrometheusRulesTest.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) fail("missing test resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Result(int exit, String output) {}

    static Result run(List<String> cmd, long timeoutSeconds) throws Exception {
        Path log = Files.createTempFile("promtool", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s:\n" + Files.readString(log));
            }
            return new Result(p.exitValue(), Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
