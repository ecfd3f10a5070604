package dev.beacon.cli;

import dev.beacon.runtime.Cli;
import dev.beacon.tls.DevCa;
import dev.beacon.tls.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pki", mixinStandardHelpOptions = true,
        description = "A small CA for local use and tests (keys are written unencrypted: not for production).",
        subcommands = {PkiCommand.Init.class, PkiCommand.Issue.class, PkiCommand.Renew.class})
final class PkiCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "pki needs a subcommand: init, issue or renew");
    }

    @Command(name = "init", mixinStandardHelpOptions = true, description = "Creates a CA: DIR/ca.crt and DIR/ca.key.")
    static final class Init implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where to write the CA")
        Path dir;

        @Option(names = "--name", defaultValue = "beacon dev CA", description = "The CA's common name (default: ${DEFAULT-VALUE})")
        String name;

        @Override
        public Integer call() {
            if (Files.exists(dir.resolve("ca.key"))) throw new Cli.UsageException(dir.resolve("ca.key") + " already exists; refusing to overwrite a CA");
            DevCa.create(name).write(dir);
            System.out.println("CA written: " + dir.resolve("ca.crt") + " " + dir.resolve("ca.key"));
            return 0;
        }
    }

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = {"Issues a certificate with a SPIFFE identity.",
                    "IDENTITY is spiffe://<domain>/node/<id>, spiffe://<domain>/tenant/<t>/bridge/<id> or .../wrapper/<name>."})
    static final class Issue implements Callable<Integer> {
        @Option(names = "--ca", required = true, paramLabel = "DIR", description = "CA directory (ca.crt, ca.key)")
        Path ca;

        @Parameters(index = "0", paramLabel = "IDENTITY", description = "The spiffe:// identity")
        String identity;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Writes DIR/tls.crt, DIR/tls.key and DIR/ca.crt")
        Path out;

        @Option(names = "--dns", split = ",", description = "DNS names (servers), comma-separated")
        List<String> dns = new ArrayList<>();

        @Option(names = "--ip", split = ",", description = "IP addresses (servers), comma-separated")
        List<String> ips = new ArrayList<>();

        @Option(names = "--days", defaultValue = "90", description = "Validity in days (default: ${DEFAULT-VALUE})")
        int days;

        @Option(names = "--rsa", description = "RSA 2048 instead of EC P-256")
        boolean rsa;

        @Override
        public Integer call() throws Exception {
            Identity id;
            try {
                id = Identity.parse(identity);
            } catch (IllegalArgumentException e) {
                throw new Cli.UsageException(e.getMessage());
            }
            if (!Files.isReadable(ca.resolve("ca.crt")) || !Files.isReadable(ca.resolve("ca.key"))) {
                throw new Cli.UsageException("no CA in " + ca + " (expected ca.crt and ca.key; create one with 'pki init --dir " + ca + "')");
            }
            DevCa c = DevCa.load(ca.resolve("ca.crt"), ca.resolve("ca.key"));
            DevCa.Request r = new DevCa.Request(id).dns(dns.toArray(String[]::new)).ip(ips.toArray(String[]::new))
                    .validity(Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(days)));
            if (rsa) r.keyType(DevCa.KeyType.RSA);
            Files.createDirectories(out);
            c.issue(r, out.resolve("tls.crt"), out.resolve("tls.key"));
            Files.copy(ca.resolve("ca.crt"), out.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.out.println("issued " + id + " -> " + out);
            return 0;
        }
    }

    @Command(name = "renew", mixinStandardHelpOptions = true,
            description = {"Renews each certificate that expires within the window; leaves the others alone.",
                    "CERTDIR holds tls.crt and tls.key (as 'pki issue --out' writes them). The successor keeps the subject,",
                    "the identity and every SAN and the key type, with a new key and serial; tls.crt and tls.key are replaced",
                    "by atomic renames (ca.crt is not touched). Idempotent: safe in a daily timer or CronJob. Exit 0 when every",
                    "directory was renewed or left alone, 1 when one failed (the others are still processed)."})
    static final class Renew implements Callable<Integer> {
        @Option(names = "--ca", required = true, paramLabel = "DIR", description = "CA directory (ca.crt, ca.key) that signs the renewals")
        Path ca;

        @Option(names = "--within", defaultValue = "720h", paramLabel = "DURATION",
                description = "Renew when the certificate expires within this (default: ${DEFAULT-VALUE} = 30 days; e.g. 240h, 30m)")
        String within;

        @Option(names = "--days", defaultValue = "90", description = "Validity of a renewed certificate in days (default: ${DEFAULT-VALUE})")
        int days;

        @Option(names = "--force", description = "Renew every CERTDIR regardless of expiry (after a CA change: reissue from the new CA)")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "CERTDIR", description = "Certificate directories")
        List<Path> dirs;

        @Override
        public Integer call() {
            java.time.Duration window;
            try {
                window = dev.beacon.config.Durations.parse(within);
            } catch (IllegalArgumentException e) {
                throw new Cli.UsageException("--within: " + e.getMessage());
            }
            if (days <= 0) throw new Cli.UsageException("--days must be positive");
            if (!Files.isReadable(ca.resolve("ca.crt")) || !Files.isReadable(ca.resolve("ca.key"))) {
                throw new Cli.UsageException("no CA in " + ca + " (expected ca.crt and ca.key)");
            }
            DevCa c = DevCa.load(ca.resolve("ca.crt"), ca.resolve("ca.key"));
            int failed = 0;
            int renewed = 0;
            Instant now = Instant.now();
            for (Path d : dirs) {
                Path crt = d.resolve("tls.crt");
                Path key = d.resolve("tls.key");
                try {
                    if (!Files.isReadable(crt) || !Files.isReadable(key)) {
                        System.out.println("error " + d + ": no certificate here (expected tls.crt and tls.key)");
                        failed++;
                        continue;
                    }
                    java.security.cert.X509Certificate old = dev.beacon.tls.Pem.certificates(crt).get(0);
                    Instant notAfter = old.getNotAfter().toInstant();
                    String who = Identity.of(old).map(Identity::uri).orElse(old.getSubjectX500Principal().getName());
                    if (!force && notAfter.isAfter(now.plus(window))) {
                        System.out.println("ok " + d + ": " + who + " serial=" + old.getSerialNumber().toString(16)
                                + " valid until " + notAfter + ", not within " + within + "; left alone");
                        continue;
                    }
                    java.security.cert.X509Certificate next = c.renew(old, java.time.Duration.ofDays(days), crt, key);
                    renewed++;
                    System.out.println("renewed " + d + ": " + who + " serial=" + old.getSerialNumber().toString(16)
                            + " -> " + next.getSerialNumber().toString(16) + ", valid until " + next.getNotAfter().toInstant()
                            + (force ? " (forced)" : " (was valid until " + notAfter + ")"));
                    Path bundle = d.resolve("ca.crt");
                    if (Files.isReadable(bundle) && dev.beacon.tls.Pem.certificates(bundle).stream()
                            .noneMatch(x -> x.equals(c.certificate()))) {
                        System.out.println("warning " + d + ": ca.crt does not contain the CA that signed the renewal ("
                                + c.certificate().getSubjectX500Principal().getName() + "); peers trusting only ca.crt will refuse it");
                    }
                } catch (RuntimeException e) {
                    System.out.println("error " + d + ": " + e.getMessage());
                    failed++;
                }
            }
            System.out.println(renewed + " renewed, " + (dirs.size() - renewed - failed) + " left alone, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }
    }
}
