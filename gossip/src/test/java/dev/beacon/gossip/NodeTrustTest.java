package dev.beacon.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.Identity;
import dev.beacon.tls.Pem;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.TestPki;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node-only trust factory: exactly PKIX without the marker, node identities only with it, no host names. */
class NodeTrustTest {

    @TempDir
    static Path dir;
    static TestPki pki;

    @BeforeAll
    static void setUp() {
        pki = TestPki.create(dir);
        NodeTrust.install();
        NodeTrust.install(); // idempotent
    }

    static X509Certificate[] chain(TlsFiles f) {
        return Pem.certificates(f.cert()).toArray(new X509Certificate[0]);
    }

    @Test
    void isTheDefaultAlgorithmAndActsLikePkixWithoutTheMarker() throws Exception {
        assertEquals(NodeTrust.ALGORITHM, TrustManagerFactory.getDefaultAlgorithm());
        KeyStore plain = KeyStore.getInstance("PKCS12");
        plain.load(null, null);
        plain.setCertificateEntry("ca", Pem.certificates(dir.resolve("beacon-ca/ca.crt")).get(0));

        TrustManagerFactory ours = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        ours.init(plain);
        TrustManagerFactory pkix = TrustManagerFactory.getInstance("PKIX");
        pkix.init(plain);
        TrustManager tm = ours.getTrustManagers()[0];
        assertSame(pkix.getTrustManagers()[0].getClass(), tm.getClass(), "unmarked stores get PKIX's own trust manager");
        X509ExtendedTrustManager x = (X509ExtendedTrustManager) tm;
        x.checkClientTrusted(chain(pki.wrapper("acme", "demo")), "UNKNOWN"); // any identity: PKIX only
        assertThrows(CertificateException.class, () -> x.checkClientTrusted(chain(pki.foreignWrapper("acme", "demo")), "UNKNOWN"));

        ours.init((KeyStore) null); // the JDK's cacerts, as PKIX does
        assertTrue(ours.getTrustManagers().length > 0);
        SSLContext.getInstance("TLS").init(null, null, null); // default trust goes through the factory and works
    }

    @Test
    void theMarkedStoreAdmitsNodesOnlyOnBothSides() throws Exception {
        X509ExtendedTrustManager tm = markedTrustManager(pki.node("n1"));
        tm.checkClientTrusted(chain(pki.node("n2")), "UNKNOWN");
        tm.checkServerTrusted(chain(pki.node("n2")), "UNKNOWN");

        for (TlsFiles notANode : List.of(pki.wrapper("acme", "demo"), pki.bridge("acme", "acme-bridge"))) {
            CertificateException c = assertThrows(CertificateException.class, () -> tm.checkClientTrusted(chain(notANode), "UNKNOWN"));
            assertTrue(c.getMessage().contains("not a beacon node"), c.getMessage());
            assertThrows(CertificateException.class, () -> tm.checkServerTrusted(chain(notANode), "UNKNOWN"));
        }
        TlsFiles otherDomain = pki.issue(pki.beaconCa, "node-other-domain", Identity.node("other.test", "n9"), r -> r);
        CertificateException c = assertThrows(CertificateException.class, () -> tm.checkClientTrusted(chain(otherDomain), "UNKNOWN"));
        assertTrue(c.getMessage().contains("trust domain"), c.getMessage());
        TlsFiles foreign = pki.issue(pki.otherCa, "node-foreign", Identity.node(TestPki.TRUST_DOMAIN, "n9"), r -> r);
        c = assertThrows(CertificateException.class, () -> tm.checkServerTrusted(chain(foreign), "UNKNOWN"));
        assertTrue(c.getMessage().contains("not valid under the cluster CA bundle"), c.getMessage());
        // the marker (this node's own certificate) is no trust anchor
        assertFalse(List.of(tm.getAcceptedIssuers()).contains(chain(pki.node("n1"))[0]));
    }

    @Test
    void hostNamesAreNotVerified() throws Exception {
        X509ExtendedTrustManager tm = markedTrustManager(pki.node("n1"));
        SSLEngine engine = SSLContext.getDefault().createSSLEngine("pod-ip-changed.example", 7946);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(p);
        tm.checkServerTrusted(chain(pki.node("n2")), "UNKNOWN", engine); // the JDK's own would check the name (and the session)
        assertThrows(CertificateException.class, () -> tm.checkServerTrusted(chain(pki.wrapper("acme", "demo")), "UNKNOWN", engine));
    }

    /** The trust manager Atomix gets: default algorithm over the trust store file ClusterTls writes. */
    private static X509ExtendedTrustManager markedTrustManager(TlsFiles node) throws Exception {
        try (ClusterTls tls = ClusterTls.prepare(node, true)) {
            assertTrue(Files.exists(tls.trustStore));
            KeyStore ts = KeyStore.getInstance(KeyStore.getDefaultType());
            try (InputStream in = Files.newInputStream(tls.trustStore)) {
                ts.load(in, tls.password.toCharArray());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            TrustManager[] tms = tmf.getTrustManagers();
            assertEquals(1, tms.length);
            return (X509ExtendedTrustManager) tms[0];
        }
    }
}
