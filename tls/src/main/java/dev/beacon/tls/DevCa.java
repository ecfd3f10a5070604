package dev.beacon.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * A small certificate authority for local mode and tests. Not for production: keys are written unencrypted.
 * Issues leaf certificates carrying a SPIFFE URI SAN, plus DNS/IP SANs for servers.
 */
public final class DevCa {

    public enum KeyType { EC, RSA }

    /** What to issue. Defaults: EC P-256, valid from an hour ago for 90 days, PKCS#8 key. */
    public static final class Request {
        private final Identity identity;
        private final List<String> dnsNames = new ArrayList<>();
        private final List<String> ipAddresses = new ArrayList<>();
        private final List<String> extraUris = new ArrayList<>();
        private KeyType keyType = KeyType.EC;
        private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        private Instant notAfter = Instant.now().plus(Duration.ofDays(90));
        private boolean traditionalKey;

        public Request(Identity identity) {
            this.identity = identity;
        }

        public Request dns(String... names) {
            dnsNames.addAll(List.of(names));
            return this;
        }

        public Request ip(String... ips) {
            ipAddresses.addAll(List.of(ips));
            return this;
        }

        /** More URI SANs after the identity's (tests of certificates whose identity is ambiguous). */
        public Request uri(String... uris) {
            extraUris.addAll(List.of(uris));
            return this;
        }

        public Request keyType(KeyType t) {
            keyType = t;
            return this;
        }

        public Request validity(Instant from, Instant to) {
            notBefore = from;
            notAfter = to;
            return this;
        }

        /** Write the key as SEC1 ("EC PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY") instead of PKCS#8. */
        public Request traditionalKey() {
            traditionalKey = true;
            return this;
        }
    }

    private final X509Certificate cert;
    private final PrivateKey key;
    private final SecureRandom random = new SecureRandom();

    private DevCa(X509Certificate cert, PrivateKey key) {
        this.cert = cert;
        this.key = key;
    }

    /** A new self-signed CA (EC P-256, 10 years). */
    public static DevCa create(String commonName) {
        try {
            KeyPair kp = keyPair(KeyType.EC);
            X500Name name = new X500Name("CN=" + commonName + ",O=beacon dev CA");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(new SecureRandom()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))), name, kp.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            X509Certificate c = sign(b, kp.getPrivate());
            return new DevCa(c, kp.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsConfigException("cannot create CA: " + e.getMessage(), e);
        }
    }

    public static DevCa load(Path certFile, Path keyFile) {
        return new DevCa(Pem.certificates(certFile).get(0), Pem.privateKey(keyFile));
    }

    public X509Certificate certificate() {
        return cert;
    }

    /** Writes ca.crt and ca.key into {@code dir}. */
    public void write(Path dir) {
        writeFiles(dir.resolve("ca.crt"), cert, dir.resolve("ca.key"), new KeyPair(cert.getPublicKey(), key), false);
    }

    /** Issues a leaf certificate and writes it to {@code certFile} / {@code keyFile}. */
    public X509Certificate issue(Request r, Path certFile, Path keyFile) {
        try {
            KeyPair kp = keyPair(r.keyType);
            X500Name subject = new X500Name("CN=" + r.identity.name() + ",OU=" + r.identity.role().label()
                    + (r.identity.tenant() != null ? ",O=" + r.identity.tenant() : ""));
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(cert, serial(random),
                    Date.from(r.notBefore), Date.from(r.notAfter), subject, kp.getPublic());
            List<GeneralName> sans = new ArrayList<>();
            sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, r.identity.uri()));
            for (String u : r.extraUris) sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, u));
            for (String d : r.dnsNames) sans.add(new GeneralName(GeneralName.dNSName, d));
            for (String ip : r.ipAddresses) sans.add(new GeneralName(GeneralName.iPAddress, InetAddress.getByName(ip).getHostAddress()));
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                    | (r.keyType == KeyType.RSA ? KeyUsage.keyEncipherment : 0)));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(cert));
            X509Certificate leaf = sign(b, key);
            writeFiles(certFile, leaf, keyFile, kp, r.traditionalKey);
            return leaf;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsConfigException("cannot issue certificate for " + r.identity + ": " + e.getMessage(), e);
        }
    }

    /**
     * Issues a successor of {@code old}: same subject, same subject alternative names (identity, DNS, IP), same key type,
     * a new key and serial, valid from an hour ago for {@code validity}. Both files are replaced by atomic renames, the
     * certificate first; a reloading process that sees the new certificate with the old key keeps its previous material
     * until the key follows (ReloadingTls checks that they belong together).
     */
    public X509Certificate renew(X509Certificate old, Duration validity, Path certFile, Path keyFile) {
        try {
            KeyType type = old.getPublicKey().getAlgorithm().equals("RSA") ? KeyType.RSA : KeyType.EC;
            KeyPair kp = keyPair(type);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(cert, serial(random),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)),
                    X500Name.getInstance(old.getSubjectX500Principal().getEncoded()), kp.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                    | (type == KeyType.RSA ? KeyUsage.keyEncipherment : 0)));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            byte[] san = old.getExtensionValue(Extension.subjectAlternativeName.getId());
            if (san == null) throw new TlsConfigException(certFile + " has no subject alternative names to keep");
            b.addExtension(Extension.subjectAlternativeName, false,
                    GeneralNames.getInstance(org.bouncycastle.asn1.ASN1OctetString.getInstance(san).getOctets()));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(cert));
            X509Certificate leaf = sign(b, key);
            boolean traditional = Files.isReadable(keyFile) && Files.readString(keyFile).contains("-----BEGIN " + type.name() + " PRIVATE KEY");
            writeFiles(certFile, leaf, keyFile, kp, traditional);
            return leaf;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsConfigException("cannot renew " + certFile + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            String alg = signer.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(signer)));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair keyPair(KeyType t) throws GeneralSecurityException {
        if (t == KeyType.RSA) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static BigInteger serial(SecureRandom r) {
        return new BigInteger(127, r).add(BigInteger.ONE);
    }

    /** Writes via temp files and atomic moves so a watcher never sees a half-written file. */
    private static void writeFiles(Path certFile, X509Certificate c, Path keyFile, KeyPair kp, boolean traditional) {
        try {
            writeAtomically(certFile, pem(c), false);
            writeAtomically(keyFile, traditional ? traditionalPem(kp) : pem(new JcaPKCS8Generator(kp.getPrivate(), null)), true);
        } catch (IOException e) {
            throw new TlsConfigException("cannot write " + certFile + " / " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * PKCS#1 ("RSA PRIVATE KEY") for RSA; SEC1 ("EC PRIVATE KEY") for EC, with the named curve and the public key
     * as openssl writes it. The JDK's PKCS#8 encoding carries the curve only in the outer algorithm identifier and
     * leaves both optional fields out of the inner SEC1 structure, so that structure alone cannot be read back.
     */
    private static String traditionalPem(KeyPair kp) throws IOException {
        PrivateKey k = kp.getPrivate();
        if (!(k instanceof java.security.interfaces.ECPrivateKey ec)) return pem(k);
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(k.getEncoded());
        ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded());
        ECPrivateKey sec1 = new ECPrivateKey(ec.getParams().getOrder().bitLength(), ec.getS(),
                new DERBitString(spki.getPublicKeyData().getBytes()), curve);
        StringWriter sw = new StringWriter();
        try (PemWriter w = new PemWriter(sw)) {
            w.writeObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
        }
        return sw.toString();
    }

    private static String pem(Object o) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }

    private static void writeAtomically(Path target, String content, boolean secret) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            w.write(content);
        }
        if (secret) {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
        }
        Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
