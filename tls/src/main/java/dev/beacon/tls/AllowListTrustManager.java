package dev.beacon.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/** PKIX trust in a CA bundle, plus an identity check on the client certificate, so refusal happens in the handshake. */
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
        Identity id = Identity.of(chain[0]).orElseThrow(
                () -> new CertificateException("client certificate carries no spiffe:// identity"));
        if (!allowed.test(id)) throw new CertificateException("identity not allowed: " + id);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        pkix.checkClientTrusted(chain, authType, socket);
        checkIdentity(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        pkix.checkClientTrusted(chain, authType, engine);
        checkIdentity(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
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
