package dev.beacon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.runtime.Cli;
import dev.beacon.tls.DevCa;
import dev.beacon.tls.Identity;
import dev.beacon.tls.Pem;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pki renew}: docs/certificates.md, "Renewal without cert-manager". */
class PkiRenewTest {
    @TempDir
    Path tmp;
    Path ca;
    DevCa devCa;

    record Run(int exit, String out, String err) {
    }

    private static synchronized Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Cli.commandLine(new BeaconMain()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        } finally {
            System.setOut(oldOut);
        }
        return new Run(exit, out + sysOut.toString(StandardCharsets.UTF_8), err.toString());
    }

    @BeforeEach
    void ca() {
        ca = tmp.resolve("ca");
        devCa = DevCa.create("renew test CA");
        devCa.write(ca);
    }

    private Path issue(String name, Identity id, int daysLeft, boolean rsa) throws Exception {
        Path d = tmp.resolve(name);
        DevCa.Request r = new DevCa.Request(id).dns("localhost", name + ".example").ip("127.0.0.1")
                .validity(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(daysLeft)));
        if (rsa) r.keyType(DevCa.KeyType.RSA);
        devCa.issue(r, d.resolve("tls.crt"), d.resolve("tls.key"));
        Files.copy(ca.resolve("ca.crt"), d.resolve("ca.crt"));
        return d;
    }

    private static X509Certificate cert(Path d) {
        return Pem.certificates(d.resolve("tls.crt")).get(0);
    }

    @Test
    void renewsOnlyThoseWithin30DaysAndIsIdempotent() throws Exception {
        Path soon = issue("soon", Identity.node("beacon.test", "n1"), 10, false);
        Path later = issue("later", Identity.wrapper("beacon.test", "acme", "w"), 60, false);
        X509Certificate soonBefore = cert(soon);
        X509Certificate laterBefore = cert(later);

        Run first = run("pki", "renew", "--ca", ca.toString(), soon.toString(), later.toString());
        assertEquals(0, first.exit(), first.toString());
        assertTrue(first.out().contains("renewed " + soon), first.out());
        assertTrue(first.out().contains("ok " + later) && first.out().contains("left alone"), first.out());
        assertTrue(first.out().contains("1 renewed, 1 left alone, 0 failed"), first.out());
        assertNotEquals(soonBefore.getSerialNumber(), cert(soon).getSerialNumber());
        assertEquals(laterBefore, cert(later), "a certificate outside the window is not touched");
        assertTrue(cert(soon).getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(89))), "90 days by default");
        TlsMaterial.load(new TlsFiles(soon.resolve("tls.crt"), soon.resolve("tls.key"), soon.resolve("ca.crt"))); // key matches

        X509Certificate renewed = cert(soon);
        Run second = run("pki", "renew", "--ca", ca.toString(), soon.toString(), later.toString());
        assertEquals(0, second.exit(), second.toString());
        assertTrue(second.out().contains("0 renewed, 2 left alone, 0 failed"), second.out());
        assertEquals(renewed, cert(soon), "the second run renews nothing");
    }

    @Test
    void keepsIdentitySansSubjectAndKeyType() throws Exception {
        Path d = issue("bridge", Identity.bridge("beacon.test", "acme", "b1"), 5, true);
        X509Certificate before = cert(d);
        Run r = run("pki", "renew", "--ca", ca.toString(), "--days", "30", d.toString());
        assertEquals(0, r.exit(), r.toString());
        X509Certificate after = cert(d);
        assertNotEquals(before.getSerialNumber(), after.getSerialNumber());
        assertNotEquals(before.getPublicKey(), after.getPublicKey(), "a new key");
        assertEquals("RSA", after.getPublicKey().getAlgorithm());
        assertEquals(before.getSubjectX500Principal(), after.getSubjectX500Principal());
        assertEquals(new java.util.ArrayList<>(before.getSubjectAlternativeNames()), new java.util.ArrayList<>(after.getSubjectAlternativeNames()));
        assertEquals(Identity.of(before), Identity.of(after));
        assertTrue(Pem.privateKey(d.resolve("tls.key")).getAlgorithm().equals("RSA"));
        after.verify(devCa.certificate().getPublicKey());
    }

    @Test
    void replacesTheFilesAtomically() throws Exception {
        Path d = issue("node", Identity.node("beacon.test", "n2"), 3, false);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> torn = new AtomicReference<>();
        AtomicInteger reads = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                try {
                    Pem.certificates(d.resolve("tls.crt")); // a half-written file would not parse
                    Pem.privateKey(d.resolve("tls.key"));
                    reads.incrementAndGet();
                } catch (Throwable t) {
                    torn.compareAndSet(null, t);
                }
            }
        });
        reader.start();
        byte[] original = Files.readAllBytes(d.resolve("tls.crt"));
        java.io.InputStream held = Files.newInputStream(d.resolve("tls.crt")); // a reader that opened the old file
        for (int i = 0; i < 20; i++) {
            Run r = run("pki", "renew", "--ca", ca.toString(), "--force", d.toString());
            assertEquals(0, r.exit(), r.toString());
        }
        stop.set(true);
        reader.join();
        assertEquals(null, torn.get(), "a reader saw a partial file");
        assertTrue(reads.get() > 0);
        try (held) {
            assertTrue(java.util.Arrays.equals(original, held.readAllBytes()),
                    "an open reader still reads the whole old file: replaced by rename, not rewritten in place");
        }
        assertFalse(java.util.Arrays.equals(original, Files.readAllBytes(d.resolve("tls.crt"))));
        try (var s = Files.list(d)) {
            assertEquals(List.of("ca.crt", "tls.crt", "tls.key"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary files left");
        }
    }

    @Test
    void clearErrorsForAMissingCaOrADirectoryWithoutACertificate() throws Exception {
        Run noCa = run("pki", "renew", "--ca", tmp.resolve("nope").toString(), tmp.toString());
        assertEquals(2, noCa.exit(), noCa.toString());
        assertTrue(noCa.err().contains("no CA in " + tmp.resolve("nope")), noCa.toString());

        Path good = issue("good", Identity.node("beacon.test", "n3"), 1, false);
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Run r = run("pki", "renew", "--ca", ca.toString(), empty.toString(), good.toString());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().contains("error " + empty + ": no certificate here (expected tls.crt and tls.key)"), r.out());
        assertTrue(r.out().contains("renewed " + good), "the others are still processed: " + r.out());
        assertFalse(r.out().contains("renewed " + empty));
    }
}
