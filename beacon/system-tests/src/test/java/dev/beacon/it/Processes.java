package dev.beacon.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the tests' process wrappers (NodeProcess, BridgeProcess, BridgeReplica) share. */
public final class Processes {
    private Processes() {
    }

    /** The last 30 lines of a process's log, for failure messages. */
    public static String tail(Path log) {
        try {
            // decoded leniently: one byte that is not UTF-8 must not turn the whole tail into "(no log)"
            List<String> lines = new String(Files.readAllBytes(log), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** SIGKILL if still running, and wait (at most 10 s) for it to be gone. */
    static void kill(Process process) {
        if (process == null || !process.isAlive()) return;
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
