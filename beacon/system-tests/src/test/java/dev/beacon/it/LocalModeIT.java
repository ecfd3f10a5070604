package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.tls.testing.Await;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's run command, as a newcomer runs it: built jars, real processes, the wrapper command from local.json. */
class LocalModeIT {
    @TempDir
    Path dir;

    @Test
    void localModeRunsAndTheWrapperCommandReadsTheSeededSecret() throws Exception {
        Path beaconJar = NodeProcess.JAR;
        assertTrue(Files.exists(beaconJar), "built by the package phase: " + beaconJar);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process local = new ProcessBuilder(java, "-jar", beaconJar.toString(), "local", "--dir", dir.toString())
                .redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(local.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                output.add(line);
                if (line.equals("ready")) break;
            }
            assertTrue(output.contains("ready"), "local mode printed ready: " + output);

            JsonNode state = new ObjectMapper().readTree(dir.resolve("local.json").toFile());
            assertEquals(3, state.get("beacon_nodes").size(), "three beacon nodes");
            List<Long> nodePids = new ArrayList<>();
            for (JsonNode n : state.get("beacon_nodes")) nodePids.add(n.get("pid").asLong());
            assertEquals(3, nodePids.stream().distinct().count(), "each node is its own process");
            for (long pid : nodePids) assertTrue(ProcessHandle.of(pid).isPresent(), "beacon node " + pid + " runs");
            long bridgePid = state.get("bridge").get("pid").asLong();
            assertTrue(ProcessHandle.of(bridgePid).isPresent(), "bridge runs as its own process");
            assertEquals("acme", state.get("bridge").get("tenant").asText());

            String cmd = state.get("wrapper_command").asText();
            Process wrapper = new ProcessBuilder(Arrays.asList(cmd.split(" "))).redirectErrorStream(false).start();
            String body = new String(wrapper.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(wrapper.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(wrapper.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, wrapper.exitValue(), "wrapper command failed: " + err);
            assertTrue(body.contains("s3cr3t-from-local-openbao"), "the seeded secret, read from the simulated OpenBao through the relay: " + body);
            long simPid = state.get("openbao").get("pid").asLong();
            assertTrue(ProcessHandle.of(simPid).isPresent(), "the OpenBao simulator runs as its own process");

            // the status page probes the local cluster: its URL is on the console and in local.json
            String statusUrl = state.get("status_page").get("url").asText();
            assertTrue(output.contains("status page: " + statusUrl), "the console names the status page: " + output);
            HttpClient http = HttpClient.newHttpClient();
            Await.until("the status page shows every node's probes and the canary operational",
                    Duration.ofSeconds(60), () -> {
                        try {
                            JsonNode summary = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(
                                    URI.create(statusUrl + "api/v2/summary.json")).build(),
                                    HttpResponse.BodyHandlers.ofString()).body());
                            int operational = 0;
                            for (JsonNode c : summary.get("components")) if (c.get("status").asText().equals("operational")) operational++;
                            return operational == 8; // the service, TLS and /readyz of three nodes, the canary
                        } catch (Exception e) {
                            return false;
                        }
                    });
            String page = http.send(HttpRequest.newBuilder(URI.create(statusUrl)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(page.contains("All systems operational"), page.substring(0, Math.min(500, page.length())));
            long statusPid = state.get("status_page").get("pid").asLong();

            local.destroy(); // SIGTERM, like Ctrl-C
            assertTrue(local.waitFor(60, TimeUnit.SECONDS), "local mode stops on SIGTERM");
            assertEquals(0, local.exitValue(), "and exits 0");
            for (long pid : nodePids) {
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "beacon node " + pid + " stopped");
            }
            assertFalse(ProcessHandle.of(bridgePid).map(ProcessHandle::isAlive).orElse(false), "bridge process stopped");
            assertFalse(ProcessHandle.of(state.get("openbao").get("pid").asLong()).map(ProcessHandle::isAlive).orElse(false),
                    "simulator stopped");
            assertFalse(ProcessHandle.of(statusPid).map(ProcessHandle::isAlive).orElse(false), "status page stopped");
        } finally {
            local.destroyForcibly();
        }
    }
}
