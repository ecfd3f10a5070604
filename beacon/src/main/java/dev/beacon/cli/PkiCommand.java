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
        subcommands = {PkiCommand.Init.class, PkiCommand.Issue.class})
final class PkiCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "pki needs a subcommand: init or issue");
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
}
