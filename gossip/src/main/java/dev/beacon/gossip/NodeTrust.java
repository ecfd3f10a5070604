package dev.beacon.gossip;

import dev.beacon.tls.Identity;
import dev.beacon.tls.Role;
import java.net.Socket;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node-only trust for the cluster port. Atomix's messaging builds its TLS trust from a trust store <em>file</em>
 * through {@code TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm())}, so the only way to add
 * an identity check is the JCA: {@link #install()} registers the provider {@value #PROVIDER} with the trust manager
 * algorithm {@value #ALGORITHM} and makes it the default. The factory delegates to the algorithm that was the default
 * before (PKIX) and behaves exactly like it, except for a trust store holding the marker alias {@value #MARKER_ALIAS}
 * (written only by {@link ClusterTls}): then the peer certificate, on both the client and the server side of a
 * connection, must also carry a node identity ({@code spiffe://<td>/node/<id>}) of the trust domain of the
 * certificate stored under the marker (this node's own). Bridges and wrappers hold certificates from the same CA
 * and are refused in the handshake.
 *
 * <p>Peers are checked by identity, not host name: the PKIX checks run without the SSL engine, so the JDK does no
 * endpoint identification (Netty 4.2 turns it on for clients), and a node whose pod IP changed is still accepted.
 */
final class NodeTrust {

    static final String PROVIDER = "BeaconNodeTrust";
    static final String ALGORITHM = "BeaconPKIX";
    static final String MARKER_ALIAS = "beacon-require-node-identity";
    private static final String DEFAULT_PROPERTY = "ssl.TrustManagerFactory.algorithm";

    private static final Logger LOG = LoggerFactory.getLogger(NodeTrust.class);
    private static final Duration REFUSAL_LOG_EVERY = Duration.ofMinutes(1);
    private static final Map<String, Long> LAST_REFUSAL_LOG = new ConcurrentHashMap<>();
    private static volatile String delegateAlgorithm = "PKIX";

    private NodeTrust() {
    }

    /** Idempotent: registers the provider and makes {@value #ALGORITHM} the default trust manager algorithm. */
    static synchronized void install() {
        if (Security.getProvider(PROVIDER) == null) {
            String previous = TrustManagerFactory.getDefaultAlgorithm();
            if (!ALGORITHM.equals(previous)) delegateAlgorithm = previous;
            Security.addProvider(new BeaconProvider());
        }
        if (!ALGORITHM.equals(Security.getProperty(DEFAULT_PROPERTY))) {
            String previous = TrustManagerFactory.getDefaultAlgorithm();
            if (!ALGORITHM.equals(previous)) delegateAlgorithm = previous;
            Security.setProperty(DEFAULT_PROPERTY, ALGORITHM);
        }
    }

    /** The trust managers for a marked trust store: PKIX over the CA certificates, plus the node identity check. */
    static TrustManager[] nodeOnly(KeyStore marked) throws KeyStoreException, NoSuchAlgorithmException {
        Certificate own = marked.getCertificate(MARKER_ALIAS);
        Identity self = own instanceof X509Certificate x ? Identity.of(x).orElse(null) : null;
        if (self == null) throw new KeyStoreException("marker entry " + MARKER_ALIAS + " holds no certificate with a spiffe:// identity");
        // the marker is this node's own certificate: it must not become a trust anchor, so PKIX gets the CAs only
        KeyStore cas = KeyStore.getInstance("PKCS12");
        try {
            cas.load(null, null);
        } catch (java.io.IOException | CertificateException e) {
            throw new KeyStoreException(e);
        }
        for (String alias : Collections.list(marked.aliases())) {
            if (!alias.equals(MARKER_ALIAS) && marked.isCertificateEntry(alias)) cas.setCertificateEntry(alias, marked.getCertificate(alias));
        }
        TrustManagerFactory pkix = TrustManagerFactory.getInstance(delegateAlgorithm);
        pkix.init(cas);
        X509TrustManager delegate = null;
        for (TrustManager tm : pkix.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) delegate = x;
        }
        if (delegate == null) throw new KeyStoreException("no X509 trust manager from " + delegateAlgorithm);
        return new TrustManager[]{new NodeOnlyTrustManager(delegate, self.trustDomain())};
    }

    /**
     * One log line per refused peer and minute: the handshake failure itself is only visible to the refused side,
     * and a misconfigured peer retries every probe interval.
     */
    static CertificateException refused(String who, String reason) {
        return refused(who, reason, null);
    }

    static CertificateException refused(String who, String reason, Throwable cause) {
        long now = System.nanoTime();
        Long last = LAST_REFUSAL_LOG.get(who);
        if (last == null || now - last > REFUSAL_LOG_EVERY.toNanos()) {
            if (LAST_REFUSAL_LOG.size() > 10_000) LAST_REFUSAL_LOG.clear();
            LAST_REFUSAL_LOG.put(who, now);
            LOG.warn("cluster port refused a peer: {}", reason);
        }
        CertificateException e = new CertificateException(reason);
        if (cause != null) e.initCause(cause);
        return e;
    }

    /** Requires a node identity of one trust domain on top of PKIX, without host name verification. */
    static final class NodeOnlyTrustManager extends X509ExtendedTrustManager {
        private final X509TrustManager pkix;
        private final String trustDomain;

        NodeOnlyTrustManager(X509TrustManager pkix, String trustDomain) {
            this.pkix = pkix;
            this.trustDomain = trustDomain;
        }

        private void requireNode(X509Certificate[] chain, String side) throws CertificateException {
            Optional<Identity> found = Identity.of(chain[0]);
            if (found.isEmpty()) {
                throw refused(chain[0].getSubjectX500Principal().getName(),
                        side + " certificate carries no spiffe:// identity: not a beacon node");
            }
            Identity id = found.get();
            if (id.role() != Role.NODE) {
                throw refused(id.uri(), side + " certificate is a " + id.role().label() + " (" + id + "), not a beacon node: "
                        + "the cluster port takes node certificates only");
            }
            if (!id.trustDomain().equals(trustDomain)) {
                throw refused(id.uri(), side + " node " + id + " is not of trust domain " + trustDomain);
            }
        }

        private static void pkix(X509Certificate[] chain, String side, PkixCheck check, String authType) throws CertificateException {
            try {
                check.run(chain, authType);
            } catch (CertificateException e) {
                String who = Identity.of(chain[0]).map(Identity::uri).orElse(chain[0].getSubjectX500Principal().getName());
                throw refused(who, side + " certificate " + who + " is not valid under the cluster CA bundle: " + e.getMessage(), e);
            }
        }

        private interface PkixCheck {
            void run(X509Certificate[] chain, String authType) throws CertificateException;
        }

        private static void nonEmpty(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) throw new CertificateException("no peer certificate");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            nonEmpty(chain);
            pkix(chain, "client", pkix::checkClientTrusted, authType);
            requireNode(chain, "client");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            nonEmpty(chain);
            pkix(chain, "server", pkix::checkServerTrusted, authType);
            requireNode(chain, "server");
        }

        // The socket/engine variants deliberately drop the socket/engine: with it, the JDK would verify the host name.

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.getAcceptedIssuers();
        }
    }

    /** {@value #ALGORITHM}: the previous default algorithm, node-only for marked trust stores. */
    static final class Spi extends TrustManagerFactorySpi {
        private final TrustManagerFactory delegate;
        private TrustManager[] nodeOnly;

        Spi() throws NoSuchAlgorithmException {
            this.delegate = TrustManagerFactory.getInstance(delegateAlgorithm);
        }

        @Override
        protected void engineInit(KeyStore ks) throws KeyStoreException {
            if (ks != null && ks.containsAlias(MARKER_ALIAS)) {
                try {
                    nodeOnly = nodeOnly(ks);
                } catch (NoSuchAlgorithmException e) {
                    throw new KeyStoreException(e);
                }
            } else {
                nodeOnly = null;
                delegate.init(ks);
            }
        }

        @Override
        protected void engineInit(ManagerFactoryParameters spec) throws InvalidAlgorithmParameterException {
            nodeOnly = null;
            delegate.init(spec);
        }

        @Override
        protected TrustManager[] engineGetTrustManagers() {
            return nodeOnly != null ? nodeOnly.clone() : delegate.getTrustManagers();
        }
    }

    private static final class BeaconProvider extends Provider {
        BeaconProvider() {
            super(PROVIDER, "1.0", "beacon: node-only trust for the cluster port (delegates to PKIX otherwise)");
            putService(new Service(this, "TrustManagerFactory", ALGORITHM, Spi.class.getName(), List.of(), Map.of()) {
                @Override
                public Object newInstance(Object constructorParameter) throws NoSuchAlgorithmException {
                    return new Spi(); // no reflection: the class need not be public
                }
            });
        }
    }
}
