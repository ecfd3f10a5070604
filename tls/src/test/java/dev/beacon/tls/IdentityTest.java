package dev.beacon.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.TestPki;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentityTest {

    @Test
    void bridgeRoundTrips() {
        String uri = "spiffe://beacon.test/tenant/acme/bridge/acme-bridge";
        Identity id = Identity.parse(uri);
        assertEquals("beacon.test", id.trustDomain());
        assertEquals("acme", id.tenant());
        assertEquals(Role.BRIDGE, id.role());
        assertEquals(uri, id.uri());
        assertEquals("spiffe://beacon.test/node/n1", Identity.parse("spiffe://beacon.test/node/n1").uri());
        assertEquals("acme-bridge", id.name());
        assertEquals(uri, id.uri());
        assertEquals(uri, id.toString());
        assertEquals(Identity.bridge("beacon.test", "acme", "acme-bridge"), id);
        assertEquals(id, Identity.parse(id.uri()));
    }

    @Test
    void wrapperRoundTrips() {
        String uri = "spiffe://beacon.test/tenant/acme/wrapper/demo";
        Identity id = Identity.parse(uri);
        assertEquals("acme", id.tenant());
        assertEquals(Role.WRAPPER, id.role());
        assertEquals("demo", id.name());
        assertEquals(uri, id.uri());
        assertEquals(Identity.wrapper("beacon.test", "acme", "demo"), id);
    }

    @Test
    void nodeRoundTrips() {
        String uri = "spiffe://beacon.test/node/node-1.eu_west";
        Identity id = Identity.parse(uri);
        assertNull(id.tenant());
        assertEquals(Role.NODE, id.role());
        assertEquals("node-1.eu_west", id.name());
        assertEquals(uri, id.uri());
        assertEquals(Identity.node("beacon.test", "node-1.eu_west"), id);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "https://beacon.test/node/n1",
        "SPIFFE://beacon.test/node/n1",
        "beacon.test/node/n1",
        "spiffe:node/n1",
        "spiffe:///node/n1",
    })
    void rejectsWrongScheme(String uri) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Identity.parse(uri));
        assertTrue(e.getMessage().contains(uri), e.getMessage());
    }

    @Test
    void rejectsUnknownRole() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Identity.parse("spiffe://beacon.test/tenant/acme/admin/root"));
        assertTrue(e.getMessage().contains("unknown role 'admin'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Identity.parse("spiffe://beacon.test/tenant/acme/node/n1"));
        assertThrows(IllegalArgumentException.class, () -> Identity.parse("spiffe://beacon.test/operator/n1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // spaces, raw and percent-encoded
        "spiffe://beacon.test/tenant/acme/wrapper/my%20app",
        "spiffe://beacon.test/tenant/ac%20me/wrapper/demo",
        // empty segments
        "spiffe://beacon.test/tenant//wrapper/demo",
        "spiffe://beacon.test/tenant/acme/wrapper/",
        "spiffe://beacon.test/node/",
        "spiffe://beacon.test/node//n1",
        "spiffe://beacon.test/node/n1/",
        "spiffe://beacon.test/",
        "spiffe://beacon.test",
        // dot segments and path tricks
        "spiffe://beacon.test/tenant/../wrapper/demo",
        "spiffe://beacon.test/tenant/acme/wrapper/..",
        "spiffe://beacon.test/tenant/acme/wrapper/.",
        "spiffe://beacon.test/tenant/acme/../globex/wrapper/demo",
        "spiffe://beacon.test/node/..",
        "spiffe://beacon.test/node/%2E%2E",
        "spiffe://beacon.test/node/.hidden",
        "spiffe://beacon.test/tenant/acme%2Fglobex/wrapper/demo",
        "spiffe://beacon.test/node/a%2Fb",
        "spiffe://beacon.test/tenant/acme/wrapper/demo/extra",
        // segments that are too long or use characters outside the alphabet
        "spiffe://beacon.test/tenant/acme/wrapper/na%24me",
        "spiffe://beacon.test/tenant/acme/wrapper/-leading-dash",
        // bad trust domains
        "spiffe://Beacon.Test/node/n1",
        "spiffe://bad_domain/node/n1",
    })
    void rejectsBadSegments(String uri) {
        assertThrows(IllegalArgumentException.class, () -> Identity.parse(uri));
    }

    @Test
    void rejectsRawSpaceAndOverlongName() {
        assertThrows(IllegalArgumentException.class, () -> Identity.parse("spiffe://beacon.test/tenant/acme/wrapper/my app"));
        String longName = "a".repeat(64);
        assertThrows(IllegalArgumentException.class, () -> Identity.parse("spiffe://beacon.test/node/" + longName));
        assertEquals(63, Identity.parse("spiffe://beacon.test/node/" + "a".repeat(63)).name().length());
    }

    @Test
    void constructorsRejectBadSegments() {
        assertThrows(IllegalArgumentException.class, () -> Identity.wrapper("beacon.test", "acme", "my app"));
        assertThrows(IllegalArgumentException.class, () -> Identity.wrapper("beacon.test", "acme", ""));
        assertThrows(IllegalArgumentException.class, () -> Identity.wrapper("beacon.test", "acme", ".."));
        assertThrows(IllegalArgumentException.class, () -> Identity.wrapper("beacon.test", "..", "demo"));
        assertThrows(IllegalArgumentException.class, () -> Identity.bridge("beacon.test", null, "b1"));
        assertThrows(IllegalArgumentException.class, () -> Identity.bridge("beacon.test", "a/b", "b1"));
        assertThrows(IllegalArgumentException.class, () -> Identity.node("", "n1"));
        assertThrows(IllegalArgumentException.class, () -> new Identity("beacon.test", "acme", null, "x"));
    }

    /**
     * The SPIFFE ID spec forbids a port, user info, query, fragment and percent-encoding. Were they dropped
     * silently, several different URI SAN strings would alias the same identity and uri() would not give back
     * the SAN that was in the certificate.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "spiffe://beacon.test/node/n1?x=y",
        "spiffe://beacon.test/node/n1#frag",
        "spiffe://beacon.test:8443/node/n1",
        "spiffe://evil@beacon.test/node/n1",
        "spiffe://beacon.test/node/n%31",
        "spiffe://beacon.test/tenant/acme/wrapper/demo?/../../node/n1",
    })
    void rejectsUriPartsSpiffeForbids(String uri) {
        assertThrows(IllegalArgumentException.class, () -> Identity.parse(uri), () -> uri + " parsed as " + Identity.parse(uri));
    }

    @Test
    void segmentGrammarIsWhatProtocolFieldsAreCheckedAgainst() {
        assertTrue(Identity.isSegment("acme-bridge.v2_1"));
        for (String bad : new String[] {null, "", "..", "-x", "a/b", "x\n2026-01-01 INFO bridge registered", "a".repeat(64), "a b"}) {
            assertFalse(Identity.isSegment(bad), String.valueOf(bad));
        }
        assertTrue(Identity.isTrustDomain("beacon.test"));
        assertFalse(Identity.isTrustDomain("Beacon.Test"));
        assertFalse(Identity.isTrustDomain("beacon.test\nforged"));
    }

    @Test
    void anInvalidSegmentIsNamedEscapedInTheMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Identity.wrapper("beacon.test", "acme", "x\n2026-11-29 INFO forged"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("x\\n2026-11-29 INFO forged"), e.getMessage());
    }

    @Test
    void rejectsNodeWithTenant() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Identity("beacon.test", "acme", Role.NODE, "n1"));
        assertTrue(e.getMessage().contains("tenant"), e.getMessage());
        // the only way a tenant could appear in a node URI is a different path shape, which is refused
        assertThrows(IllegalArgumentException.class, () -> Identity.parse("spiffe://beacon.test/tenant/acme/node/n1"));
        assertThrows(IllegalArgumentException.class, () -> Identity.parse("spiffe://beacon.test/node/n1/tenant/acme"));
    }

    @Test
    void identityOfDevCaIssuedCertificate(@TempDir Path dir) {
        TestPki pki = TestPki.create(dir);
        for (Identity id : new Identity[] {
                Identity.wrapper(TestPki.TRUST_DOMAIN, "acme", "demo"),
                Identity.bridge(TestPki.TRUST_DOMAIN, "acme", "acme-bridge"),
                Identity.node(TestPki.TRUST_DOMAIN, "n1")}) {
            TlsFiles f = pki.issue(pki.beaconCa, "id-" + id.role().label(), id, r -> r.dns("localhost").ip("127.0.0.1"));
            X509Certificate cert = Pem.certificates(f.cert()).get(0);
            assertEquals(Optional.of(id), Identity.of(cert));
            assertEquals(Optional.of(id), TlsMaterial.load(f).identity());
        }
    }

    @Test
    void certificateWithoutUriSanHasNoIdentity(@TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir);
        // a CA certificate has no SANs at all
        assertEquals(Optional.empty(), Identity.of(pki.beaconCa.certificate()));
        // a leaf with only DNS/IP SANs
        assertEquals(Optional.empty(), Identity.of(selfSigned(
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"))));
        // a non-spiffe URI SAN
        assertEquals(Optional.empty(), Identity.of(selfSigned(
                new GeneralName(GeneralName.uniformResourceIdentifier, "https://beacon.test/node/n1"))));
        // a spiffe URI SAN that does not parse
        assertEquals(Optional.empty(), Identity.of(selfSigned(
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://beacon.test/tenant/acme/admin/x"))));
        // two spiffe identities: ambiguous, so none
        assertEquals(Optional.empty(), Identity.of(selfSigned(
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://beacon.test/node/n1"),
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://beacon.test/node/n2"))));
        // the scheme in another case is still a spiffe identity: next to a valid one it makes the certificate ambiguous
        assertEquals(Optional.empty(), Identity.of(selfSigned(
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://beacon.test/tenant/acme/wrapper/demo"),
                new GeneralName(GeneralName.uniformResourceIdentifier, "SPIFFE://beacon.test/tenant/acme/bridge/b1"))));
        assertEquals(Optional.empty(), Identity.of(selfSigned(
                new GeneralName(GeneralName.uniformResourceIdentifier, "Spiffe://beacon.test/node/n2"),
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://beacon.test/node/n1"))));
        // alone, it does not parse (SPIFFE IDs are lower-case), so there is no identity
        assertEquals(Optional.empty(), Identity.of(selfSigned(
                new GeneralName(GeneralName.uniformResourceIdentifier, "SPIFFE://beacon.test/node/n1"))));
        // exactly one, next to other SANs
        assertEquals(Optional.of(Identity.node("beacon.test", "n1")), Identity.of(selfSigned(
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://beacon.test/node/n1"))));
    }

    private static X509Certificate selfSigned(GeneralName... sans) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        X500Name name = new X500Name("CN=no identity");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    }
}
