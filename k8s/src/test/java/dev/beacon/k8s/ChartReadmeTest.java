package dev.beacon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each chart's README.md lists exactly the values of its values.schema.json, with the schema's descriptions and the
 * defaults from values.yaml: the table between {@code <!-- values:begin -->} and {@code <!-- values:end -->} is
 * generated. After changing values, regenerate it:
 * {@code ./mvnw -B -o -pl k8s verify -Dtest=ChartReadmeTest -Dcharts.writeReadme=true}.
 * Also: every value in the schema has a description, and every object in it is closed (additionalProperties false)
 * unless it is a free-form map.
 */
class ChartReadmeTest {

    static final String BEGIN = "<!-- values:begin (generated from values.schema.json by ChartReadmeTest) -->";
    static final String END = "<!-- values:end -->";

    static List<String> charts() {
        return Charts.CHARTS;
    }

    @ParameterizedTest
    @MethodSource("charts")
    void readmeListsExactlyTheSchemasValues(String chart) throws IOException {
        Path dir = Charts.chartDir(chart);
        JsonNode schema = new ObjectMapper().readTree(dir.resolve("values.schema.json").toFile());
        JsonNode defaults = Charts.YAML.readTree(dir.resolve("values.yaml").toFile());
        StringBuilder table = new StringBuilder("| value | type | default | description |\n|---|---|---|---|\n");
        List<String> undescribed = new ArrayList<>();
        rows("", schema, defaults, table, undescribed);
        assertTrue(undescribed.isEmpty(), chart + ": values without a description in the schema: " + undescribed);

        Path readme = dir.resolve("README.md");
        String text = Files.readString(readme);
        int b = text.indexOf(BEGIN), e = text.indexOf(END);
        assertTrue(b >= 0 && e > b, chart + "/README.md has no " + BEGIN + " ... " + END + " section");
        String want = text.substring(0, b + BEGIN.length()) + "\n" + table + text.substring(e);
        if (Boolean.getBoolean("charts.writeReadme")) Files.writeString(readme, want);
        assertEquals(want, text, chart + "/README.md's values table is not the schema's: regenerate it with -Dcharts.writeReadme=true");
    }

    private static void rows(String prefix, JsonNode s, JsonNode def, StringBuilder out, List<String> undescribed) {
        if (!prefix.isEmpty() && s.path("description").asText().isBlank()) undescribed.add(prefix);
        JsonNode props = s.path("properties");
        if (props.isObject() && props.size() > 0) {
            if (!prefix.isEmpty()) assertFalse(s.path("additionalProperties").asBoolean(true), prefix + " is an open object with named properties");
            props.fields().forEachRemaining(f -> rows(prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(),
                    f.getValue(), def == null ? null : def.get(f.getKey()), out, undescribed));
            return;
        }
        String type = s.path("type").isArray() ? s.path("type").toString().replaceAll("[\\[\\]\"]", "").replace(",", " or ")
                : s.path("type").asText("any");
        String d = def == null ? "" : (def.isTextual() ? "\"" + def.asText() + "\"" : def.toString());
        if (d.length() > 60) d = "see values.yaml";
        out.append("| `").append(prefix).append("` | ").append(type).append(" | `").append(d.replace("|", "\\|"))
                .append("` | ").append(s.path("description").asText().replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")).append(" |\n");
    }
}
