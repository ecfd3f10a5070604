package dev.beacon.tls;

import java.nio.file.Path;
import java.util.Objects;

/** Where one party's TLS material lives: its certificate chain, its key, and the CA bundle it trusts. */
public record TlsFiles(Path cert, Path key, Path ca) {
    public TlsFiles {
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(ca, "ca");
    }
}
