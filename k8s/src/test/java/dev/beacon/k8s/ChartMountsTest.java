package dev.beacon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Certificates are mounted as whole directories: a subPath mount never sees a renewed file, so rotation would silently
 * stop. No subPath at all, every config file path under a mounted directory, and every certificate volume read-only.
 */
class ChartMountsTest {

    static List<Charts.Case> cases() {
        return Charts.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void noSubPathAndCertificateFilesUnderMountedDirectories(Charts.Case c) {
        List<JsonNode> objects = c.render();
        List<String> problems = new ArrayList<>();
        List<String> mounts = new ArrayList<>();
        for (JsonNode w : Charts.workloads(objects)) {
            for (JsonNode container : Charts.containers(w)) {
                for (JsonNode m : container.path("volumeMounts")) {
                    if (m.has("subPath") || m.has("subPathExpr")) problems.add(container.path("name").asText() + " mounts " + m.path("name").asText() + " with subPath");
                    mounts.add(m.path("mountPath").asText());
                    if (m.path("mountPath").asText().contains("tls") && !m.path("readOnly").asBoolean()) problems.add(m.path("name").asText() + " is not read-only");
                }
            }
        }
        collectFiles(Charts.config(objects), "", mounts, problems);
        assertTrue(problems.isEmpty(), () -> c + ": " + problems);
    }

    /** Every config value naming a file (cert, key, ca, tokenFile) must lie under a mounted directory. */
    private static void collectFiles(JsonNode n, String key, List<String> mounts, List<String> problems) {
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> collectFiles(e.getValue(), key.isEmpty() ? e.getKey() : key + "." + e.getKey(), mounts, problems));
        } else if (n.isTextual() && n.asText().startsWith("/") && key.matches(".*\\.(cert|key|ca|tokenFile)$")) {
            String path = n.asText();
            if (mounts.stream().noneMatch(m -> path.startsWith(m + "/"))) problems.add(key + " = " + path + " is under no mount " + mounts);
        }
    }
}
