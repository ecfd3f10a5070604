package dev.beacon.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.Fuzz;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** SPIFFE identities as strings and as a certificate's URI SANs: every input is one identity, spelled one way, or refused. */
class IdentityProperties {

    @Property
    void everyIdentityReadsBackFromItsUri(@ForAll("identities") Identity id) {
        assertEquals(id, Fuzz.run(() -> Identity.parse(id.uri())).get());
    }

    /** Regression: "aa.0" passed the trust-domain pattern, but its URI has no host to java.net.URI, so it never parsed back. */
    @Property
    void aTrustDomainIsRefusedWithIllegalArgumentOrReadsBackFromTheUri(@ForAll("nearlyDomains") String domain) {
        Identity id = Fuzz.run(() -> Identity.node(domain, "n1")).refusedOnlyWith(IllegalArgumentException.class).value();
        if (id != null) assertEquals(id, Identity.parse(id.uri()));
    }

    @Example
    void aTrustDomainNoUriReadsAsAHostIsRefused() {
        for (String d : new String[] {"aa.0", "acme-", "a.-b", "x..y"}) {
            assertThrows(IllegalArgumentException.class, () -> Identity.node(d, "n1"), d);
        }
        assertEquals("spiffe://10.0.0.1/node/n1", Identity.node("10.0.0.1", "n1").uri());
    }

    @Provide
    Arbitrary<String> nearlyDomains() {
        return Fuzz.nearlyText(trustDomains());
    }

    @Property
    void anyStringIsRefusedWithIllegalArgumentOrIsAnIdentitySpelledExactlyThatWay(@ForAll("nearlyUris") String uri) {
        Identity id = Fuzz.run(() -> Identity.parse(uri)).refusedOnlyWith(IllegalArgumentException.class).value();
        if (id != null) {
            assertEquals(uri, id.uri(), "one identity, one spelling");
            assertTrue(Identity.isTrustDomain(id.trustDomain()) && Identity.isSegment(id.name()));
        }
    }

    /**
     * The path every handshake takes: a certificate's SANs, whatever a CA put there, give one identity or none, never an
     * exception. A SAN list the JDK cannot read (an empty or malformed URI among them) gives none: fail closed.
     */
    @Property
    void aCertificateHasAnIdentityOnlyWhenExactlyOneSpiffeSanParses(@ForAll("sanLists") List<GeneralName> sans) throws Exception {
        X509Certificate cert = certificate(sans);
        Optional<Identity> id = Fuzz.run(() -> Identity.of(cert)).get();
        if (!jdkReadsSans(cert)) {
            assertTrue(id.isEmpty(), "no identity from SANs the JDK cannot read");
            return;
        }
        List<String> spiffe = new ArrayList<>();
        for (GeneralName n : sans) {
            String v = n.getName().toString();
            if (n.getTagNo() == GeneralName.uniformResourceIdentifier && v.regionMatches(true, 0, "spiffe:", 0, 7)) spiffe.add(v);
        }
        boolean one = spiffe.size() == 1 && parses(spiffe.get(0));
        assertEquals(one, id.isPresent(), "SANs " + spiffe);
        if (one) assertEquals(spiffe.get(0), id.get().uri());
    }

    private static boolean jdkReadsSans(X509Certificate cert) {
        try {
            return cert.getSubjectAlternativeNames() != null;
        } catch (java.security.cert.CertificateParsingException e) {
            return false;
        }
    }

    private static boolean parses(String uri) {
        try {
            Identity.parse(uri);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    // ---- generators ----

    static Arbitrary<String> segments() {
        Arbitrary<Character> first = Arbitraries.chars().alpha().numeric();
        Arbitrary<String> rest = Arbitraries.strings().alpha().numeric().withChars("._-").ofMaxLength(62);
        return Combinators.combine(first, rest).as((f, r) -> f + r);
    }

    static Arbitrary<String> trustDomains() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-').ofMinLength(1).ofMaxLength(20);
        Arbitrary<Character> first = Arbitraries.chars().range('a', 'z').numeric();
        return Combinators.combine(first, label.list().ofMinSize(1).ofMaxSize(4)).as((f, l) -> f + String.join(".", l));
    }

    /** Trust domains the constructor refuses (a label that java.net.URI reads as no host) are left out here. */
    @Provide
    Arbitrary<Identity> identities() {
        return Arbitraries.oneOf(
                Combinators.combine(trustDomains(), segments()).as((d, n) -> orNull(() -> Identity.node(d, n))),
                Combinators.combine(trustDomains(), segments(), segments()).as((d, t, n) -> orNull(() -> Identity.bridge(d, t, n))),
                Combinators.combine(trustDomains(), segments(), segments()).as((d, t, n) -> orNull(() -> Identity.wrapper(d, t, n))))
                .filter(java.util.Objects::nonNull);
    }

    private static Identity orNull(java.util.function.Supplier<Identity> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Provide
    Arbitrary<String> nearlyUris() {
        Arbitrary<String> valid = Arbitraries.oneOf(
                Combinators.combine(trustDomains(), segments()).as((d, n) -> "spiffe://" + d + "/node/" + n),
                Combinators.combine(trustDomains(), segments(), Arbitraries.of("bridge", "wrapper", "node", "BRIDGE"), segments())
                        .as((d, t, r, n) -> "spiffe://" + d + "/tenant/" + t + "/" + r + "/" + n));
        return Fuzz.nearlyText(valid);
    }

    @Provide
    Arbitrary<List<GeneralName>> sanLists() {
        Arbitrary<GeneralName> uri = nearlyUris().filter(IdentityProperties::ia5)
                .map(s -> new GeneralName(GeneralName.uniformResourceIdentifier, s));
        Arbitrary<GeneralName> dns = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12)
                .map(s -> new GeneralName(GeneralName.dNSName, s + ".test"));
        Arbitrary<GeneralName> other = Arbitraries.strings().withCharRange('a', 'z').numeric().withChars(":/.").ofMinLength(1).ofMaxLength(30)
                .map(s -> new GeneralName(GeneralName.uniformResourceIdentifier, "https://" + s));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, uri), net.jqwik.api.Tuple.of(1, dns), net.jqwik.api.Tuple.of(1, other))
                .list().ofMinSize(1).ofMaxSize(3);
    }

    /** A certificate's URI SAN is an IA5String: ASCII only, as BouncyCastle insists. */
    private static boolean ia5(String s) {
        return s.chars().allMatch(c -> c < 128);
    }

    // ---- certificates: one key, one signature each ----

    private static KeyPair keys;
    private static ContentSigner signer;

    private static synchronized X509Certificate certificate(List<GeneralName> sans) throws Exception {
        if (keys == null) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            keys = g.generateKeyPair();
            signer = new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
        }
        X500Name name = new X500Name("CN=fuzz");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86400)), name, keys.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }
}
