package dev.beacon.gossip;

import dev.beacon.tls.Identity;
import dev.beacon.tls.Pem;
import dev.beacon.tls.Role;
import dev.beacon.tls.TlsConfigException;
import dev.beacon.tls.TlsFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * This node's cluster TLS material: PEM files read and checked, then written as the PKCS#12 key store and trust
 * store files Atomix's messaging loads (it takes file paths only). The files live in a private temporary directory
 * with a random password, and are deleted once messaging has loaded them.
 */
final class ClusterTls implements AutoCloseable {

    final Identity identity;
    final Path dir;
    final Path keyStore;
    final Path trustStore;
    final String password;

    private ClusterTls(Identity identity, Path dir, Path keyStore, Path trustStore, String password) {
        this.identity = identity;
        this.dir = dir;
        this.keyStore = keyStore;
        this.trustStore = trustStore;
        this.password = password;
    }

    /**
     * Reads and checks the node's PEM files and writes the stores. {@code checked=false} skips the checks that the
     * certificate is a node's and chains to the CA bundle (tests use it to try to join with the wrong certificate).
     */
    static ClusterTls prepare(TlsFiles files, boolean checked) {
        List<X509Certificate> chain = Pem.certificates(files.cert());
        PrivateKey key = Pem.privateKey(files.key());
        List<X509Certificate> cas = Pem.certificates(files.ca());
        Identity id = Identity.of(chain.get(0)).orElseThrow(() -> new TlsConfigException(
                "cluster certificate " + files.cert() + " carries no spiffe:// identity: the cluster port needs a node certificate"));
        if (checked) {
            if (id.role() != Role.NODE) {
                throw new TlsConfigException("cluster certificate " + files.cert() + " is a " + id.role().label() + " certificate (" + id
                        + "): the cluster port needs a node certificate (spiffe://<trust-domain>/node/<id>)");
            }
            verifyChain(chain, cas, files);
        }
        String password = randomPassword();
        Path dir = null;
        try {
            dir = privateTempDir();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("node", key, password.toCharArray(), chain.toArray(new X509Certificate[0]));
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            for (int i = 0; i < cas.size(); i++) ts.setCertificateEntry("ca-" + i, cas.get(i));
            ts.setCertificateEntry(NodeTrust.MARKER_ALIAS, chain.get(0));
            Path ksFile = write(dir.resolve("node.p12"), ks, password);
            Path tsFile = write(dir.resolve("trust.p12"), ts, password);
            return new ClusterTls(id, dir, ksFile, tsFile, password);
        } catch (GeneralSecurityException | IOException e) {
            deleteTree(dir);
            throw new TlsConfigException("cannot convert the cluster certificate " + files.cert() + " to PKCS#12: " + e.getMessage(), e);
        }
    }

    /** Refuses, with a message naming the files, a certificate the cluster's CA bundle does not vouch for. */
    private static void verifyChain(List<X509Certificate> chain, List<X509Certificate> cas, TlsFiles files) {
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            for (X509Certificate ca : cas) anchors.add(new TrustAnchor(ca, null));
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            // the chain without anything that is itself an anchor
            List<X509Certificate> path = chain.stream().filter(c -> !cas.contains(c)).toList();
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
        } catch (CertPathValidatorException e) {
            throw new TlsConfigException("cluster certificate " + files.cert() + " is not valid under the CA bundle " + files.ca()
                    + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("cannot check cluster certificate " + files.cert() + ": " + e.getMessage(), e);
        }
    }

    private static Path write(Path file, KeyStore store, String password) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
        return file;
    }

    private static Path privateTempDir() throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return Files.createTempDirectory("beacon-cluster-tls-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return Files.createTempDirectory("beacon-cluster-tls-");
    }

    private static String randomPassword() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Deletes the stores (Atomix keeps what it loaded in memory). */
    @Override
    public void close() {
        deleteTree(dir);
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort: a private temp dir
        }
    }
}
