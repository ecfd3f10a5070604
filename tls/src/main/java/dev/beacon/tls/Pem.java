package dev.beacon.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reads PEM certificates and private keys: EC and RSA, PKCS#8 and traditional (SEC1 / PKCS#1). */
public final class Pem {

    private Pem() {
    }

    public static List<X509Certificate> certificates(Path file) {
        List<X509Certificate> out = new ArrayList<>();
        try (Reader r = reader(file); PEMParser parser = new PEMParser(r)) {
            JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
            for (Object o; (o = parser.readObject()) != null; ) {
                if (o instanceof X509CertificateHolder h) out.add(conv.getCertificate(h));
            }
        } catch (TlsConfigException e) {
            throw e;
        } catch (IOException | CertificateException | RuntimeException e) {
            // RuntimeException: BouncyCastle reports bad base64 or DER as DecoderException and the like
            throw new TlsConfigException("cannot read certificates from " + file + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new TlsConfigException("no PEM certificate found in " + file);
        return out;
    }

    public static PrivateKey privateKey(Path file) {
        try (Reader r = reader(file); PEMParser parser = new PEMParser(r)) {
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            for (Object o; (o = parser.readObject()) != null; ) {
                if (o instanceof PrivateKeyInfo info) return conv.getPrivateKey(info);
                // SEC1 / PKCS#1: the public key in SEC1 is optional, so convert the private part only
                if (o instanceof PEMKeyPair pair) return conv.getPrivateKey(pair.getPrivateKeyInfo());
            }
        } catch (TlsConfigException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // RuntimeException: BouncyCastle reports bad base64 or DER as DecoderException and the like
            throw new TlsConfigException("cannot read private key from " + file + ": " + e.getMessage(), e);
        }
        throw new TlsConfigException("no unencrypted PEM private key found in " + file);
    }

    private static Reader reader(Path file) throws IOException {
        try {
            return Files.newBufferedReader(file);
        } catch (NoSuchFileException e) {
            throw new TlsConfigException("file not found: " + file, e);
        }
    }
}
