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
}
