package dev.beacon.tls;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a certificate is, in the words the admin port, the metrics and the expiry warnings use. */
public final class Certificates {
    private Certificates() {
    }

    /** SHA-256 of the DER encoding, lower-case hex without separators (as {@code openssl x509 -fingerprint -sha256}, minus the colons). */
    public static String sha256(X509Certificate c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot fingerprint " + c.getSubjectX500Principal(), e);
        }
    }

    public static String serial(X509Certificate c) {
        return c.getSerialNumber().toString(16);
    }

    /** One TLS context's material: served certificate (serial, identity, notAfter, file) and the trusted CAs. */
    public static Map<String, Object> describe(String name, TlsMaterial m) {
        Map<String, Object> out = new LinkedHashMap<>();
        X509Certificate leaf = m.leaf();
        out.put("context", name);
        out.put("serial", serial(leaf));
        out.put("identity", Identity.of(leaf).map(Identity::uri).orElse(null));
        out.put("subject", leaf.getSubjectX500Principal().getName());
        out.put("issuer", leaf.getIssuerX500Principal().getName());
        out.put("not_after", leaf.getNotAfter().toInstant().toString());
        out.put("fingerprint", sha256(leaf));
        out.put("file", m.files().cert().toString());
        out.put("ca_file", m.files().ca().toString());
        List<Map<String, Object>> cas = new ArrayList<>();
        for (X509Certificate c : m.trust()) {
            Map<String, Object> ca = new LinkedHashMap<>();
            ca.put("fingerprint", sha256(c));
            ca.put("subject", c.getSubjectX500Principal().getName());
            ca.put("not_after", c.getNotAfter().toInstant().toString());
            cas.add(ca);
        }
        out.put("trusted_cas", cas);
        return out;
    }

    /**
     * One line per certificate that expires within {@code window} of {@code now} (or has expired): the served leaf
     * (and its chain) and every CA of the trust bundle, each naming its file and its notAfter date.
     */
    public static List<String> expiryWarnings(String name, TlsMaterial m, Duration window, Instant now) {
        List<String> out = new ArrayList<>();
        for (X509Certificate c : m.chain()) warn(out, name, "certificate", m.files().cert(), c, window, now);
        for (X509Certificate c : m.trust()) warn(out, name, "trusted CA", m.files().ca(), c, window, now);
        return out;
    }

    private static void warn(List<String> out, String name, String kind, java.nio.file.Path file, X509Certificate c,
                             Duration window, Instant now) {
        Instant notAfter = c.getNotAfter().toInstant();
        if (notAfter.isAfter(now.plus(window))) return;
        long days = Duration.between(now, notAfter).toDays();
        String when = notAfter.isBefore(now) ? "EXPIRED on " + notAfter : "expires on " + notAfter + " (in " + days + " days)";
        out.add("tls " + kind + " " + when + " file=" + file + " context=" + name + " subject=\""
                + c.getSubjectX500Principal().getName() + "\" serial=" + serial(c) + "; renew it (docs/certificates.md)");
    }
}
