package dev.beacon.server;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertificateExpiredException;
import java.util.Locale;

/** Turns a failed TLS handshake into a short reason for metrics and logs. */
final class Refusals {
    private Refusals() {
    }

    static String handshakeReason(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof NotSslRecordException) return "not_tls";
            if (c instanceof SslHandshakeTimeoutException) return "timeout";
            if (c instanceof CertificateExpiredException) return "certificate_expired";
        }
        String all = messages(t).toLowerCase(Locale.ROOT);
        if (all.contains("expired")) return "certificate_expired";
        if (all.contains("peer_did_not_return_a_certificate") || all.contains("certificate_required")
                || all.contains("empty client certificate chain") || all.contains("null cert chain")) {
            return "no_certificate";
        }
        if (all.contains("unable to find valid certification path") || all.contains("certificate_unknown")
                || all.contains("pkix") || all.contains("certificate_verify_failed") || all.contains("unknown_ca")
                || all.contains("signature check failed")) {
            return "untrusted_certificate";
        }
        if (all.contains("closed") || all.contains("reset") || all.contains("connection")) return "closed_during_handshake";
        if (t instanceof DecoderException) return "bad_handshake";
        return "other";
    }

    /** "certificate expired: peer=spiffe://… serial=… not_after=…" as the trust manager words it, or null. */
    static String expiredPeer(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CertificateExpiredException && c.getMessage() != null && c.getMessage().startsWith("certificate expired: ")) {
                return c.getMessage();
            }
        }
        return null;
    }

    static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (sb.length() > 0) sb.append(" / ");
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return sb.toString();
    }
}
