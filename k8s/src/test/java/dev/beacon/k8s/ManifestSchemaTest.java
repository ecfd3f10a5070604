package dev.beacon.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every object every chart renders, with its default values and with each file in its {@code ci/} folder, is valid
 * against the schemas of the oldest and the newest Kubernetes this project supports (1.25, the charts' kubeVersion
 * floor, and 1.36: kubernetes-models 4.1.0 and 5.1.0; the chart rendered with {@code --kube-version} of each) and, for cert-manager and Prometheus Operator objects, against their CRD schemas; see
 * {@code k8s/validate/validate.mjs}. A failure names the chart, the values file, the object and the error.
 *
 * <p>The charts are every folder of {@code k8s/charts/} with a {@code Chart.yaml}, plus the fixture chart in the test
 * resources (which also shows the harness at work when there are no charts yet). The negative tests show that the
 * validator can fail: a broken object and a chart whose values render one are reported invalid.
 */
class ManifestSchemaTest {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Path FIXTURE = Path.of("src/test/resources/fixture-chart");

    @Test
    void everyChartOfTheModuleIsValidated() {
        if (!System.getProperty("beacon.charts.dir", "").isEmpty()) return;
        List<String> names = charts().stream().map(p -> p.getFileName().toString()).toList();
        for (String chart : Charts.CHARTS) assertTrue(names.contains(chart), "chart " + chart + " is validated: " + names);
    }

    /** One render: a chart, a values file (null: defaults), the Kubernetes version it is rendered for and checked against. */
    private record Case(String label, String kubernetes, List<JsonNode> objects, Exception renderError) {}

    @TestFactory
    Stream<DynamicTest> everyRenderedObjectIsValid() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (Path chart : charts()) {
            List<Path> valueFiles = new ArrayList<>();
            valueFiles.add(null);
            valueFiles.addAll(ciValues(chart));
            for (Path values : valueFiles) for (String kube : SchemaValidator.KUBERNETES) {
                String label = chart.getFileName() + " with " + (values == null ? "default values" : "ci/" + values.getFileName())
                        + " for Kubernetes " + kube;
                try {
                    cases.add(new Case(label, kube, render(chart, values, kube), null));
                } catch (Exception e) {
                    cases.add(new Case(label, kube, List.of(), e));
                }
            }
        }
        // one validator run per Kubernetes version for every render (a node start each would take a second apiece)
        java.util.Map<Case, List<SchemaValidator.Result>> results = new java.util.HashMap<>();
        for (String kube : SchemaValidator.KUBERNETES) {
            List<Case> these = cases.stream().filter(c -> c.kubernetes().equals(kube)).toList();
            List<JsonNode> all = these.stream().flatMap(c -> c.objects().stream()).toList();
            List<SchemaValidator.Result> r = SchemaValidator.validate(all, kube);
            int from = 0;
            for (Case c : these) {
                results.put(c, r.subList(from, from + c.objects().size()));
                from += c.objects().size();
            }
        }
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.label(), () -> {
            if (c.renderError() != null) throw new AssertionError(c.label() + ": helm template failed: " + c.renderError().getMessage(), c.renderError());
            assertFalse(c.objects().isEmpty(), c.label() + " renders no object");
            List<String> failures = new ArrayList<>();
            for (SchemaValidator.Result r : results.get(c)) {
                for (String e : r.errors()) failures.add(c.label() + ": " + r.object() + ": " + e);
            }
            assertTrue(failures.isEmpty(), failures.size() + " schema errors:\n" + String.join("\n", failures));
        }));
    }

    @Test
    void aDeploymentWithContainersAsAStringIsInvalid() throws Exception {
        JsonNode good = YAML.readTree("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers: [{name: web, image: nginx}]
                """);
        ObjectNode broken = good.deepCopy();
        ((ObjectNode) broken.path("spec").path("template").path("spec")).put("containers", "web");
        JsonNode unknownKind = YAML.readTree("{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}");
        JsonNode removedApi = YAML.readTree("{apiVersion: policy/v1beta1, kind: PodDisruptionBudget, metadata: {name: p}, spec: {maxUnavailable: 1}}");

        ObjectNode misspelt = good.deepCopy();
        ((ObjectNode) misspelt.path("spec").path("template").path("spec").path("containers").get(0)).putObject("readinessProb");

        List<SchemaValidator.Result> r = SchemaValidator.validate(List.of(good, broken, unknownKind, removedApi, misspelt));
        assertTrue(r.get(0).valid(), "the well-formed Deployment passes: " + r.get(0));
        assertEquals(List.of("kubernetes 1.25 (kubernetes-models 4.1.0)", "kubernetes 1.36 (kubernetes-models 5.1.0)"), r.get(0).schemas(),
                "built-in kinds are checked against the oldest and the newest supported Kubernetes");
        assertFalse(r.get(1).valid(), "containers as a string is reported");
        assertEquals(2, r.get(1).errors().size(), "once per Kubernetes version: " + r.get(1).errors());
        assertTrue(r.get(1).errors().stream().allMatch(e -> e.contains("/spec/template/spec/containers: must be array")), r.get(1).errors().toString());
        assertFalse(r.get(2).valid(), "an unknown kind is an error, not a pass");
        assertTrue(r.get(2).errors().get(0).contains("unknown kind: example.com/v1 Widget"), r.get(2).errors().toString());
        assertFalse(r.get(3).valid(), "a removed beta API is an error although kubernetes-models still has its schema");
        assertEquals(List.of("[kubernetes 1.25 (kubernetes-models 4.1.0)] /spec/template/spec/containers/0/readinessProb: unknown field",
                "[kubernetes 1.36 (kubernetes-models 5.1.0)] /spec/template/spec/containers/0/readinessProb: unknown field"), r.get(4).errors(),
                "a field the schema does not declare (a misspelt probe) is an error, as with the API server's strict field validation");
    }

    @Test
    void customResourcesAreCheckedAgainstTheirCrdSchemas() throws Exception {
        JsonNode cert = YAML.readTree("{apiVersion: cert-manager.io/v1, kind: Certificate, metadata: {name: c},"
                + " spec: {secretName: s, issuerRef: {name: i}, duration: 90}}"); // duration must be a string
        JsonNode monitor = YAML.readTree("{apiVersion: monitoring.coreos.com/v1, kind: ServiceMonitor, metadata: {name: m},"
                + " spec: {selector: {}, endpoints: {port: admin}}}"); // endpoints must be a list
        List<SchemaValidator.Result> r = SchemaValidator.validate(List.of(cert, monitor));
        assertTrue(r.get(0).schemas().get(0).startsWith("cert-manager"), r.get(0).toString());
        assertTrue(r.get(0).errors().stream().anyMatch(e -> e.contains("/spec/duration")), r.get(0).toString());
        assertTrue(r.get(1).schemas().get(0).startsWith("prometheus-operator"), r.get(1).toString());
        assertTrue(r.get(1).errors().stream().anyMatch(e -> e.contains("/spec/endpoints")), r.get(1).toString());
    }

    @Test
    void aChartThatRendersAnInvalidObjectFailsNamingTheObject() throws Exception {
        Path values = Files.createTempFile("broken", ".yaml");
        try {
            Files.writeString(values, "replicaCount: many\n"); // renders replicas: many
            List<SchemaValidator.Result> r = SchemaValidator.validate(render(FIXTURE, values, "1.36"));
            List<String> errors = r.stream().filter(x -> !x.valid()).map(x -> x.object() + ": " + x.errors()).toList();
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.get(0).startsWith("apps/v1 Deployment rel-fixture: "), errors.get(0));
            assertTrue(errors.get(0).contains("/spec/replicas: must be integer"), errors.get(0));
        } finally {
            Files.deleteIfExists(values);
        }
    }

    /** Every chart under charts/ (or -Dbeacon.charts.dir) with a Chart.yaml, then the fixture chart. */
    static List<Path> charts() {
        List<Path> out = new ArrayList<>();
        String override = System.getProperty("beacon.charts.dir", "");
        Path dir = override.isEmpty() ? SchemaValidator.moduleDir().resolve("charts") : Path.of(override);
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> Files.isRegularFile(p.resolve("Chart.yaml"))).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        out.add(SchemaValidator.moduleDir().resolve(FIXTURE));
        return out;
    }

    static List<Path> ciValues(Path chart) {
        Path ci = chart.resolve("ci");
        if (!Files.isDirectory(ci)) return List.of();
        try (Stream<Path> s = Files.list(ci)) {
            return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * {@code helm template rel <chart> -n beacon-system --kube-version <kubernetes>.0 [-f values]}, parsed into one node
     * per object: rendered for the version it is validated against (a chart may branch on .Capabilities.KubeVersion).
     */
    static List<JsonNode> render(Path chart, Path values, String kubernetes) throws IOException {
        TemplateCommand t = new Helm(chart.toAbsolutePath()).template().withName("rel").withNamespace("beacon-system")
                .withKubeVersion("v" + kubernetes + ".0");
        if (values != null) t = t.withValuesFile(values.toAbsolutePath());
        String text = t.call();
        List<JsonNode> out = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(text)) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isMissingNode()) out.add(n);
            }
        }
        return out;
    }
}
