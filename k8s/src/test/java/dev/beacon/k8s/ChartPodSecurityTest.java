package dev.beacon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Pod Security Standards "restricted" profile and the project's hardening rules, each a named rule run as its own
 * test over every workload rendered from every chart with its defaults and each ci/ values file. A failure names the
 * rule, the chart and values file, the workload and the container.
 */
class ChartPodSecurityTest {

    /** A rule reports violations through {@code fail.accept(where, what)}. */
    interface Rule {
        void check(JsonNode workload, JsonNode pod, JsonNode container, BiConsumer<String, String> fail);
    }

    static final Set<String> RESTRICTED_VOLUMES = Set.of("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
            "persistentVolumeClaim", "projected", "secret");

    static JsonNode sc(JsonNode container, JsonNode pod, String field) {
        JsonNode c = container.path("securityContext").path(field);
        return c.isMissingNode() || c.isNull() ? pod.path("securityContext").path(field) : c;
    }

    static final Map<String, Rule> RULES = new LinkedHashMap<>();

    static {
        RULES.put("runAsNonRoot", (w, p, c, fail) -> {
            if (!sc(c, p, "runAsNonRoot").asBoolean(false)) fail.accept("runAsNonRoot", "must be true (container or pod)");
        });
        RULES.put("runAsUser numeric and not 0", (w, p, c, fail) -> {
            JsonNode u = sc(c, p, "runAsUser");
            if (!u.canConvertToLong() || u.asLong() == 0) fail.accept("runAsUser", "must be a numeric UID other than 0, is " + u);
        });
        RULES.put("allowPrivilegeEscalation false", (w, p, c, fail) -> {
            JsonNode a = c.path("securityContext").path("allowPrivilegeEscalation");
            if (!a.isBoolean() || a.asBoolean()) fail.accept("allowPrivilegeEscalation", "must be false, is " + a);
        });
        RULES.put("capabilities drop ALL, add only NET_BIND_SERVICE", (w, p, c, fail) -> {
            JsonNode caps = c.path("securityContext").path("capabilities");
            List<String> drop = new ArrayList<>();
            caps.path("drop").forEach(d -> drop.add(d.asText()));
            if (!drop.contains("ALL")) fail.accept("capabilities.drop", "must contain ALL, is " + drop);
            caps.path("add").forEach(a -> {
                if (!a.asText().equals("NET_BIND_SERVICE")) fail.accept("capabilities.add", a.asText() + " is not allowed");
            });
        });
        RULES.put("seccompProfile RuntimeDefault or Localhost", (w, p, c, fail) -> {
            String t = sc(c, p, "seccompProfile").path("type").asText();
            if (!t.equals("RuntimeDefault") && !t.equals("Localhost")) fail.accept("seccompProfile.type", "is '" + t + "'");
        });
        RULES.put("no host namespaces", (w, p, c, fail) -> {
            for (String f : List.of("hostNetwork", "hostPID", "hostIPC")) {
                if (p.path(f).asBoolean(false)) fail.accept(f, "must not be true");
            }
        });
        RULES.put("no hostPath and only restricted volume types", (w, p, c, fail) -> p.path("volumes").forEach(v -> {
            v.fieldNames().forEachRemaining(f -> {
                if (!f.equals("name") && !RESTRICTED_VOLUMES.contains(f)) fail.accept("volume " + v.path("name").asText(), f + " volumes are not allowed");
            });
        }));
        RULES.put("no hostPort", (w, p, c, fail) -> c.path("ports").forEach(port -> {
            if (port.has("hostPort") && port.path("hostPort").asInt() != 0) fail.accept("ports", "hostPort " + port.path("hostPort"));
        }));
        RULES.put("not privileged", (w, p, c, fail) -> {
            if (c.path("securityContext").path("privileged").asBoolean(false)) fail.accept("privileged", "must not be true");
        });
        RULES.put("readOnlyRootFilesystem", (w, p, c, fail) -> {
            if (!c.path("securityContext").path("readOnlyRootFilesystem").asBoolean(false)) fail.accept("readOnlyRootFilesystem", "must be true");
        });
        RULES.put("resources requests and limits set", (w, p, c, fail) -> {
            for (String kind : List.of("requests", "limits")) {
                for (String r : List.of("cpu", "memory")) {
                    String v = c.path("resources").path(kind).path(r).asText();
                    if (v.isBlank()) fail.accept("resources." + kind + "." + r, "is not set");
                }
            }
        });
        RULES.put("image tag pinned, not latest", (w, p, c, fail) -> {
            String image = c.path("image").asText();
            int slash = image.lastIndexOf('/');
            String last = image.substring(slash + 1);
            if (image.contains("@sha256:")) return;
            if (!last.contains(":")) fail.accept("image", image + " has no tag");
            else if (last.endsWith(":latest")) fail.accept("image", image + " is :latest");
        });
        RULES.put("startup, readiness and liveness probes", (w, p, c, fail) -> {
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                if (!c.has(probe)) fail.accept(probe, "is missing");
            }
        });
        RULES.put("automountServiceAccountToken false", (w, p, c, fail) -> {
            JsonNode a = p.path("automountServiceAccountToken");
            if (!a.isBoolean() || a.asBoolean()) fail.accept("automountServiceAccountToken", "must be false on the pod, is " + a);
        });
    }

    @TestFactory
    List<DynamicContainer> everyWorkloadOfEveryValuesFileFollowsEveryRule() {
        List<DynamicContainer> out = new ArrayList<>();
        for (Charts.Case c : Charts.cases()) {
            List<JsonNode> objects = c.render();
            List<DynamicTest> tests = new ArrayList<>();
            for (Map.Entry<String, Rule> rule : RULES.entrySet()) {
                tests.add(DynamicTest.dynamicTest(rule.getKey(), () -> {
                    List<String> violations = new ArrayList<>();
                    List<JsonNode> workloads = Charts.workloads(objects);
                    assertTrue(!workloads.isEmpty(), c + " renders no workload");
                    for (JsonNode w : workloads) {
                        JsonNode pod = Charts.podSpec(w);
                        for (JsonNode container : Charts.containers(w)) {
                            String where = w.path("kind").asText() + "/" + w.path("metadata").path("name").asText()
                                    + " container " + container.path("name").asText();
                            rule.getValue().check(w, pod, container, (field, what) -> violations.add(where + ": " + field + " " + what));
                        }
                    }
                    assertTrue(violations.isEmpty(), () -> "rule '" + rule.getKey() + "' broken by " + c + ":\n  " + String.join("\n  ", violations));
                }));
            }
            out.add(DynamicContainer.dynamicContainer(c.toString(), tests));
        }
        return out;
    }
}
