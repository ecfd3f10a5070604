package dev.beacon.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds Netty TLS contexts: TLS 1.3 only, BoringSSL through netty-tcnative when it loads, JDK TLS otherwise.
 * Servers always require a client certificate.
 */
public final class TlsContexts {

    private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);
    public static final String TLS13 = "TLSv1.3";
    private static volatile SslProvider provider;

    private TlsContexts() {
    }

    /** OPENSSL (BoringSSL) when available, unless {@code -Dbeacon.tls.provider=jdk}. Logged once. */
    public static SslProvider provider() {
        SslProvider p = provider;
        if (p == null) {
            synchronized (TlsContexts.class) {
                if (provider == null) {
                    boolean forceJdk = "jdk".equalsIgnoreCase(System.getProperty("beacon.tls.provider", ""));
                    if (!forceJdk && OpenSsl.isAvailable() && SslProvider.isTlsv13Supported(SslProvider.OPENSSL)) {
                        provider = SslProvider.OPENSSL;
                        LOG.info("TLS provider: OpenSSL ({}) via netty-tcnative", OpenSsl.versionString());
                    } else {
                        provider = SslProvider.JDK;
                        LOG.info("TLS provider: JDK ({})", forceJdk ? "forced by beacon.tls.provider=jdk"
                                : "netty-tcnative unavailable: " + OpenSsl.unavailabilityCause());
                    }
                }
                p = provider;
            }
        }
        return p;
    }

    public static SslContext server(TlsMaterial m) {
        return server(m, null);
    }

    /**
     * A server context that also refuses, during the handshake, a client whose certificate identity fails
     * {@code allowed} (the peer sees a certificate_unknown alert). Null means any identity the CA signed.
     */
    public static SslContext server(TlsMaterial m, java.util.function.Predicate<Identity> allowed) {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(m.key(), m.chain().toArray(X509Certificate[]::new));
            // always ours, also without a predicate: it gives an unknown CA the unknown_ca alert
            b.trustManager(new AllowListTrustManager(m.trust(), allowed));
            return lean(b
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols(TLS13)
                    .sslProvider(provider())
                    .build());
        } catch (SSLException e) {
            throw new TlsConfigException("cannot build server TLS context from " + m.files() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Native memory per connection (docs/decisions/0004): BoringSSL's network BIO keeps a buffer for handshake and
     * alert bytes for the connection's whole life, 2048 bytes by default; handshake flights pass through it in
     * several turns when it is smaller, and after the handshake it only ever carries an alert. A server-side session
     * cache would keep every session (with the peer's certificate) after its connection is gone; TLS 1.3 resumption
     * uses tickets, which need no cache.
     */
    static final int BIO_BUFFER_BYTES = Integer.getInteger("beacon.tls.bioBufferBytes", 256);
    static final boolean SESSION_CACHE = Boolean.getBoolean("beacon.tls.sessionCache");

    private static SslContext lean(SslContext ctx) {
        if (ctx instanceof io.netty.handler.ssl.ReferenceCountedOpenSslContext o) {
            o.setBioNonApplicationBufferSize(BIO_BUFFER_BYTES);
            if (!SESSION_CACHE) o.sessionContext().setSessionCacheEnabled(false);
        }
        return ctx;
    }

    /**
     * A client context presenting {@code m}'s certificate. {@code verifyHostname} checks the server's DNS/IP SANs
     * against the address dialled; callers that authenticate the server by its URI identity pass false and
     * check {@link Identity} after the handshake.
     */
    public static SslContext client(TlsMaterial m, boolean verifyHostname) {
        try {
            return lean(SslContextBuilder.forClient()
                    .keyManager(m.key(), m.chain().toArray(X509Certificate[]::new))
                    .trustManager(m.trust().toArray(X509Certificate[]::new))
                    .protocols(TLS13)
                    .sslProvider(provider())
                    .endpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null)
                    .build());
        } catch (SSLException e) {
            throw new TlsConfigException("cannot build client TLS context from " + m.files() + ": " + e.getMessage(), e);
        }
    }
}
