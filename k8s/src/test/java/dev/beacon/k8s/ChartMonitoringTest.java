package dev.beacon.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The alerts only work if Prometheus scrapes each service under the job the rules name: the ServiceMonitor's job
 * (the Service's label that jobLabel names) must match every {@code job=~"..."} in the chart's rule file, and the
 * PrometheusRule must carry that file's groups.
 */
class ChartMonitoringTest {
    private static final Pattern JOB = Pattern.compile("job=~\"([^\"]+)\"");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"beacon", "bridge", "status-page"})
    void theScrapeJobIsTheOneTheAlertRulesMatch(String chart) throws Exception {
        Map<String, Object> on = Map.of("serviceMonitor.enabled", true, "prometheusRule.enabled", true);
        List<JsonNode> objects = Charts.render(chart, null, on);
        JsonNode monitor = Charts.one(objects, "ServiceMonitor");
        String jobLabel = monitor.at("/spec/jobLabel").asText();
        assertFalse(jobLabel.isEmpty(), chart + ": ServiceMonitor without jobLabel: Prometheus would name the job after the Service");
        List<JsonNode> scraped = new ArrayList<>();
        for (JsonNode service : Charts.ofKind(objects, "Service")) {
            boolean selected = true;
            var want = monitor.at("/spec/selector/matchLabels").fields();
            while (want.hasNext()) {
                var e = want.next();
                if (!e.getValue().asText().equals(service.at("/metadata/labels").path(e.getKey()).asText(null))) selected = false;
            }
            if (selected) scraped.add(service);
        }
        assertEquals(1, scraped.size(), chart + ": the ServiceMonitor selects one Service");
        String job = scraped.get(0).at("/metadata/labels").path(jobLabel).asText();

        String rules = Files.readString(Charts.chartDir(chart).resolve("files/prometheus-rules.yaml"));
        Matcher m = JOB.matcher(rules);
        int seen = 0;
        while (m.find()) {
            seen++;
            assertTrue(job.matches(m.group(1)), chart + ": the scrape job '" + job + "' does not match job=~\"" + m.group(1) + "\"");
        }
        assertTrue(seen > 0, chart + ": the rules name the scrape job");
        JsonNode rule = Charts.one(objects, "PrometheusRule");
        assertEquals(Charts.YAML.readTree(rules).get("groups").size(), rule.at("/spec/groups").size(), chart + ": every rule group");
    }
}
