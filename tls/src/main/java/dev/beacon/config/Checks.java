package dev.beacon.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Validation steps every component's config uses; each failure names its key. */
public final class Checks {
    private Checks() {
    }

    public static void port(String key, int p) {
        if (p < 0 || p > 65535) throw new ConfigException(key, "must be a port number 0-65535 (0 picks a free one), got " + p);
    }

    public static void readableFile(String key, String path) {
        if (path == null || path.isBlank()) throw new ConfigException(key, "is required");
        Path p;
        try {
            p = Path.of(path);
        } catch (java.nio.file.InvalidPathException e) { // a NUL character: no file system has such a name
            throw new ConfigException(key, "not a file path: " + dev.beacon.log.Untrusted.quote(path));
        }
        if (!Files.isReadable(p)) throw new ConfigException(key, "file not found or not readable: " + path);
    }

    public static void positive(String key, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) throw new ConfigException(key, "must be a positive duration");
    }

    public static void atLeast(String key, int v, int min) {
        if (v < min) throw new ConfigException(key, "must be at least " + min + ", got " + v);
    }

    /** host:port with a port 1-65535 ({@link HostPort}). */
    public static void hostPort(String key, String v) {
        HostPort.parse(key, v);
    }
}
