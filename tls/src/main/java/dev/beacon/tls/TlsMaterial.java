package dev.beacon.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** One consistent snapshot of a party's certificate chain, key and trust bundle, checked to belong together. */
public record TlsMaterial(TlsFiles files, List<X509Certificate> chain, PrivateKey key,
                         List<X509Certificate> trust, String fingerprint) {

    public static TlsMaterial load(TlsFiles files) {
        String fp = fingerprint(files);
        List<X509Certificate> chain = Pem.certificates(files.cert());
        PrivateKey key = Pem.privateKey(files.key());
        List<X509Certificate> trust = Pem.certificates(files.ca());
        checkKeyMatches(files, chain.get(0), key);
        return new TlsMaterial(files, List.copyOf(chain), key, List.copyOf(trust), fp);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    public Optional<Identity> identity() {
        return Identity.of(leaf());
    }

    /** A digest of the three files' bytes: changes when any of them is rewritten, including by a symlink swap. */
    public static String fingerprint(TlsFiles files) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path p : List.of(files.cert(), files.key(), files.ca())) {
                if (!Files.isReadable(p)) throw new TlsConfigException("file not found or not readable: " + p);
                md.update(Files.readAllBytes(p));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.io.IOException | GeneralSecurityException e) {
            throw new TlsConfigException("cannot read TLS files: " + e.getMessage(), e);
        }
    }

    private static void checkKeyMatches(TlsFiles files, X509Certificate cert, PrivateKey key) {
        String alg = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new TlsConfigException("unsupported key algorithm " + key.getAlgorithm() + " in " + files.key());
        };
        try {
            byte[] probe = "beacon-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            if (!v.verify(sig)) throw new GeneralSecurityException("signature mismatch");
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("private key " + files.key() + " does not belong to certificate " + files.cert(), e);
        }
    }
}
