package dev.beacon.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.config.ConfigLoader;
import dev.beacon.runtime.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code bridge.jar run --list-keys}, in process. */
class BridgeCliTest {

    /** Exit code and what was printed (--list-keys prints to System.out). */
    private static synchronized String[] run(String... args) {
        StringWriter err = new StringWriter();
        ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Cli.commandLine(new BridgeMain()).setErr(new PrintWriter(err, true)).execute(args);
        } finally {
            System.setOut(old);
        }
        return new String[] {String.valueOf(exit), sysOut.toString(StandardCharsets.UTF_8), err.toString()};
    }

    /** A key added without a {@code @JsonPropertyDescription} fails here: operators read --list-keys, not the source. */
    @Test
    void runListKeysDescribesEveryKeyInOneLine() {
        String[] r = run("run", "--list-keys");
        assertEquals("0", r[0], r[2]);
        List<String> lines = r[1].lines().toList();
        assertEquals(List.copyOf(ConfigLoader.keys(BridgeConfig.class).keySet()),
                lines.stream().map(l -> l.split("\\s+", 2)[0]).toList(), "one line per key");
        for (String section : List.of("beacon.", "tls.", "inner.", "allow", "upstream.", "openbao.", "admin.")) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(section)), section + " keys listed:\n" + r[1]);
        }
        List<String> undescribed = lines.stream()
                .filter(l -> !l.contains("  # ") || l.substring(l.indexOf("  # ") + 4).isBlank())
                .map(l -> l.split("\\s+", 2)[0]).toList();
        assertEquals(List.of(), undescribed, "keys without a description");
        String innerCa = lines.stream().filter(l -> l.startsWith("inner.ca ")).findFirst().orElseThrow();
        assertTrue(innerCa.contains("BRIDGE_INNER_CA") && innerCa.contains("# Inner TLS server") && innerCa.contains("CA bundle"), innerCa);
    }
}
