package dev.beacon.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** JDK {@link SSLContext}s from PEM material, for blocking clients such as the reference wrapper. */
public final class JdkTls {
    private JdkTls() {
    }

    /** PKIX trust in exactly these CA certificates. */
    public static TrustManagerFactory trust(java.util.List<X509Certificate> cas) {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            int i = 0;
            for (X509Certificate c : cas) ts.setCertificateEntry("ca" + i++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ts);
            return tmf;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsConfigException("cannot build a trust store: " + e.getMessage(), e);
        }
    }

    public static SSLContext context(TlsMaterial m) {
        try {
            char[] pw = new char[0];
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("key", m.key(), pw, m.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), trust(m.trust()).getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsConfigException("cannot build JDK TLS context from " + m.files() + ": " + e.getMessage(), e);
        }
    }
}
