package dev.beacon.tls;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.util.Locale;
import java.util.Optional;

/**
 * Says in words why a TLS handshake failed when the reason is an expired certificate, on either side: the peer's
 * certificate expired (we refused it), or ours did (the peer's {@code certificate_expired} alert). The status page's
 * probe words it the same way: "TLS handshake: certificate expired".
 */
public final class TlsErrors {
    private TlsErrors() {
    }

    /**
     * "TLS handshake: certificate expired (...)" when {@code t} is about an expired certificate, else empty.
     * {@code peer} names the other side ("beacon localhost:7443", "bridge acme-bridge").
     */
    public static Optional<String> expired(Throwable t, String peer) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CertificateExpiredException || (c instanceof CertPathValidatorException v
                    && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED)) {
                return Optional.of("TLS handshake: certificate expired: the certificate " + peer + " presented has expired ("
                        + c.getMessage() + "); " + peer + " must renew its certificate");
            }
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("certificate_expired") || m.contains("certificate expired") || m.contains("sslv3_alert_certificate_expired")) {
                return Optional.of("TLS handshake: certificate expired: " + peer + " refused our certificate as expired"
                        + " (alert certificate_expired); renew it (docs/certificates.md)");
            }
        }
        return Optional.empty();
    }

    /**
     * "TLS handshake: certificate expired: our certificate … expired on …" when the certificate {@code m} presents has
     * expired. The peer's certificate_expired alert can be lost (TLS 1.3 sends it after our side of the handshake; a
     * reset caused by our first write can beat it), so a failed connection checks its own certificate too.
     */
    public static Optional<String> ownExpired(TlsMaterial m, String peer) {
        if (m == null) return Optional.empty();
        java.security.cert.X509Certificate leaf = m.leaf();
        if (!leaf.getNotAfter().toInstant().isBefore(java.time.Instant.now())) return Optional.empty();
        return Optional.of("TLS handshake: certificate expired: our certificate " + m.files().cert() + " ("
                + Identity.of(leaf).map(Identity::uri).orElse(leaf.getSubjectX500Principal().getName()) + ", serial "
                + leaf.getSerialNumber().toString(16) + ") expired on " + leaf.getNotAfter().toInstant() + "; " + peer
                + " refuses it; renew it (docs/certificates.md)");
    }
}
