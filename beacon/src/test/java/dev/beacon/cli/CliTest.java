package dev.beacon.cli;

import dev.beacon.runtime.Cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.Identity;
import dev.beacon.tls.Pem;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.TestPki;
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
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CliTest {

    @TempDir
    Path tmp;

    /** One in-process run: the exit code and everything printed, via picocli's writers or System.out/err. */
    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit=" + exit + "\n--- out ---\n" + out + "\n--- err ---\n" + err;
        }
    }

    private static synchronized Run run(String... args) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
            ByteArrayOutputStream sysErr = new ByteArrayOutputStream();
            PrintStream oldOut = System.out;
            PrintStream oldErr = System.err;
            System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
            int exit;
            try {
                exit = Cli.commandLine(new BeaconMain())
                        .setOut(new PrintWriter(out, true))
                        .setErr(new PrintWriter(err, true))
                        .execute(args);
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
            return new Run(exit, out + sysOut.toString(StandardCharsets.UTF_8), err + sysErr.toString(StandardCharsets.UTF_8));
        }, () -> "beacon.jar " + String.join(" ", args) + " did not return");
    }

    /** Like {@link #run} but only what went through picocli's configured writers. */
    private static synchronized Run runWriters(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Cli.commandLine(new BeaconMain())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) n++;
        return n;
    }

    // ---- help ----

    @Test
    void topLevelHelpListsEveryCommand() {
        Run r = runWriters("--help");
        assertEquals(0, r.exit(), r.toString());
        for (String c : List.of("server", "wrapper", "pki", "local")) assertTrue(r.out().contains(c), c + " missing:\n" + r);
        assertEquals("", r.err());
    }

    @Test
    void versionNamesTheWireProtocol() {
        Run r = runWriters("--version");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("wire protocol versions [1]"), r.toString());
    }

    static Stream<Arguments> subcommandHelp() {
        return Stream.of(
                Arguments.of(List.of("server", "--help"), List.of("--config", "--set", "--list-keys", "SIGTERM")),
                Arguments.of(List.of("wrapper", "--help"), List.of("--beacon", "--bridge", "--cert", "--key", "--ca",
                        "--inner-cert", "--inner-key", "--inner-ca", "--path", "--retry-for", "--connect-timeout", "--read-timeout",
                        "--timeout", "Exit codes")),
                Arguments.of(List.of("pki", "--help"), List.of("init", "issue")),
                Arguments.of(List.of("pki", "init", "--help"), List.of("--dir", "--name")),
                Arguments.of(List.of("pki", "issue", "--help"), List.of("--ca", "--out", "IDENTITY", "--dns", "--ip", "--days", "--rsa")),
                Arguments.of(List.of("local", "--help"), List.of("--help", "--version")),
                Arguments.of(List.of("help", "server"), List.of("--config", "--list-keys")));
    }

    @ParameterizedTest
    @MethodSource
    void subcommandHelp(List<String> args, List<String> mentions) {
        Run r = runWriters(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("Usage: beacon.jar " + args.get(0).replace("help", "server")), r.toString());
        for (String m : mentions) assertTrue(r.out().contains(m), m + " not described:\n" + r);
    }

    // ---- usage errors ----

    @Test
    void unknownFlagExitsTwoNamingTheFlag() {
        Run r = run("server", "--bogus");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("--bogus"), r.toString());
    }

    @Test
    void unknownCommandExitsTwo() {
        Run r = run("serve");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("serve"), r.toString());
    }

    @Test
    void noCommandExitsTwoAndSaysACommandIsRequired() {
        Run r = run();
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("a command is required"), r.toString());
    }

    @Test
    void noCommandPrintsUsageOnce() {
        Run r = run();
        assertEquals(1, count(r.err(), "Usage: beacon.jar"), r.toString());
    }

    @Test
    void pkiWithoutSubcommandExitsTwo() {
        Run r = run("pki");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("pki needs a subcommand"), r.toString());
    }

    // ---- server ----

    @Test
    void serverWithMissingConfigFileExitsOneWithoutStarting() {
        Run r = run("server", "--config", "/nope.yaml");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("error: config file not found: /nope.yaml"), r.toString());
    }

    @Test
    void serverErrorGoesToTheConfiguredErrWriter() {
        Run r = runWriters("server", "--config", "/nope.yaml");
        assertEquals(1, r.exit(), r.toString());
        assertEquals("error: config file not found: /nope.yaml", r.err().strip());
        assertEquals("", r.out());
    }

    @Test
    void serverWithUnknownSetKeyNamesIt() throws Exception {
        TlsFiles node = TestPki.create(tmp.resolve("pki")).node("n1");
        Run r = run("server", "--set", "relay.bogus=1", "--set", "tls.cert=" + node.cert());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("relay.bogus"), r.toString());
        assertTrue(r.err().startsWith("error: "), r.toString());
    }

    @Test
    void serverWithMissingCertFileNamesKeyAndFile() {
        Run r = run("server", "--set", "tls.cert=/nope/tls.crt");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("tls.cert") && r.err().contains("/nope/tls.crt"), r.toString());
    }

    @Test
    void serverWithMalformedSetIsUsageError() {
        Run r = run("server", "--set", "relay.port");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("key=value"), r.toString());
    }

    @Test
    void serverListKeysPrintsKeysWithTheirEnvironmentVariables() {
        Run r = run("server", "--list-keys");
        assertEquals(0, r.exit(), r.toString());
        String line = r.out().lines().filter(l -> l.startsWith("limits.idleTimeout ")).findFirst().orElse("");
        assertTrue(line.contains("BEACON_LIMITS_IDLE_TIMEOUT") && line.contains("default: 5m"), r.toString());
        for (String s : List.of("relay.port", "BEACON_RELAY_PORT", "tls.cert", "BEACON_TLS_CERT", "limits.maxFrameBytes",
                "BEACON_LIMITS_MAX_FRAME_BYTES", "drain.gracePeriod", "BEACON_DRAIN_GRACE_PERIOD")) {
            assertTrue(r.out().contains(s), s + " missing:\n" + r);
        }
        String caps = r.out().lines().filter(l -> l.startsWith("limits.maxControlConnectionsPerBridge ")).findFirst().orElse("");
        assertTrue(caps.contains("default: 8") && caps.contains("# REGISTERed control connections one bridge identity"), r.toString());
    }

    /** A key added without a {@code @JsonPropertyDescription} fails here: operators read --list-keys, not the source. */
    @Test
    void serverListKeysDescribesEveryKeyInOneLine() {
        Run r = run("server", "--list-keys");
        assertEquals(0, r.exit(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(List.copyOf(dev.beacon.config.ConfigLoader.keys(dev.beacon.server.BeaconConfig.class).keySet()),
                lines.stream().map(l -> l.split("\\s+", 2)[0]).toList(), "one line per key");
        for (String section : List.of("node.", "relay.", "admin.", "tls.", "limits.", "bridges.", "drain.", "cluster.")) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(section)), section + " keys listed:\n" + r.out());
        }
        List<String> undescribed = lines.stream()
                .filter(l -> !l.contains("  # ") || l.substring(l.indexOf("  # ") + 4).isBlank())
                .map(l -> l.split("\\s+", 2)[0]).toList();
        assertEquals(List.of(), undescribed, "keys without a description");
        String adminHost = lines.stream().filter(l -> l.startsWith("admin.host ")).findFirst().orElseThrow();
        assertTrue(adminHost.contains("# Admin port") && adminHost.contains("address to listen on"), adminHost);
    }

    // ---- pki ----

    @Test
    void pkiInitThenIssueWritesUsableFilesWithTheIdentity() throws Exception {
        Path ca = tmp.resolve("ca");
        Path out = tmp.resolve("out");
        String uri = "spiffe://x.test/tenant/acme/wrapper/w";

        Run init = run("pki", "init", "--dir", ca.toString());
        assertEquals(0, init.exit(), init.toString());
        X509Certificate caCert = Pem.certificates(ca.resolve("ca.crt")).get(0);
        assertTrue(Files.isReadable(ca.resolve("ca.key")));

        Run issue = run("pki", "issue", "--ca", ca.toString(), uri, "--out", out.toString());
        assertEquals(0, issue.exit(), issue.toString());
        for (String f : List.of("tls.crt", "tls.key", "ca.crt")) assertTrue(Files.isReadable(out.resolve(f)), f);

        TlsMaterial m = TlsMaterial.load(new TlsFiles(out.resolve("tls.crt"), out.resolve("tls.key"), out.resolve("ca.crt")));
        assertEquals(Optional.of(Identity.parse(uri)), Identity.of(m.leaf()));
        assertEquals(uri, Identity.of(m.leaf()).orElseThrow().uri());
        m.leaf().verify(caCert.getPublicKey());
        assertEquals(caCert, m.trust().get(0));
        Instant notAfter = m.leaf().getNotAfter().toInstant();
        assertTrue(notAfter.isAfter(Instant.now().plus(Duration.ofDays(89))) && notAfter.isBefore(Instant.now().plus(Duration.ofDays(91))),
                "default validity is 90 days: " + notAfter);
    }

    @Test
    void pkiIssueServerCertificateWithNamesDaysAndRsa() throws Exception {
        Path ca = tmp.resolve("ca");
        Path out = tmp.resolve("node");
        assertEquals(0, run("pki", "init", "--dir", ca.toString()).exit());
        Run r = run("pki", "issue", "--ca", ca.toString(), "spiffe://x.test/node/n1", "--out", out.toString(),
                "--dns", "localhost,beacon.x.test", "--ip", "127.0.0.1", "--days", "2", "--rsa");
        assertEquals(0, r.exit(), r.toString());
        TlsMaterial m = TlsMaterial.load(new TlsFiles(out.resolve("tls.crt"), out.resolve("tls.key"), out.resolve("ca.crt")));
        assertEquals("RSA", m.key().getAlgorithm());
        assertEquals("spiffe://x.test/node/n1", m.identity().orElseThrow().uri());
        String sans = String.valueOf(m.leaf().getSubjectAlternativeNames());
        assertTrue(sans.contains("localhost") && sans.contains("beacon.x.test") && sans.contains("127.0.0.1"), sans);
        assertTrue(m.leaf().getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(3))));
    }

    @Test
    void pkiInitRefusesToOverwriteACa() throws Exception {
        Path ca = tmp.resolve("ca");
        assertEquals(0, run("pki", "init", "--dir", ca.toString()).exit());
        byte[] key = Files.readAllBytes(ca.resolve("ca.key"));
        Run again = run("pki", "init", "--dir", ca.toString());
        assertEquals(2, again.exit(), again.toString());
        assertTrue(again.err().contains("already exists"), again.toString());
        assertTrue(java.util.Arrays.equals(key, Files.readAllBytes(ca.resolve("ca.key"))), "CA key untouched");
    }

    @Test
    void pkiIssueWithBadIdentityExitsTwoWithClearMessage() throws Exception {
        Path ca = tmp.resolve("ca");
        assertEquals(0, run("pki", "init", "--dir", ca.toString()).exit());
        Path out = tmp.resolve("out");
        Run r = run("pki", "issue", "--ca", ca.toString(), "spiffe://x.test/tenant/acme/admin/w", "--out", out.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("error: unknown role 'admin'"), r.toString());
        Run r2 = run("pki", "issue", "--ca", ca.toString(), "https://x.test/w", "--out", out.toString());
        assertEquals(2, r2.exit(), r2.toString());
        assertTrue(r2.err().contains("not a spiffe:// identity"), r2.toString());
        assertFalse(Files.exists(out), "nothing written for a refused identity");
    }

    @Test
    void pkiIssueWithoutCaExitsTwoSayingThereIsNoCa() {
        Path out = tmp.resolve("out");
        Run r = run("pki", "issue", "--ca", "/missing", "spiffe://x.test/tenant/acme/wrapper/w", "--out", out.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("no CA in /missing"), r.toString());
        assertTrue(r.err().contains("pki init"), "tells how to create one: " + r);
        assertFalse(Files.exists(out));
    }

    @Test
    void pkiIssueWithoutRequiredOptionsIsUsageError() {
        Run r = run("pki", "issue", "spiffe://x.test/tenant/acme/wrapper/w");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("--ca") && r.err().contains("--out"), r.toString());
    }

    // ---- wrapper ----

    @Test
    void wrapperWithMissingCertFileExitsNonZeroNamingTheFile() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"));
        TlsFiles outer = pki.wrapper("acme", "demo");
        TlsFiles inner = pki.innerWrapper("acme", "demo");
        Path missing = tmp.resolve("gone/tls.crt");
        Run r = run("wrapper", "--beacon", "127.0.0.1:1", "--bridge", "acme-bridge",
                "--cert", missing.toString(), "--key", outer.key().toString(), "--ca", outer.ca().toString(),
                "--inner-cert", inner.cert().toString(), "--inner-key", inner.key().toString(), "--inner-ca", inner.ca().toString(),
                "--retry-for", "0s");
        assertNotEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("file not found") && r.err().contains(missing.toString()), r.toString());
        assertEquals(1, count(r.err(), "error: "), r.toString());
    }

    /** Zero would mean "wait for ever", which is what the client timeouts exist to rule out (docs/protocol.md section 13). */
    @Test
    void wrapperTimeoutsOfZeroAreUsageErrors() {
        for (String option : List.of("--connect-timeout", "--read-timeout", "--timeout")) {
            Run r = run("wrapper", "--beacon", "127.0.0.1:1", "--bridge", "b", "--cert", "c", "--key", "k", "--ca", "a",
                    "--inner-cert", "c", "--inner-key", "k", "--inner-ca", "a", option, "0s");
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().contains(option + ": must be more than 0"), r.toString());
        }
    }

    @Test
    void wrapperWithoutRequiredOptionsIsUsageError() {
        Run r = run("wrapper", "--beacon", "127.0.0.1:1");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("Missing required option"), r.toString());
    }

    /** "-d @FILE" sends the file; picocli's own @argument-files must not split a JSON body into arguments first. */
    @Test
    void wrapperDataFromAFileIsTheBodyNotMoreArguments() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"));
        TlsFiles outer = pki.wrapper("acme", "demo");
        TlsFiles inner = pki.innerWrapper("acme", "demo");
        Path body = tmp.resolve("body.json");
        java.nio.file.Files.writeString(body, "{\"data\": {\"password\": \"with spaces\"}}");
        Run r = run("wrapper", "--beacon", "127.0.0.1:1", "--bridge", "acme-bridge",
                "--cert", outer.cert().toString(), "--key", outer.key().toString(), "--ca", outer.ca().toString(),
                "--inner-cert", inner.cert().toString(), "--inner-key", inner.key().toString(), "--inner-ca", inner.ca().toString(),
                "--retry-for", "0s", "-X", "POST", "-d", "@" + body);
        // nothing listens on port 1: the command got as far as dialling, with the file as its body
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("cannot connect"), r.toString());
    }
}
