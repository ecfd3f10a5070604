package dev.beacon.k8s;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The charts replace the image's ENTRYPOINT with their own command, so they must name what the image holds: the jar
 * and the class-data-sharing archive its build recorded (k8s/images/NAME/Dockerfile), or pods start without it.
 */
class ChartImagesTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"beacon,beacon", "bridge,bridge", "status-page,status-page"})
    void theCommandRunsTheImagesJarWithTheArchiveItsBuildRecorded(String chart, String image) throws Exception {
        String dockerfile = Files.readString(Charts.chartDir(chart).getParent().getParent().resolve(Path.of("images", image, "Dockerfile")));
        List<String> command = command(Charts.render(chart, null));
        String archive = "/opt/beacon/" + image + ".jsa";
        assertTrue(command.contains("-XX:SharedArchiveFile=" + archive), chart + " command: " + command);
        assertTrue(dockerfile.contains(archive), image + "/Dockerfile records " + archive);
        int jar = command.indexOf("-jar");
        assertTrue(jar > 0 && command.get(jar + 1).equals("/opt/beacon/" + image + ".jar"), chart + " command: " + command);
        assertTrue(dockerfile.contains("/opt/beacon/" + image + ".jar"), image + "/Dockerfile puts the jar there");
        List<String> off = command(Charts.render(chart, null, Map.of("jvm.classDataSharing", false)));
        assertTrue(off.stream().noneMatch(a -> a.startsWith("-XX:SharedArchiveFile")), "jvm.classDataSharing=false: " + off);
    }

    private static List<String> command(List<JsonNode> objects) {
        JsonNode container = Charts.containers(Charts.workloads(objects).get(0)).stream()
                .filter(c -> c.path("command").size() > 0).findFirst().orElseThrow();
        List<String> out = new ArrayList<>();
        container.path("command").forEach(a -> out.add(a.asText()));
        return out;
    }
}
