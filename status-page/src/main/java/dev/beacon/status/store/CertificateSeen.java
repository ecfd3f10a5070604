package dev.beacon.status.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A node's relay certificate as one location's TLS probe saw it.
 *
 * @param component the node's TLS component, e.g. {@code node/n1/tls}
 * @param notAfter  the certificate's expiry
 * @param seenAt    when the probe saw it
 */
public record CertificateSeen(String component, String location, Instant notAfter, Instant seenAt) {
    public CertificateSeen {
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(notAfter, "notAfter");
        Objects.requireNonNull(seenAt, "seenAt");
    }
}
