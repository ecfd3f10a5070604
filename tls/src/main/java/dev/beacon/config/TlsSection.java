package dev.beacon.config;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.beacon.tls.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;

/** A certificate, its key, the CA bundle to trust, and how often to look for rotation: one block of config. */
public class TlsSection {
    @JsonPropertyDescription("PEM certificate (chain) this side presents")
    public String cert = "";
    @JsonPropertyDescription("PEM private key of that certificate")
    public String key = "";
    @JsonPropertyDescription("PEM CA bundle the other side's certificate must chain to")
    public String ca = "";
    @JsonPropertyDescription("How often the three files are checked for rotation")
    public Duration reloadInterval = Duration.ofSeconds(10);
    @JsonPropertyDescription("How often this process checks its own certificate and CA bundle for coming expiry (and at start)")
    public Duration expiryCheckInterval = Duration.ofHours(24);
    @JsonPropertyDescription("Log a WARN naming the file and date when a certificate or CA expires within this window (720h = 30 days)")
    public Duration expiryWarning = Duration.ofDays(30);

    public TlsFiles files() {
        return new TlsFiles(Path.of(cert), Path.of(key), Path.of(ca));
    }

    /** Validates the block found under {@code prefix} (e.g. "tls"), naming the bad key. */
    public void validate(String prefix) {
        Checks.readableFile(prefix + ".cert", cert);
        Checks.readableFile(prefix + ".key", key);
        Checks.readableFile(prefix + ".ca", ca);
        Checks.positive(prefix + ".reloadInterval", reloadInterval);
        Checks.positive(prefix + ".expiryCheckInterval", expiryCheckInterval);
        Checks.positive(prefix + ".expiryWarning", expiryWarning);
    }
}
