package dev.beacon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code helm template} of every chart with its defaults and every ci/ values file renders well-formed objects. */
class ChartRenderTest {

    static List<Charts.Case> cases() {
        return Charts.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersNamedObjectsOnce(Charts.Case c) {
        List<JsonNode> objects = c.render();
        assertFalse(objects.isEmpty(), c + " rendered nothing");
        Set<String> seen = new HashSet<>();
        for (JsonNode o : objects) {
            String id = o.path("kind").asText() + "/" + o.path("metadata").path("name").asText();
            assertFalse(o.path("apiVersion").asText().isEmpty(), c + ": " + id + " has no apiVersion");
            assertFalse(o.path("metadata").path("name").asText().isEmpty(), c + ": a " + o.path("kind") + " has no name");
            assertEquals(Charts.NAMESPACE, o.path("metadata").path("namespace").asText(), c + ": " + id + " namespace");
            assertTrue(seen.add(id), c + ": " + id + " rendered twice");
            assertEquals("Helm", o.path("metadata").path("labels").path("app.kubernetes.io/managed-by").asText(), c + ": " + id + " labels");
        }
        assertEquals(1, Charts.workloads(objects).size(), c + ": one workload per chart");
        Charts.one(objects, "ServiceAccount");
        Charts.config(objects);
    }

    @Test
    void beaconCiCoversTheInstallationsUsersRun() {
        Set<String> names = new HashSet<>();
        for (Path p : Charts.ciValues("beacon")) names.add(p.getFileName().toString());
        for (String n : List.of("minimal-values.yaml", "ha-zones-values.yaml", "cert-manager-values.yaml",
                "existing-secrets-values.yaml", "proxy-protocol-values.yaml")) {
            assertTrue(names.contains(n), "beacon ci/ lacks " + n);
        }
    }

    @Test
    void monitoringObjectsFollowTheirFiles() {
        // PrometheusRule and dashboard come from files/ written by another part of the project: absent or empty files
        // render nothing; present ones render one object with the file's groups / JSON.
        for (String chart : Charts.CHARTS) {
            List<JsonNode> objects = Charts.render(chart, null, java.util.Map.of(
                    "prometheusRule.enabled", true, "grafanaDashboard.enabled", true, "serviceMonitor.enabled", true));
            Path dir = Charts.chartDir(chart);
            boolean rules = fileHas(dir.resolve("files/prometheus-rules.yaml"), "groups:");
            boolean dashboard = fileHas(dir.resolve("files/grafana-dashboard.json"), "{");
            assertEquals(rules ? 1 : 0, Charts.ofKind(objects, "PrometheusRule").size(), chart + " PrometheusRule");
            Charts.ofKind(objects, "PrometheusRule").forEach(r ->
                    assertTrue(r.path("spec").path("groups").size() > 0, chart + ": PrometheusRule without groups"));
            long dashboards = Charts.ofKind(objects, "ConfigMap").stream()
                    .filter(cm -> "1".equals(cm.path("metadata").path("labels").path("grafana_dashboard").asText())).count();
            assertEquals(dashboard ? 1 : 0, dashboards, chart + " dashboard ConfigMap");
            assertEquals(1, Charts.ofKind(objects, "ServiceMonitor").size(), chart + " ServiceMonitor");
            JsonNode sm = Charts.one(objects, "ServiceMonitor");
            String port = sm.path("spec").path("endpoints").get(0).path("port").asText();
            boolean selected = Charts.ofKind(objects, "Service").stream().anyMatch(s -> matches(sm, s)
                    && s.path("spec").path("ports").findValuesAsText("name").contains(port));
            assertTrue(selected, chart + ": the ServiceMonitor selects no Service with port " + port);
        }
    }

    private static boolean matches(JsonNode sm, JsonNode service) {
        var want = sm.path("spec").path("selector").path("matchLabels");
        var have = service.path("metadata").path("labels");
        var it = want.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().asText().equals(have.path(e.getKey()).asText())) return false;
        }
        return true;
    }

    private static boolean fileHas(Path p, String text) {
        try {
            return java.nio.file.Files.isRegularFile(p) && java.nio.file.Files.readString(p).contains(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
