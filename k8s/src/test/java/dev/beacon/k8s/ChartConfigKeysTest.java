package dev.beacon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every key in the config file a chart renders is a key the binary knows: each rendered config.yaml's leaf keys are
 * checked against the jar's own {@code --list-keys} (the jar is run as a process), so a misspelt key fails here, not
 * at a pod's start. Every BEACON_/BRIDGE_/STATUS_ variable the workloads set is checked the same way.
 */
class ChartConfigKeysTest {

    /** The chart, the jar's system property, the command. */
    static final Map<String, List<String>> COMMANDS = Map.of(
            "beacon", List.of("beacon.jar", "server", "BEACON_"),
            "bridge", List.of("bridge.jar", "run", "BRIDGE_"),
            "status-page", List.of("status-page.jar", "serve", "STATUS_"));

    /**
     * Keys another change adds to the beacon (PROXY protocol). Accepted while the built beacon.jar lists none of them;
     * once it lists one, all are checked like any other key.
     */
    static final Set<String> PENDING = Set.of("relay.proxyProtocol.enabled", "relay.proxyProtocol.trustedSources");

    static final Map<String, Map<String, String>> KEYS = new ConcurrentHashMap<>();

    /** key -> environment variable, from {@code java -jar <jar> <command> --list-keys}. */
    static Map<String, String> listKeys(String chart) {
        return KEYS.computeIfAbsent(chart, c -> {
            List<String> cmd = COMMANDS.get(c);
            String jar = System.getProperty(cmd.get(0));
            assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "build the jar first: " + cmd.get(0) + " = " + jar);
            try {
                Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar", jar, cmd.get(1), "--list-keys").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "--list-keys did not finish");
                assertEquals(0, p.exitValue(), out);
                Map<String, String> keys = new java.util.LinkedHashMap<>();
                for (String line : out.split("\n")) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length >= 2 && f[1].startsWith(cmd.get(2))) keys.put(f[0], f[1]);
                }
                assertTrue(keys.size() > 5, "no keys parsed from:\n" + out);
                return keys;
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
    }

    static List<Charts.Case> cases() {
        List<Charts.Case> out = new ArrayList<>(Charts.cases());
        return out;
    }

    /** The rendered config file's keys the chart's binary does not list. */
    static Set<String> unknownKeys(String chart, List<JsonNode> objects) {
        Map<String, String> known = listKeys(chart);
        boolean pendingLanded = PENDING.stream().anyMatch(known::containsKey);
        Set<String> unknown = new TreeSet<>();
        for (String key : Charts.leafKeys(Charts.config(objects))) {
            if (known.containsKey(key)) continue;
            if (!pendingLanded && chart.equals("beacon") && PENDING.contains(key)) continue;
            unknown.add(key);
        }
        return unknown;
    }

    @org.junit.jupiter.api.Test
    void aMisspeltKeyIsCaught() {
        List<JsonNode> objects = Charts.render("beacon", null, Map.of("config.limits.maxStreamPerIdentity", 5));
        assertEquals(Set.of("limits.maxStreamPerIdentity"), unknownKeys("beacon", objects));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void renderedConfigKeysAreTheBinarysKeys(Charts.Case c) {
        Map<String, String> known = listKeys(c.chart());
        List<JsonNode> objects = c.render();
        Set<String> unknown = unknownKeys(c.chart(), objects);
        assertTrue(unknown.isEmpty(), () -> c + " renders keys " + COMMANDS.get(c.chart()).get(0) + " "
                + COMMANDS.get(c.chart()).get(1) + " --list-keys does not know: " + unknown);

        String prefix = COMMANDS.get(c.chart()).get(2);
        Set<String> vars = Set.copyOf(known.values());
        Set<String> unknownVars = new TreeSet<>();
        for (JsonNode w : Charts.workloads(objects)) {
            for (JsonNode container : Charts.containers(w)) {
                container.path("env").forEach(e -> {
                    String name = e.path("name").asText();
                    if (name.startsWith(prefix) && !vars.contains(name)) unknownVars.add(name);
                });
            }
        }
        assertTrue(unknownVars.isEmpty(), () -> c + " sets variables the binary does not know: " + unknownVars);
    }
}
