package dev.beacon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Renders the charts in {@code k8s/charts/} with real Helm (helm-java, offline) and parses what they render.
 * Public so that every test in this module (schema validation, boot tests, rules) renders the charts the same way.
 *
 * <pre>
 *   List&lt;JsonNode&gt; objects = Charts.render("beacon", Charts.ciValues("beacon").get(0));
 *   JsonNode sts = Charts.one(objects, "StatefulSet");
 *   String config = Charts.configYaml(objects, "beacon");  // the YAML file the binary reads
 * </pre>
 */
public final class Charts {

    /** The charts this module holds. */
    public static final List<String> CHARTS = List.of("beacon", "bridge", "status-page");
    /** The release name the helpers render with; objects are named {@code <RELEASE>-<chart>} unless fullnameOverride. */
    public static final String RELEASE = "rel";
    public static final String NAMESPACE = "beacon-system";
    /** The Kubernetes version rendered for (helm-java's default, 1.20, is older than the charts' kubeVersion). */
    public static final String KUBE_VERSION = "1.30.0";

    public static final ObjectMapper YAML = new YAMLMapper();

    private Charts() {}

    /** {@code k8s/charts/<chart>}, found from the working directory (the module or the repository root). */
    public static Path chartDir(String chart) {
        for (Path base : List.of(Path.of("charts"), Path.of("k8s", "charts"))) {
            Path p = base.resolve(chart).toAbsolutePath();
            if (Files.isRegularFile(p.resolve("Chart.yaml"))) return p;
        }
        throw new IllegalStateException("no chart " + chart + " under charts/ or k8s/charts/ from " + Path.of("").toAbsolutePath());
    }

    /** Every values file in the chart's {@code ci/} folder, sorted by name. */
    public static List<Path> ciValues(String chart) {
        Path ci = chartDir(chart).resolve("ci");
        if (!Files.isDirectory(ci)) return List.of();
        try (Stream<Path> s = Files.list(ci)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One rendering: a chart with a values file ({@code null}: the chart's defaults). */
    public record Case(String chart, Path values) {
        public String toString() {
            return chart + " with " + (values == null ? "default values" : "ci/" + values.getFileName());
        }

        public List<JsonNode> render() {
            return Charts.render(chart, values);
        }
    }

    /** Every chart with its defaults and with every file in its ci/ folder: what the tests render. */
    public static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (String chart : CHARTS) {
            out.add(new Case(chart, null));
            for (Path p : ciValues(chart)) out.add(new Case(chart, p));
        }
        return out;
    }

    /** The containers (and init containers) of a workload. */
    public static List<JsonNode> containers(JsonNode workload) {
        List<JsonNode> out = new ArrayList<>();
        podSpec(workload).path("initContainers").forEach(out::add);
        podSpec(workload).path("containers").forEach(out::add);
        return out;
    }

    /** {@code helm template} output as text; {@code valuesFile} may be null for the chart's defaults. */
    public static String renderText(String chart, Path valuesFile, Map<String, Object> sets) {
        TemplateCommand t = new Helm(chartDir(chart)).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        if (valuesFile != null) t = t.withValuesFile(valuesFile.toAbsolutePath());
        if (sets != null) for (Map.Entry<String, Object> e : sets.entrySet()) t = t.set(e.getKey(), e.getValue());
        return t.call();
    }

    /** {@code helm template} parsed: one JsonNode per rendered object (empty documents dropped). */
    public static List<JsonNode> render(String chart, Path valuesFile) {
        return parse(renderText(chart, valuesFile, null));
    }

    /** As {@link #render(String, Path)}, with {@code --set key=value} pairs on top of the values file. */
    public static List<JsonNode> render(String chart, Path valuesFile, Map<String, Object> sets) {
        return parse(renderText(chart, valuesFile, sets));
    }

    /** Parses a multi-document YAML stream. */
    public static List<JsonNode> parse(String yaml) {
        List<JsonNode> out = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && n.isObject() && n.has("kind")) out.add(n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    public static Optional<JsonNode> find(List<JsonNode> objects, String kind) {
        return ofKind(objects, kind).stream().findFirst();
    }

    /** The only object of that kind; fails when there are none or several. */
    public static JsonNode one(List<JsonNode> objects, String kind) {
        List<JsonNode> l = ofKind(objects, kind);
        if (l.size() != 1) throw new AssertionError("expected one " + kind + ", found " + l.size());
        return l.get(0);
    }

    public static Optional<JsonNode> named(List<JsonNode> objects, String kind, String name) {
        return ofKind(objects, kind).stream().filter(o -> name.equals(o.path("metadata").path("name").asText())).findFirst();
    }

    /** Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and Pods. */
    public static List<JsonNode> workloads(List<JsonNode> objects) {
        return objects.stream().filter(o -> List.of("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod")
                .contains(o.path("kind").asText())).toList();
    }

    /** A workload's pod spec (Pod, CronJob and the rest). */
    public static JsonNode podSpec(JsonNode workload) {
        return switch (workload.path("kind").asText()) {
            case "Pod" -> workload.path("spec");
            case "CronJob" -> workload.path("spec").path("jobTemplate").path("spec").path("template").path("spec");
            default -> workload.path("spec").path("template").path("spec");
        };
    }

    /**
     * The configuration file the chart renders for the binary: the {@code config.yaml} key of the chart's
     * config ConfigMap (labelled {@code app.kubernetes.io/component: config}).
     */
    public static String configYaml(List<JsonNode> objects) {
        for (JsonNode cm : ofKind(objects, "ConfigMap")) {
            if ("config".equals(cm.path("metadata").path("labels").path("app.kubernetes.io/component").asText())) {
                return cm.path("data").path("config.yaml").asText();
            }
        }
        throw new AssertionError("no ConfigMap labelled app.kubernetes.io/component=config");
    }

    /** {@link #configYaml} parsed. */
    public static JsonNode config(List<JsonNode> objects) {
        try {
            return YAML.readTree(configYaml(objects));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every dotted leaf key of a YAML tree ({@code tls.cert}, {@code cluster.peersDns}); lists are leaves. */
    public static List<String> leafKeys(JsonNode tree) {
        List<String> out = new ArrayList<>();
        leafKeys("", tree, out);
        return out;
    }

    private static void leafKeys(String prefix, JsonNode n, List<String> out) {
        if (n instanceof ObjectNode o && (prefix.isEmpty() || o.size() > 0)) {
            o.fields().forEachRemaining(e -> leafKeys(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
        } else {
            out.add(prefix);
        }
    }
}
