package dev.beacon.k8s;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code helm lint --strict} of each chart (real Helm through helm-java): warnings fail as errors do. */
class ChartLintTest {

    static List<String> charts() {
        return Charts.CHARTS;
    }

    @ParameterizedTest
    @MethodSource("charts")
    void lintStrictPasses(String chart) {
        LintResult r = new Helm(Charts.chartDir(chart)).lint().strict().call();
        assertFalse(r.isFailed(), () -> chart + ": helm lint --strict failed:\n" + String.join("\n", r.getMessages()));
        List<String> bad = r.getMessages().stream().filter(m -> m.contains("[WARNING]") || m.contains("[ERROR]")).toList();
        assertTrue(bad.isEmpty(), () -> chart + ": " + bad);
    }

    @ParameterizedTest
    @MethodSource("charts")
    void chartHasSchemaNotesReadmeAndCiValues(String chart) {
        var dir = Charts.chartDir(chart);
        for (String f : List.of("values.yaml", "values.schema.json", "templates/_helpers.tpl", "templates/NOTES.txt", "README.md")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), chart + " has no " + f);
        }
        assertTrue(Charts.ciValues(chart).size() >= 3, chart + ": ci/ needs realistic values files");
    }
}
