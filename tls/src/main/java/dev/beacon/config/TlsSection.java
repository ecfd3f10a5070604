package dev.beacon.config;

import dev.beacon.tls.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;

/** A certificate, its key, the CA bundle to trust, and how often to look for rotation: one block of config. */
public class TlsSection {
    public String cert = "";
    public String key = "";
    public String ca = "";
    /** How often the files are checked for rotation. */
    public Duration reloadInterval = Duration.ofSeconds(10);

    public TlsFiles files() {
        return new TlsFiles(Path.of(cert), Path.of(key), Path.of(ca));
    }

    /** Validates the block found under {@code prefix} (e.g. "tls"), naming the bad key. */
    public void validate(String prefix) {
        Checks.readableFile(prefix + ".cert", cert);
        Checks.readableFile(prefix + ".key", key);
        Checks.readableFile(prefix + ".ca", ca);
        Checks.positive(prefix + ".reloadInterval", reloadInterval);
    }
}
