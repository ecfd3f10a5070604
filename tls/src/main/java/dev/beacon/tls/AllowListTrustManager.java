package dev.beacon.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * PKIX trust in a CA bundle, plus an identity check on the client certificate (when a predicate is given), so refusal
 * happens in the handshake. With BoringSSL a failure is given the X.509 error code that picks the right TLS alert:
 * a certificate no configured CA issued is {@code unknown_ca} (a plain exception would be {@code internal_error},
 * which reads to the client like a server fault); an identity refused is {@code certificate_unknown}.
 */
final class AllowListTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager pkix;
    private final Predicate<Identity> allowed;

    AllowListTrustManager(List<X509Certificate> trust, Predicate<Identity> allowed) {
        this.allowed = allowed;
        X509ExtendedTrustManager found = null;
        for (TrustManager tm : JdkTls.trust(trust).getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) found = x;
        }
        if (found == null) throw new TlsConfigException("no X509 trust manager available");
        this.pkix = found;
    }

    private void checkIdentity(X509Certificate[] chain) throws CertificateException {
        if (allowed == null) return;
        Identity id = Identity.of(chain[0]).orElseThrow(
                () -> alert(new CertificateException("client certificate carries no spiffe:// identity"), IDENTITY_REFUSED));
        if (!allowed.test(id)) throw alert(new CertificateException("identity not allowed: " + id), IDENTITY_REFUSED);
    }

    /** X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY (20): BoringSSL answers unknown_ca. */
    static final int UNKNOWN_ISSUER = 20;
    /** X509_V_ERR_CERT_REJECTED (28): BoringSSL answers certificate_unknown... or bad_certificate; either says "this certificate". */
    static final int IDENTITY_REFUSED = 28;

    private void pkixClient(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        try {
            if (engine != null) pkix.checkClientTrusted(chain, authType, engine);
            else pkix.checkClientTrusted(chain, authType);
        } catch (CertificateException e) {
            throw untrusted(e, chain);
        }
    }

    /** Expiry and not-yet-valid keep their own alerts (Netty maps them); any other PKIX failure means no CA of ours issued it. */
    private static CertificateException untrusted(CertificateException e, X509Certificate[] chain) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateExpiredException
                    || (t instanceof java.security.cert.CertPathValidatorException v && v.getReason() == java.security.cert.CertPathValidatorException.BasicReason.EXPIRED)) {
                return expired(e, chain);
            }
            if (t instanceof java.security.cert.CertificateNotYetValidException) return e;
            if (t instanceof java.security.cert.CertPathValidatorException v && v.getReason() != java.security.cert.CertPathValidatorException.BasicReason.UNSPECIFIED
                    && v.getReason() != java.security.cert.PKIXReason.NO_TRUST_ANCHOR) return e;
        }
        return alert(e, UNKNOWN_ISSUER);
    }

    /** Prefix of the refusal's message, which names the peer: the server's log line quotes it. */
    static final String EXPIRED = "certificate expired: ";

    /**
     * The peer's certificate (or one of its chain) expired: a {@link java.security.cert.CertificateExpiredException} (so the
     * alert is certificate_expired) whose message names the peer's identity, serial and notAfter.
     */
    private static CertificateException expired(CertificateException e, X509Certificate[] chain) {
        java.time.Instant now = java.time.Instant.now();
        X509Certificate which = chain[0];
        for (X509Certificate c : chain) {
            if (c.getNotAfter().toInstant().isBefore(now)) {
                which = c;
                break;
            }
        }
        String peer = Identity.of(chain[0]).map(Identity::uri).orElse(chain[0].getSubjectX500Principal().getName());
        java.security.cert.CertificateExpiredException x = new java.security.cert.CertificateExpiredException(EXPIRED + "peer=" + peer
                + (which == chain[0] ? "" : " issuer=\"" + which.getSubjectX500Principal().getName() + "\"")
                + " serial=" + which.getSerialNumber().toString(16) + " not_after=" + which.getNotAfter().toInstant());
        x.initCause(e);
        return x;
    }

    /** With BoringSSL, {@code e} carrying an X.509 error code (the JDK provider ignores it and sends its own alert). */
    private static CertificateException alert(CertificateException e, int x509Error) {
        if (TlsContexts.provider() != io.netty.handler.ssl.SslProvider.OPENSSL) return e;
        io.netty.handler.ssl.OpenSslCertificateException o = new io.netty.handler.ssl.OpenSslCertificateException(e.getMessage(), x509Error);
        o.initCause(e.getCause() != null ? e.getCause() : e);
        return o;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        try {
            pkix.checkClientTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            throw untrusted(e, chain);
        }
        checkIdentity(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        pkixClient(chain, authType, engine);
        checkIdentity(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkixClient(chain, authType, null);
        checkIdentity(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        pkix.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
