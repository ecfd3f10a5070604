package dev.beacon.bridge.openbao.sim;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.beacon.runtime.Cli;
import dev.beacon.tls.TlsFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar openbao-sim.jar} (also {@code bridge.jar openbao-sim}): runs the OpenBao HA simulator until SIGTERM/Ctrl-C. */
@Command(name = "openbao-sim.jar", mixinStandardHelpOptions = true,
        description = {
                "Runs a SIMULATED OpenBao HA cluster for tests and local mode.",
                "This is NOT OpenBao: an in-memory stand-in that serves a small part of the",
                "Vault/OpenBao HTTP API (sys/health, sys/leader, KV v2 under secret/,",
                "Kubernetes login, token lookup/renew, lease renew, transit) and models HA:",
                "one active node, standbys that forward or answer 307, elections with",
                "configurable timing, and kill/hang/seal/step-down through a control API.",
                "Never put real secrets in it.",
                "Prints 'ready' when listening; SIGTERM or Ctrl-C stops it (exit 0).",
                ""})
public final class OpenBaoSimCommand implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(Cli.commandLine(new OpenBaoSimCommand()).execute(args));
    }

    @Option(names = "--nodes", defaultValue = "3", description = "Cluster size (default: ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--ports", split = ",", paramLabel = "PORT",
            description = "One API port per node (default: free ports; 0 entries are free ports too)")
    List<Integer> ports = new ArrayList<>();

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "Server certificate (PEM) for https; with --tls-key and --tls-ca")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "Server key (PEM)")
    Path tlsKey;

    @Option(names = "--tls-ca", paramLabel = "FILE", description = "CA bundle (PEM) the certificate chains to")
    Path tlsCa;

    @Option(names = "--election", defaultValue = "2s", paramLabel = "DURATION",
            description = "No leader this long after an unclean loss of the active node: kill, hang, seal (default: ${DEFAULT-VALUE})")
    String election;

    @Option(names = "--step-down-election", defaultValue = "300ms", paramLabel = "DURATION",
            description = "No leader this long after a clean step-down or shutdown (default: ${DEFAULT-VALUE})")
    String stepDownElection;

    @Option(names = "--leader-recheck", defaultValue = "2500ms", paramLabel = "DURATION",
            description = "After an election, standbys keep pointing at the old leader this long (default: ${DEFAULT-VALUE})")
    String leaderRecheck;

    @Option(names = "--step-down-hold-off", defaultValue = "10s", paramLabel = "DURATION",
            description = "A node that stepped down does not compete for this long (default: ${DEFAULT-VALUE})")
    String holdOff;

    @Option(names = "--no-request-forwarding", description = "Standbys answer 307 instead of forwarding")
    boolean noForwarding;

    @Option(names = "--control-port", defaultValue = "0", paramLabel = "PORT",
            description = "Control API port, 0 = a free port, -1 = none (default: ${DEFAULT-VALUE}): GET /sim/status,"
                    + " POST /sim/nodes/{i}/ACTION, ACTION = kill, restart, hang, unhang, seal, unseal, step-down or shutdown")
    int controlPort;

    @Option(names = "--root-token", defaultValue = "root", description = "The root token (default: ${DEFAULT-VALUE})")
    String rootToken;

    @Option(names = "--seed", paramLabel = "PATH=JSON",
            description = "KV v2 data written at start, repeatable: --seed 'app/config={\"password\":\"s3cr3t\"}'")
    List<String> seeds = new ArrayList<>();

    @Option(names = "--reported-version", defaultValue = "2.1.0-sim", paramLabel = "VERSION",
            description = "Version reported by health; 2.5 or later makes standbys serve KV reads (default: ${DEFAULT-VALUE})")
    String version;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "Written once ready: JSON with addresses, control port and address, root token, pid")
    Path stateFile;

    @Override
    public Integer call() throws Exception {
        OpenBaoSimulator sim = start(System.out);
        return Cli.runUntilTerminated(sim::close);
    }

    /** Validates the flags, starts the simulator, writes the state file and prints "ready". */
    OpenBaoSimulator start(PrintStream out) throws IOException {
        OpenBaoSimulator.Options o = options();
        OpenBaoSimulator sim;
        try {
            sim = OpenBaoSimulator.start(o);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("cannot start the simulator: " + e.getMessage(), e);
        }
        try {
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("simulator", "OpenBao HA simulator (not OpenBao)");
            state.put("addresses", sim.addresses());
            state.put("control_port", sim.controlPort());
            state.put("control_address", sim.controlPort() < 0 ? "" : "http://" + hostForUrl() + ":" + sim.controlPort());
            state.put("root_token", o.rootToken);
            state.put("tls_ca", o.tls == null ? "" : o.tls.ca().toAbsolutePath().toString());
            state.put("pid", ProcessHandle.current().pid());
            if (stateFile != null) {
                Path f = stateFile.toAbsolutePath();
                if (f.getParent() != null) Files.createDirectories(f.getParent());
                Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
                SimHttp.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), state);
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            out.println("OpenBao SIMULATOR (for tests and local mode; not OpenBao): " + o.nodes + " node(s) " + sim.addresses()
                    + ", active: node " + sim.activeIndex());
            if (sim.controlPort() >= 0) out.println("control: " + state.get("control_address") + "/sim/status");
            out.println("root token: " + o.rootToken);
            if (stateFile != null) out.println("state: " + stateFile.toAbsolutePath());
            out.println("ready");
            out.flush();
            return sim;
        } catch (IOException | RuntimeException e) {
            sim.close();
            throw e;
        }
    }

    private String hostForUrl() {
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host.contains(":") ? "[" + host + "]" : host;
    }

    OpenBaoSimulator.Options options() {
        OpenBaoSimulator.Options o = new OpenBaoSimulator.Options();
        if (nodes < 1 || nodes > 15) throw new Cli.UsageException("--nodes must be 1-15, got " + nodes);
        o.nodes = nodes;
        o.host = host;
        if (!ports.isEmpty()) {
            if (ports.size() != nodes) {
                throw new Cli.UsageException("--ports needs one port per node (" + nodes + "), got " + ports.size() + ": " + ports);
            }
            for (int p : ports) if (p < 0 || p > 65535) throw new Cli.UsageException("--ports: " + p + " is not a port");
            o.ports = List.copyOf(ports);
        }
        int tls = (tlsCert != null ? 1 : 0) + (tlsKey != null ? 1 : 0) + (tlsCa != null ? 1 : 0);
        if (tls != 0 && tls != 3) throw new Cli.UsageException("--tls-cert, --tls-key and --tls-ca go together (all or none)");
        if (tls == 3) {
            for (Path p : List.of(tlsCert, tlsKey, tlsCa)) {
                if (!Files.isReadable(p)) throw new Cli.UsageException("cannot read " + p);
            }
            o.tls = new TlsFiles(tlsCert, tlsKey, tlsCa);
        }
        o.electionTime = duration("--election", election);
        o.stepDownElectionTime = duration("--step-down-election", stepDownElection);
        o.standbyLeaderRecheck = duration("--leader-recheck", leaderRecheck);
        o.stepDownHoldOff = duration("--step-down-hold-off", holdOff);
        o.requestForwarding = !noForwarding;
        if (controlPort < -1 || controlPort > 65535) throw new Cli.UsageException("--control-port must be -1 (none), 0 (free) or a port");
        o.controlPort = controlPort;
        if (rootToken == null || rootToken.isBlank()) throw new Cli.UsageException("--root-token must not be empty");
        o.rootToken = rootToken;
        o.version = version;
        Map<String, Map<String, Object>> seed = new LinkedHashMap<>();
        for (String s : seeds) {
            int eq = s.indexOf('=');
            if (eq <= 0) throw new Cli.UsageException("--seed takes PATH=JSON, e.g. 'app/config={\"password\":\"s3cr3t\"}', got '" + s + "'");
            String path = SimStore.normalise(s.substring(0, eq));
            if (path.isEmpty()) throw new Cli.UsageException("--seed: empty path in '" + s + "'");
            Object v;
            try {
                v = SimHttp.JSON.readValue(s.substring(eq + 1), Object.class);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new Cli.UsageException("--seed " + path + ": not JSON: " + e.getOriginalMessage());
            }
            if (!(v instanceof Map<?, ?> m)) throw new Cli.UsageException("--seed " + path + ": the data must be a JSON object");
            Map<String, Object> data = new LinkedHashMap<>();
            m.forEach((k, val) -> data.put(String.valueOf(k), val));
            seed.put(path, data);
        }
        o.seed = seed;
        return o;
    }

    private static Duration duration(String flag, String value) {
        try {
            Duration d = GoDuration.parse(value);
            if (d.isNegative()) throw new IllegalArgumentException("negative");
            return d;
        } catch (IllegalArgumentException e) {
            throw new Cli.UsageException(flag + ": invalid duration '" + value + "' (use e.g. 500ms, 2s, 1m)");
        }
    }
}
