package dev.beacon.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.runtime.Metrics;
import dev.beacon.config.ConfigLoader;
import dev.beacon.status.service.StatusPageConfig;
import dev.beacon.status.service.StatusPageService;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** status-page.jar's command line: help, usage errors, and the admin commands against a running service. */
class StatusPageCliTest {
    private static final String TOKEN = "cli-test-token-0123456789";

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = StatusPageMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        cl.setOut(o);
        cl.setErr(e);
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            int code = cl.execute(args);
            o.flush();
            e.flush();
            return new Run(code, out + printed.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(stdout);
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] args : new String[][] {{"--help"}, {"serve", "--help"}, {"incident", "--help"}, {"incident", "open", "--help"},
                {"incident", "update", "--help"}, {"maintenance", "add", "--help"}, {"maintenance", "list", "--help"}}) {
            Run r = run(args);
            assertEquals(0, r.code(), String.join(" ", args));
        }
        // what the usage says is checked where users see it, java -jar in its own process: ProductJarsTest
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(2, run().code());
        assertEquals(2, run("incident").code());
        Run missing = run("incident", "open", "--component", "canary");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("--title"), missing.err());
        assertEquals(2, run("incident", "update", "not-a-number", "--status", "resolved", "--body", "x").code());
        Path token = write("token", TOKEN);
        Run badTime = run("maintenance", "add", "--title", "t", "--from", "tomorrow", "--to", "2030-01-01T00:00:00Z",
                "--token-file", token.toString());
        assertEquals(2, badTime.code());
        assertTrue(badTime.err().contains("--from must be a time"), badTime.err());
    }

    @Test
    void serveListKeysPrintsEveryKey() {
        Run r = run("serve", "--list-keys");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("STATUS_ADMIN_TOKEN_FILE"), r.out());
    }

    @Test
    void commandsTalkToARunningAdminApi() throws Exception {
        StatusPageConfig cfg = ConfigLoader.load(StatusPageConfig.class, null, "STATUS", Map.of(), Map.of("probe", "false",
                "dataDir", dir.resolve("data").toString(), "listen.port", "0", "listen.host", "127.0.0.1", "admin.port", "0",
                "admin.token", TOKEN));
        try (StatusPageService service = new StatusPageService(cfg, Metrics.registry(), Clock.systemUTC()).start()) {
            String admin = "http://127.0.0.1:" + service.adminPort();
            String token = write("token", TOKEN).toString();

            Run opened = run("incident", "open", "--title", "Relay slow", "--component", "canary", "--impact", "major",
                    "--admin", admin, "--token-file", token);
            assertEquals(0, opened.code(), opened.err());
            assertTrue(opened.out().contains("incident 1 opened: Relay slow"), opened.out());
            assertEquals(0, run("incident", "update", "1", "--status", "resolved", "--body", "Rolled back.", "--admin", admin,
                    "--token-file", token).code());

            Run bad = run("incident", "update", "1", "--status", "fixed", "--body", "x", "--admin", admin, "--token-file", token);
            assertEquals(1, bad.code());
            assertTrue(bad.err().contains("field 'status': must be one of"), bad.err());

            Run wrong = run("incident", "list", "--admin", admin, "--token-file", write("wrong", "not-the-token-at-all").toString());
            assertEquals(1, wrong.code());
            assertTrue(wrong.err().contains("401"), wrong.err());

            assertEquals(0, run("maintenance", "add", "--title", "Upgrade", "--from", "2099-01-01T22:00:00Z", "--to",
                    "2099-01-01T23:00:00Z", "--component", "canary", "--admin", admin, "--token-file", token).code());
            Run list = run("maintenance", "list", "--admin", admin, "--token-file", token);
            assertEquals(0, list.code(), list.err());
            assertTrue(list.out().contains("Upgrade") && list.out().contains("[canary]"), list.out());
        }
        Run gone = run("maintenance", "list", "--admin", "http://127.0.0.1:1", "--token-file", write("t2", TOKEN).toString());
        assertEquals(1, gone.code());
        assertTrue(gone.err().startsWith("error: cannot reach the admin API at http://127.0.0.1:1"), gone.err());
    }

    private Path write(String name, String text) {
        try {
            return Files.writeString(dir.resolve(name), text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
