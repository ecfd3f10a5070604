package dev.beacon.status.probe;

import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.ProtocolException;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * The words a person reads for a failed attempt: what went wrong from the user's side ("connection refused",
 * "timeout after 5 s", "TLS handshake: certificate expired"), never a stack trace or a class name when a phrase exists.
 */
final class Reason {
    private Reason() {
    }

    static String of(Throwable failure, Duration timeout) {
        Throwable e = unwrap(failure);
        if (e instanceof ProbeFailure) return e.getMessage();
        if (isTimeout(e)) return timeout(timeout);
        if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
            String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
            return m.contains("no route") || e instanceof NoRouteToHostException ? "no route to host" : "connection refused";
        }
        if (e instanceof UnknownHostException) return "unknown host " + e.getMessage();
        if (e instanceof ProtocolException p) return refusal(p);
        String tls = certificateProblem(e);
        if (tls != null) return "TLS handshake: " + tls;
        if (e instanceof SSLException) return "TLS handshake: " + e.getMessage();
        if (e instanceof java.io.EOFException || e instanceof java.nio.channels.ClosedChannelException) {
            return "connection closed by the server";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** "timeout after 5 s", or "after 250 ms" for a timeout that is not whole seconds. */
    static String timeout(Duration timeout) {
        return "timeout after " + words(timeout);
    }

    /** "5 s", or "250 ms" when not whole seconds. */
    static String words(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    /** An ERROR frame from the node, in its own terms; the canary maps unknown_bridge itself. */
    static String refusal(ProtocolException p) {
        return "the node refused: " + p.getMessage(); // "<code>: <message>", the code first
    }

    static boolean isTimeout(Throwable e) {
        return e instanceof TimeoutException || e instanceof SslHandshakeTimeoutException
                || e instanceof ConnectTimeoutException || e instanceof SocketTimeoutException
                || e instanceof HttpTimeoutException
                || e instanceof ProtocolException p && p.code == ErrorCode.TIMEOUT;
    }

    /** The certificate check that failed in a handshake, or null when the failure is no certificate check. */
    static String certificateProblem(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException) return "certificate expired";
            if (t instanceof CertificateNotYetValidException) return "certificate not yet valid";
            if (t instanceof CertPathValidatorException v) {
                if (v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) return "certificate expired";
                if (v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) return "certificate not yet valid";
                if (v.getReason() == java.security.cert.PKIXReason.NO_TRUST_ANCHOR) return "certificate not issued by the beacon CA";
            }
            String m = t.getMessage();
            if (m == null) continue;
            if (m.contains("No subject alternative") || m.contains("No name matching")) {
                return "certificate does not name the dialled host";
            }
            if (m.contains("unable to find valid certification path")) return "certificate not issued by the beacon CA";
            if (m.contains("certificate_expired")) return "the node refused our certificate as expired";
            if (m.contains("unknown_ca")) return "the node does not trust our certificate's CA";
            if (m.contains("certificate_required")) return "the node wants a client certificate";
        }
        return null;
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
