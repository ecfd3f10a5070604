package dev.beacon.cli;

import dev.beacon.runtime.Cli;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.wrapper.HttpExchange;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "wrapper", mixinStandardHelpOptions = true,
        description = {"Sends one HTTP request to a bridge through the beacon and prints the response body.",
                "Outer mTLS to the beacon with --cert/--key/--ca; inner TLS to the bridge with --inner-cert/--inner-key/--inner-ca.",
                "Timeouts (docs/protocol.md, client timeouts): a beacon address that accepts but does not answer costs --connect-timeout"
                        + " for TCP and for TLS, 10 s for CONNECTED, 10 s for the inner handshake, then the next address (until --retry-for);"
                        + " once the request is sent, --read-timeout of silence fails without retrying; --timeout bounds the whole command.",
                "Exit codes: 0 response 2xx/3xx, 1 failure (refused, unreachable, TLS, timed out), 2 usage, 4 HTTP status >= 400."})
final class WrapperCommand implements Callable<Integer> {

    @Option(names = "--beacon", required = true, split = ",", paramLabel = "HOST:PORT", description = "Beacon address(es), comma-separated")
    List<String> beacons;

    @Option(names = "--bridge", required = true, paramLabel = "ID", description = "The bridge id (in your certificate's tenant)")
    String bridge;

    @Option(names = "--cert", required = true, description = "Wrapper certificate (PEM) from the beacon's CA") Path cert;
    @Option(names = "--key", required = true, description = "Its private key (PEM)") Path key;
    @Option(names = "--ca", required = true, description = "The beacon's CA bundle (PEM)") Path ca;
    @Option(names = "--inner-cert", required = true, description = "Inner TLS certificate (PEM) from the company CA") Path innerCert;
    @Option(names = "--inner-key", required = true, description = "Its private key (PEM)") Path innerKey;
    @Option(names = "--inner-ca", required = true, description = "The company CA bundle the bridge's certificate chains to") Path innerCa;

    @Option(names = {"-X", "--method"}, defaultValue = "GET", description = "HTTP method (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--path", defaultValue = "/", description = "Request path, e.g. /v1/secret/data/app (default: ${DEFAULT-VALUE})")
    String path;

    @Option(names = {"-H", "--header"}, paramLabel = "NAME:VALUE", description = "Request header (repeatable)")
    List<String> headers = new ArrayList<>();

    @Option(names = {"-d", "--data"}, description = "Request body; @FILE reads a file")
    String data;

    @Option(names = "--retry-for", defaultValue = "10s", description = "Keep retrying retryable failures this long (default: ${DEFAULT-VALUE})")
    String retryFor;

    @Option(names = "--connect-timeout", defaultValue = "5s", description = "Per address: TCP connect, then the TLS handshake, each"
            + " within this; else the next address (docs/protocol.md, client timeouts 1-2) (default: ${DEFAULT-VALUE})")
    String connectTimeout;

    @Option(names = "--read-timeout", defaultValue = "60s", description = "Silence allowed once the request is sent; then fail,"
            + " not retried (above the bridge's 30 s OpenBao deadline) (default: ${DEFAULT-VALUE})")
    String readTimeout;

    @Option(names = "--timeout", defaultValue = "90s", description = "The whole command, whatever it waits for (default: ${DEFAULT-VALUE})")
    String timeout;

    @Option(names = {"-v", "--verbose"}, description = "Print the status line, node and stream id to stderr")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        WrapperClient.Options o = new WrapperClient.Options();
        o.beacons = beacons;
        o.retryFor = duration("--retry-for", retryFor);
        o.connectTimeout = positive("--connect-timeout", connectTimeout);
        o.readTimeout = positive("--read-timeout", readTimeout);
        o.deadline = positive("--timeout", timeout);
        o.outer = TlsMaterial.load(new TlsFiles(cert, key, ca));
        o.inner = TlsMaterial.load(new TlsFiles(innerCert, innerKey, innerCa));
        Map<String, String> h = new LinkedHashMap<>();
        for (String hv : headers) {
            int i = hv.indexOf(':');
            if (i <= 0) throw new Cli.UsageException("--header takes NAME:VALUE, got '" + hv + "'");
            h.put(hv.substring(0, i).trim(), hv.substring(i + 1).trim());
        }
        byte[] body = null;
        if (data != null) {
            if (data.startsWith("@")) {
                Path f = Path.of(data.substring(1));
                if (!Files.isReadable(f)) throw new Cli.UsageException("--data: file not found: " + f);
                body = Files.readAllBytes(f);
            } else {
                body = data.getBytes(StandardCharsets.UTF_8);
            }
        }
        long t0 = System.nanoTime();
        try (WrapperStream s = new WrapperClient(o).open(bridge)) {
            long setup = System.nanoTime() - t0;
            HttpExchange.Response r = HttpExchange.send(s, method, path, h, body);
            if (verbose) {
                System.err.printf("HTTP %d %s (node=%s stream=%s setup=%.1fms total=%.1fms)%n", r.status(), r.reason(), s.node(),
                        s.streamId(), setup / 1e6, (System.nanoTime() - t0) / 1e6);
            }
            System.out.write(r.body());
            System.out.flush();
            if (r.status() >= 400) {
                System.err.println("error: HTTP " + r.status() + " " + r.reason());
                return 4;
            }
            return 0;
        }
    }

    private static java.time.Duration duration(String option, String value) {
        try {
            return dev.beacon.config.Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new Cli.UsageException(option + ": " + e.getMessage());
        }
    }

    /** A timeout of zero would mean none: every wait of the wrapper is bounded (docs/protocol.md, client timeouts). */
    private static java.time.Duration positive(String option, String value) {
        java.time.Duration d = duration(option, value);
        if (d.isZero() || d.isNegative()) throw new Cli.UsageException(option + ": must be more than 0, got '" + value + "'");
        return d;
    }
}
