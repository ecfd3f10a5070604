package dev.beacon.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** The process's open-file limit (children inherit it), from /proc/self/limits. */
final class Limits {
    private Limits() {
    }

    static int openFiles() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.trim().split("\\s+");
                    String hard = f[4];
                    return hard.equals("unlimited") ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, Long.parseLong(hard));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // unknown: assume the common default
        }
        return 1024;
    }
}
