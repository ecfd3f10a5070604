package dev.beacon.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.TestPki;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PemTest {

    @TempDir
    Path dir;
    TestPki pki;

    @BeforeEach
    void pki() {
        pki = TestPki.create(dir);
    }

    private TlsFiles issue(String name, UnaryOperator<DevCa.Request> r) {
        return pki.issue(pki.beaconCa, name, Identity.wrapper(TestPki.TRUST_DOMAIN, "acme", "demo"), r);
    }

    @ParameterizedTest(name = "{0} traditional={1}")
    @CsvSource({
        "EC,  false, -----BEGIN PRIVATE KEY-----",
        "RSA, false, -----BEGIN PRIVATE KEY-----",
        "RSA, true,  -----BEGIN RSA PRIVATE KEY-----",
    })
    void readsEcAndRsaKeysInPkcs8AndTraditionalForm(DevCa.KeyType type, boolean traditional, String header) throws Exception {
        assertIssuedKeyIsUsable(type, traditional, header);
    }

    @Test
    void ecTraditionalKeyIsWrittenAsSec1() throws Exception {
        TlsFiles f = issue("leaf-ec-sec1", r -> r.traditionalKey());
        String keyText = Files.readString(f.key());
        assertTrue(keyText.startsWith("-----BEGIN EC PRIVATE KEY-----"), keyText);
        assertTrue(keyText.strip().endsWith("-----END EC PRIVATE KEY-----"), keyText);
    }

    /**
     * DevCa's SEC1 output must carry the curve (ECPrivateKey.parameters) and the public key: without them the file
     * cannot be read by Pem (nor by openssl), as the curve is unknown without the PKCS#8 wrapper.
     */
    @Test
    void readsDevCaEcTraditionalKey() throws Exception {
        assertIssuedKeyIsUsable(DevCa.KeyType.EC, true, "-----BEGIN EC PRIVATE KEY-----");
    }

    @Test
    void readsSec1EcKeyAsOpensslWritesIt() throws Exception {
        TlsFiles f = issue("sec1-full", r -> r);
        Path sec1 = writeSec1(f, true);
        assertTrue(Files.readString(sec1).startsWith("-----BEGIN EC PRIVATE KEY-----"));
        assertEquals(((ECPrivateKey) Pem.privateKey(f.key())).getS(), ((ECPrivateKey) Pem.privateKey(sec1)).getS());
        TlsMaterial m = TlsMaterial.load(new TlsFiles(f.cert(), sec1, f.ca()));
        assertEquals("EC", m.key().getAlgorithm());
    }

    /** The public key in SEC1 is optional ({@code openssl ec -no_public}); the private key alone is enough. */
    @Test
    void readsSec1EcKeyWithoutPublicKey() throws Exception {
        TlsFiles f = issue("sec1-nopub", r -> r);
        Path sec1 = writeSec1(f, false);
        assertEquals(((ECPrivateKey) Pem.privateKey(f.key())).getS(), ((ECPrivateKey) Pem.privateKey(sec1)).getS());
        TlsMaterial.load(new TlsFiles(f.cert(), sec1, f.ca()));
    }

    private void assertIssuedKeyIsUsable(DevCa.KeyType type, boolean traditional, String header) throws Exception {
        TlsFiles f = issue("leaf-" + type + "-" + traditional,
                r -> traditional ? r.keyType(type).traditionalKey() : r.keyType(type));

        String keyText = Files.readString(f.key());
        assertTrue(keyText.startsWith(header), "key file starts with " + header + ":\n" + keyText);
        assertTrue(Files.readString(f.cert()).startsWith("-----BEGIN CERTIFICATE-----"));

        X509Certificate cert = Pem.certificates(f.cert()).get(0);
        assertEquals(type == DevCa.KeyType.RSA ? "RSA" : "EC", cert.getPublicKey().getAlgorithm());
        PrivateKey key = Pem.privateKey(f.key());
        assertEquals(type == DevCa.KeyType.RSA ? "RSA" : "EC", key.getAlgorithm());
        assertSignsFor(cert, key);

        TlsMaterial m = TlsMaterial.load(f);
        assertEquals(cert, m.leaf());
        assertEquals(List.of(pki.beaconCa.certificate()), m.trust());
        assertEquals(f, m.files());
        assertEquals(TlsMaterial.fingerprint(f), m.fingerprint());
        assertEquals(Identity.wrapper(TestPki.TRUST_DOMAIN, "acme", "demo"), m.identity().orElseThrow());
    }

    /** Re-encodes an issued EC key as SEC1 with the curve OID, optionally with the public key, like openssl does. */
    private Path writeSec1(TlsFiles f, boolean withPublicKey) throws Exception {
        ECPrivateKey key = (ECPrivateKey) Pem.privateKey(f.key());
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(Pem.certificates(f.cert()).get(0).getPublicKey().getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS(),
                withPublicKey ? new DERBitString(spki.getPublicKeyData().getBytes()) : null,
                spki.getAlgorithm().getParameters());
        StringWriter sw = new StringWriter();
        try (PemWriter w = new PemWriter(sw)) {
            w.writeObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
        }
        return Files.writeString(dir.resolve(withPublicKey ? "sec1-full.key" : "sec1-nopub.key"), sw.toString());
    }

    @Test
    void keyFilesAreOwnerOnly() throws Exception {
        TlsFiles f = issue("perm", r -> r);
        try {
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f.key())));
        } catch (UnsupportedOperationException notPosix) {
            // nothing to check
        }
    }

    @Test
    void readsAWholeChainInOrder() throws Exception {
        TlsFiles f = issue("chain", r -> r);
        Path bundle = dir.resolve("chain.crt");
        Files.writeString(bundle, Files.readString(f.cert()) + Files.readString(dir.resolve("beacon-ca/ca.crt")));
        List<X509Certificate> chain = Pem.certificates(bundle);
        assertEquals(2, chain.size());
        assertEquals(Pem.certificates(f.cert()).get(0), chain.get(0));
        assertEquals(pki.beaconCa.certificate(), chain.get(1));
        TlsMaterial m = TlsMaterial.load(new TlsFiles(bundle, f.key(), f.ca()));
        assertEquals(2, m.chain().size());
    }

    @Test
    void keyOfAnotherCertificateIsRefusedNamingTheKeyFile() {
        TlsFiles a = issue("a", r -> r);
        TlsFiles b = issue("b", r -> r);
        TlsFiles mixed = new TlsFiles(a.cert(), b.key(), a.ca());
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> TlsMaterial.load(mixed));
        assertTrue(e.getMessage().contains(b.key().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
        assertTrue(e.getMessage().contains(a.cert().toString()), e.getMessage());
    }

    @Test
    void keyOfAnotherAlgorithmIsRefusedNamingTheKeyFile() {
        TlsFiles ec = issue("ec", r -> r);
        TlsFiles rsa = issue("rsa", r -> r.keyType(DevCa.KeyType.RSA).traditionalKey());
        for (TlsFiles mixed : List.of(new TlsFiles(ec.cert(), rsa.key(), ec.ca()), new TlsFiles(rsa.cert(), ec.key(), ec.ca()))) {
            TlsConfigException e = assertThrows(TlsConfigException.class, () -> TlsMaterial.load(mixed));
            assertTrue(e.getMessage().contains(mixed.key().toString()), e.getMessage());
        }
    }

    @Test
    void missingFileIsNamed() {
        TlsFiles ok = issue("ok", r -> r);
        Path missing = dir.resolve("nowhere/tls.crt");
        for (TlsFiles f : List.of(new TlsFiles(missing, ok.key(), ok.ca()), new TlsFiles(ok.cert(), missing, ok.ca()),
                new TlsFiles(ok.cert(), ok.key(), missing))) {
            TlsConfigException e = assertThrows(TlsConfigException.class, () -> TlsMaterial.load(f));
            assertTrue(e.getMessage().contains("file not found"), e.getMessage());
            assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        }
        TlsConfigException e1 = assertThrows(TlsConfigException.class, () -> Pem.certificates(missing));
        assertTrue(e1.getMessage().contains("file not found") && e1.getMessage().contains(missing.toString()), e1.getMessage());
        TlsConfigException e2 = assertThrows(TlsConfigException.class, () -> Pem.privateKey(missing));
        assertTrue(e2.getMessage().contains("file not found") && e2.getMessage().contains(missing.toString()), e2.getMessage());
    }

    @Test
    void fileWithoutPemIsNamed() throws Exception {
        TlsFiles ok = issue("ok", r -> r);
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        Path text = Files.writeString(dir.resolve("text.pem"), "this is not a certificate\n");
        for (Path p : List.of(empty, text)) {
            TlsConfigException e = assertThrows(TlsConfigException.class, () -> Pem.certificates(p));
            assertEquals("no PEM certificate found in " + p, e.getMessage());
            e = assertThrows(TlsConfigException.class, () -> Pem.privateKey(p));
            assertEquals("no unencrypted PEM private key found in " + p, e.getMessage());
        }
        // the key and the certificate swapped: each file has PEM, but not the kind expected
        TlsConfigException e = assertThrows(TlsConfigException.class,
                () -> TlsMaterial.load(new TlsFiles(ok.key(), ok.cert(), ok.ca())));
        assertEquals("no PEM certificate found in " + ok.key(), e.getMessage());
        e = assertThrows(TlsConfigException.class, () -> Pem.privateKey(ok.cert()));
        assertEquals("no unencrypted PEM private key found in " + ok.cert(), e.getMessage());
        // a CA bundle with no certificate
        e = assertThrows(TlsConfigException.class, () -> TlsMaterial.load(new TlsFiles(ok.cert(), ok.key(), text)));
        assertEquals("no PEM certificate found in " + text, e.getMessage());
    }

    @Test
    void truncatedPemIsNamed() throws Exception {
        TlsFiles ok = issue("ok", r -> r);
        String cert = Files.readString(ok.cert());
        Path cut = Files.writeString(dir.resolve("cut.crt"), cert.substring(0, cert.indexOf("-----END")));
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> Pem.certificates(cut));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    }

    @Test
    void encryptedKeyIsRefusedWithAClearMessage() throws Exception {
        TlsFiles ok = issue("enc", r -> r);
        PrivateKey key = Pem.privateKey(ok.key());
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(new JcaPKCS8Generator(key, new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                    .setProvider(new BouncyCastleProvider()).setPassword("secret".toCharArray()).build()));
        }
        assertTrue(sw.toString().startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        Path enc = Files.writeString(dir.resolve("enc.key"), sw.toString());
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> Pem.privateKey(enc));
        assertEquals("no unencrypted PEM private key found in " + enc, e.getMessage());
    }

    /** A certificate damaged in a copy and paste (bad base64) should fail like any other unreadable file: named. */
    @Test
    void corruptBase64IsNamed() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.crt"),
                "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        TlsConfigException e = assertThrows(TlsConfigException.class, () -> Pem.certificates(bad));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        Path badKey = Files.writeString(dir.resolve("bad.key"),
                "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n");
        e = assertThrows(TlsConfigException.class, () -> Pem.privateKey(badKey));
        assertTrue(e.getMessage().contains(badKey.toString()), e.getMessage());
    }

    @Test
    void fingerprintFollowsContent() throws Exception {
        TlsFiles f = issue("fp", r -> r);
        String before = TlsMaterial.fingerprint(f);
        assertEquals(before, TlsMaterial.fingerprint(f));
        pki.beaconCa.issue(new DevCa.Request(Identity.wrapper(TestPki.TRUST_DOMAIN, "acme", "demo")), f.cert(), f.key());
        assertFalse(before.equals(TlsMaterial.fingerprint(f)));
    }

    private static void assertSignsFor(X509Certificate cert, PrivateKey key) throws Exception {
        String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        Signature s = Signature.getInstance(alg);
        s.initSign(key);
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        Signature v = Signature.getInstance(alg);
        v.initVerify(cert);
        v.update(new byte[] {1, 2, 3});
        assertTrue(v.verify(sig));
    }
}
