package dev.beacon.bench;

import dev.beacon.splice.Transport;
import dev.beacon.tls.TlsContexts;
import dev.beacon.tls.TlsMaterial;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.OpenSsl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark: starts a bench server, two beacon nodes (a cluster, the bench bridge on node A), HAProxy and
 * nginx, then measures every figure for direct, beacon, beacon through a one-hop forward, HAProxy and nginx, in
 * turns, several rounds, and reports medians with their spread and ratios. It does this twice: pinned (the relay
 * under test alone on one CPU, load generator and server on another: the main comparison) and unpinned.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Measure direct vs beacon vs HAProxy vs nginx side by side and write a Markdown table, JSON and an SVG plot.",
                "Run it through beacon/bench/bench.sh, which installs HAProxy and nginx and raises the open-file limit first.",
                "bench.sh writes docs/performance.md and docs/performance.json for a full run only; a partial run (--only, --rounds below 5,"
                        + " --pinning other than both) goes to target/bench-partial/ instead, and --smoke to target/bench-smoke/, unless"
                        + " --markdown or --json are given."})
final class RunCommand implements Callable<Integer> {
    /** The beacon nodes' JVM: a fixed, pre-touched heap, so RSS growth is native memory and heap growth is live objects. */
    static final List<String> NODE_JVM = List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch");
    /** The cluster started at once for the start-to-ready figure. */
    static final int READY_CLUSTER = 3;

    /** One start-to-ready figure: how many nodes start at once, and whether as shipped (flags and archive) or bare. */
    record StartCase(int nodes, boolean shipped, String figure, String cpuFigure, String label) {
    }

    /** Shipped alone, shipped as a cluster, and a node alone as plain `java -jar`, in that order each round. */
    static final List<StartCase> START_CASES = List.of(
            new StartCase(1, true, "ready_1", "ready_cpu_1", "alone, shipped  "),
            new StartCase(READY_CLUSTER, true, "ready_" + READY_CLUSTER, "ready_cpu_" + READY_CLUSTER, READY_CLUSTER + " nodes, shipped "),
            new StartCase(1, false, "ready_1_bare", "ready_cpu_1_bare", "alone, bare     "));

    @Option(names = "--beacon-jar", description = "beacon.jar to run the nodes from (default: beacon/target/beacon.jar beside this jar)")
    Path beaconJar;

    @Option(names = "--work", defaultValue = "target/bench-run", description = "Scratch directory: certificates, configs, logs (default: ${DEFAULT-VALUE})")
    Path work;

    @Option(names = "--rounds", defaultValue = "5", description = "Rounds; each measures every set-up once, in alternating order (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--idle", defaultValue = "10000", description = "Idle streams for the memory figure (default: ${DEFAULT-VALUE})")
    int idle;

    @Option(names = "--seconds", defaultValue = "3", description = "Measurement window of each throughput and latency run (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--smoke", description = "Tiny sizes and one round: checks that the benchmark works, measures nothing worth quoting")
    boolean smoke;

    @Option(names = "--no-haproxy", description = "Leave HAProxy out (it is required otherwise)")
    boolean noHaproxy;

    @Option(names = "--no-nginx", description = "Leave nginx out (it is required otherwise, with its stream module)")
    boolean noNginx;

    @Option(names = "--pinning", defaultValue = "both",
            description = "pinned (relay under test on one CPU, load generator and server on another), unpinned, or both, pinned first as the main table (default: ${DEFAULT-VALUE})")
    String pinning;

    @Option(names = "--only", split = ",", description = "Run only these workloads: bulk (with the CPU floor), latency, saturation, setup, handshakes, memory, ready (default: all)")
    java.util.Set<String> only = new java.util.HashSet<>();

    @Option(names = "--histogram", description = "With the memory figure: save node-a's class histogram at the idle peak (WORK/logs/MODE/histogram-*.txt)")
    boolean histogram;

    @Option(names = "--markdown", description = "Write the table into this Markdown file, between the bench markers (bench.sh: docs/performance.md for a full run, target/bench-partial/performance.md for a partial one)")
    Path markdown;

    @Option(names = "--json", description = "Write every value as JSON to this file (bench.sh: docs/performance.json for a full run, target/bench-partial/performance.json for a partial one)")
    Path json;

    private final List<Process> procs = new ArrayList<>();
    private long t0;

    @Override
    public Integer call() throws Exception {
        t0 = System.nanoTime();
        if (beaconJar == null) beaconJar = jarDir().resolve("../../target/beacon.jar").normalize();
        if (!Files.isReadable(beaconJar)) {
            throw new IllegalArgumentException("beacon.jar not found at " + beaconJar + ": build first (./mvnw -B -DskipTests package) or pass --beacon-jar");
        }
        String haproxyVersion = noHaproxy ? null : Haproxy.version();
        if (!noHaproxy && haproxyVersion == null) {
            throw new IllegalArgumentException("haproxy is not installed: run beacon/bench/bench.sh (it installs it), or pass --no-haproxy");
        }
        String nginxVersion = noNginx ? null : Nginx.version();
        String nginxModule = nginxVersion == null ? null : Nginx.streamModule();
        if (!noNginx && (nginxVersion == null || nginxModule == null)) {
            throw new IllegalArgumentException("nginx " + (nginxVersion == null ? "is not installed" : "has no stream module here")
                    + ": run beacon/bench/bench.sh (it installs nginx and libnginx-mod-stream), or pass --no-nginx");
        }
        if (!List.of("pinned", "unpinned", "both").contains(pinning)) {
            throw new IllegalArgumentException("--pinning: '" + pinning + "' is not one of pinned, unpinned, both");
        }
        if (smoke) {
            rounds = 1;
            idle = Math.min(idle, 50);
            seconds = 0.3;
        }
        for (String w : only) {
            if (!List.of("bulk", "latency", "saturation", "setup", "handshakes", "memory", "ready").contains(w)) {
                throw new IllegalArgumentException("--only: unknown workload '" + w + "' (bulk, latency, saturation, setup, handshakes, memory, ready)");
            }
        }
        String asked = (smoke ? " --smoke" : rounds != 5 ? " --rounds " + rounds : "")
                + (pinning.equals("both") ? "" : " --pinning " + pinning)
                + (idle != 10000 && !smoke ? " --idle " + idle : "") + (seconds != 3 && !smoke ? " --seconds " + seconds : "")
                + (only.isEmpty() ? "" : " --only " + String.join(",", only));
        int fdLimit = Limits.openFiles();
        int maxIdle = (fdLimit - 2000) / 2;
        if (idle > maxIdle) {
            say("the open-file limit is " + fdLimit + " and each idle stream holds 2 sockets in the relay: measuring memory with "
                    + maxIdle + " idle streams instead of " + idle + " (raise the hard limit, ulimit -Hn, to measure more)");
            idle = Math.max(10, maxIdle);
        }
        Files.createDirectories(work);
        pin = Pinning.detect();
        List<String> modes = pinning.equals("both") ? List.of("pinned", "unpinned") : List.of(pinning);
        if (!pin.available() && modes.contains("pinned")) {
            pinNote = "Pinning was asked for but is not possible here (" + pin.unavailable + "): only the unpinned comparison ran.";
            say(pinNote);
            modes = List.of("unpinned");
        }
        cpus = Pinning.parse(pin.allowed).size();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll));
        say("certificates (ECDSA P-256, one CA) in " + work.resolve("pki"));
        pki = BenchPki.create(work.resolve("pki"), 2 + READY_CLUSTER); // node-a and node-b, then node-c.. for start to ready
        EventLoopGroup group = Transport.group(2, "load");
        List<Report> reports = new ArrayList<>();
        try {
            Dialer dialer = new Dialer(group, TlsContexts.client(TlsMaterial.load(pki.client()), false));
            for (String mode : modes) {
                boolean pinned = mode.equals("pinned");
                Report report = new Report();
                report.rounds = rounds;
                report.command = "beacon/bench/bench.sh" + asked;
                report.mode = mode;
                machine(report, haproxyVersion, nginxVersion);
                if (pin.available()) Pinning.self(pinned ? Integer.toString(pin.loadCpu) : pin.allowed);
                say("---- " + mode + (pinned ? ": relay under test on CPU " + pin.relayCpu + ", load generator and bench server on CPU " + pin.loadCpu
                        : ": every process on CPUs " + pin.allowed) + " ----");
                try {
                    List<Target> targets = startRig(pinned, haproxyVersion != null, nginxModule, work.resolve("logs").resolve(mode));
                    report.placement = placement(pinned, targets);
                    say(report.placement);
                    awaitForwarding(dialer, targets);
                    measure(report, dialer, targets, pinned);
                } finally {
                    stopAll();
                }
                if (reports.isEmpty()) report.note = pinNote;
                reports.add(report);
            }
        } finally {
            stopAll();
            if (pin.available()) Pinning.self(pin.allowed);
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        Path plot = markdown != null ? Plot.pathFor(markdown) : work.resolve("performance-rounds.svg");
        Plot.write(plot, reports);
        say("per-round plot written to " + plot);
        String link = markdown != null ? markdown.toAbsolutePath().getParent().relativize(plot.toAbsolutePath()).toString() : plot.toString();
        String md = Report.markdown(reports, link);
        System.out.println();
        System.out.println(md);
        if (markdown != null) {
            Report.writeInto(markdown, md);
            say("table written to " + markdown);
        }
        if (json != null) {
            Files.createDirectories(json.toAbsolutePath().getParent());
            Files.writeString(json, Report.json(reports));
            say("values written to " + json);
        }
        say("done in " + elapsed() + "; " + written(plot));
        return 0;
    }

    /**
     * The run's last line: where it wrote, and when it is partial (not what bench.sh publishes in docs/), why. The
     * rule is bench.sh's: --only, --rounds below 5 or --pinning other than both (or --smoke) make a partial run.
     */
    private String written(Path plot) {
        List<String> why = new ArrayList<>();
        if (smoke) why.add("--smoke");
        if (!only.isEmpty()) why.add("--only " + String.join(",", only));
        if (!smoke && rounds < 5) why.add("--rounds " + rounds);
        if (!pinning.equals("both")) why.add("--pinning " + pinning);
        String where = "wrote " + (markdown != null ? markdown : "no Markdown (no --markdown)") + ", "
                + (json != null ? json : "no JSON (no --json)") + " and " + plot;
        if (why.isEmpty()) return where;
        return where + "; a partial run (" + String.join(", ", why) + "): bench.sh keeps it out of docs/ (target/bench-"
                + (smoke ? "smoke" : "partial") + "/ unless --markdown/--json are given), the published result is a full run";
    }

    // ---- the rig ----

    private BenchPki pki;
    private Pinning pin;
    private String pinNote;
    private int cpus;
    private Path logs;
    private long nodeA;
    private long nodeB;
    private long serverPid;
    private long haproxyPid;
    /** HAProxy passing the client's TLS through to the server untouched: the socket floor. Null without HAProxy. */
    private Target plainRelay;
    private long floorRelayPid;
    private long nginxPid;
    private int adminA;

    /**
     * Starts the processes of one comparison. Pinned: node A, HAProxy and nginx (the relays under test) on the relay
     * CPU with one thread, event loop or worker each; the bench server and node B (one node per core for the one-hop
     * set-up) on the load generator's CPU. Unpinned: one thread, loop or worker per core, anywhere.
     */
    private List<Target> startRig(boolean pinned, boolean withHaproxy, String nginxModule, Path logDir) throws Exception {
        logs = logDir;
        List<String> onRelay = pinned ? Pinning.on(pin.relayCpu) : List.of();
        List<String> onLoad = pinned ? Pinning.on(pin.loadCpu) : List.of();
        int threads = pinned ? 1 : cpus;
        int server = Proc.freePort();
        int[] relay = {Proc.freePort(), Proc.freePort()};
        int[] admin = {Proc.freePort(), Proc.freePort()};
        int[] gossip = {Proc.freePort(), Proc.freePort()};
        adminA = admin[0];
        Process[] nodes = new Process[2];
        for (int i = 0; i < 2; i++) {
            String id = "node-" + (char) ('a' + i);
            var tls = pki.nodes().get(i);
            Path yaml = work.resolve(id + ".yaml");
            Files.writeString(yaml, String.join("\n",
                    "node: {id: " + id + ", trustDomain: " + BenchPki.DOMAIN + ", advertiseRelay: \"127.0.0.1:" + relay[i] + "\""
                            + (pinned ? ", ioThreads: 1" : "") + "}",
                    "relay: {host: 127.0.0.1, port: " + relay[i] + "}",
                    "admin: {host: 127.0.0.1, port: " + admin[i] + "}",
                    "tls: {cert: " + tls.cert() + ", key: " + tls.key() + ", ca: " + tls.ca() + "}",
                    "# SWIM lenient: pinned, node B shares its core with a load generator running flat out, which starves its",
                    "# probe replies for longer than the default 300 ms probe timeout; node A would then count it unreachable",
                    "# and refuse its FORWARDs (seen in CI as 'node node-b is not a live member'). Failure detection is not",
                    "# what this measures.",
                    "cluster: {enabled: true, host: 127.0.0.1, port: " + gossip[i] + ", peers: [\"127.0.0.1:" + gossip[1 - i] + "\"], "
                            + "probeTimeout: 2s, failureTimeout: 20s" + System.getenv().getOrDefault("BENCH_CLUSTER_EXTRA", "") + "}",
                    "# the load generator is one source and one identity: lift the per-source and per-identity limits,",
                    "# and the handshake bound, which sheds the source holding most handshakes (the only one here)",
                    "limits: {connectionsPerSecondPerSource: 1000000, connectionsPerSecondPerIdentity: 1000000, "
                            + "maxStreamsPerIdentity: 1000000, maxIdleDataConnectionsPerBridge: 1024, idleTimeout: 1h, "
                            + "maxHandshakesInProgress: 1000000}",
                    "bridges: {poolSize: 16}", ""));
            List<String> cmd = new ArrayList<>(i == 0 ? onRelay : onLoad);
            cmd.add(Proc.java());
            cmd.addAll(NODE_JVM);
            String extra = System.getenv("BENCH_NODE_JVM_OPTS"); // for experiments: extra flags for the beacon nodes
            if (extra != null && !extra.isBlank()) cmd.addAll(List.of(extra.trim().split("\\s+")));
            cmd.addAll(List.of("-jar", beaconJar.toString(), "server", "--config", yaml.toString()));
            say("starting beacon " + id + " (relay 127.0.0.1:" + relay[i] + ", log " + logs.resolve(id + ".log") + ")");
            nodes[i] = start(cmd, logs.resolve(id + ".log"));
        }
        for (int i = 0; i < 2; i++) {
            int port = admin[i];
            Proc.await("beacon node-" + (char) ('a' + i), nodes[i], logs.resolve("node-" + (char) ('a' + i) + ".log"),
                    Duration.ofSeconds(60), () -> Proc.get("http://127.0.0.1:" + port + "/readyz") != null);
        }
        nodeA = nodes[0].pid();
        nodeB = nodes[1].pid();

        Path ready = work.resolve("server.ready");
        Files.deleteIfExists(ready);
        Path jar = jarDir().resolve("bench.jar");
        List<String> cmd = new ArrayList<>(onLoad);
        cmd.addAll(List.of(Proc.java(), "-Xms1g", "-Xmx1g", "-cp", jar.toString(), BenchMain.class.getName(), "server",
                "--port", Integer.toString(server), "--tls", pki.server().cert().getParent().toString(),
                "--beacon", "127.0.0.1:" + relay[0], "--bridge-tls", pki.bridge().cert().getParent().toString(),
                "--ready-file", ready.toString()));
        say("starting the bench server (127.0.0.1:" + server + ", bridge on node-a)");
        Process srv = start(cmd, logs.resolve("server.log"));
        Proc.await("bench server", srv, logs.resolve("server.log"), Duration.ofSeconds(60), () -> Files.exists(ready));
        serverPid = srv.pid();

        List<Target> targets = new ArrayList<>();
        targets.add(new Target(Target.DIRECT, "direct", server, false, server));
        targets.add(new Target(Target.BEACON, "beacon", relay[0], true, relay[0]));
        targets.add(new Target(Target.FORWARD, "beacon, one hop", relay[1], true, relay[1]));
        if (withHaproxy) {
            int hp = Proc.freePort();
            int hs = Proc.freePort();
            Path cfg = Haproxy.writeConfig(work, pki, hp, hs, server, threads,
                    Math.min(2 * idle + 1024, (Limits.openFiles() - 500) / 2)); // HAProxy needs 2 descriptors per connection
            say("starting haproxy (127.0.0.1:" + hp + ", config " + cfg + ")");
            List<String> hcmd = new ArrayList<>(onRelay);
            hcmd.addAll(List.of("haproxy", "-db", "-f", cfg.toString()));
            Process h = start(hcmd, logs.resolve("haproxy.log"));
            Proc.await("haproxy", h, logs.resolve("haproxy.log"), Duration.ofSeconds(20), () -> Proc.listening(hp) && Proc.listening(hs));
            haproxyPid = h.pid();
            targets.add(new Target(Target.HAPROXY, "haproxy", hp, false, hs));
            if (runs("bulk")) {
                int fp = Proc.freePort();
                Path fcfg = Haproxy.writeFloorConfig(work, fp, server, 1024);
                say("starting haproxy for the socket floor (127.0.0.1:" + fp + ", plain TCP, config " + fcfg + ")");
                List<String> fcmd = new ArrayList<>(onRelay);
                fcmd.addAll(List.of(Haproxy.floorExecutable(work).toString(), "-db", "-f", fcfg.toString()));
                Process fh = start(fcmd, logs.resolve("haproxy-floor.log"));
                Proc.await("haproxy (socket floor)", fh, logs.resolve("haproxy-floor.log"), Duration.ofSeconds(20), () -> Proc.listening(fp));
                floorRelayPid = fh.pid();
                plainRelay = new Target("haproxy_plain", "haproxy, plain TCP pass-through", fp, false, fp);
            }
        }
        if (nginxModule != null) {
            int np = Proc.freePort();
            int ns = Proc.freePort();
            // a stream is 2 connections in nginx (client side and upstream side), all of them counted per worker
            int conns = Math.max(1024, Math.min(2 * idle + 1024, Limits.openFiles() - 500));
            Path cfg = Nginx.writeConfig(work, nginxModule, pki, np, ns, server, threads, conns, Limits.openFiles());
            say("starting nginx (127.0.0.1:" + np + ", config " + cfg + ")");
            List<String> ncmd = new ArrayList<>(onRelay);
            ncmd.addAll(Nginx.command(work.resolve("nginx"), cfg));
            Process n = start(ncmd, logs.resolve("nginx.log"));
            int workers = threads;
            Proc.await("nginx", n, logs.resolve("nginx.log"), Duration.ofSeconds(20),
                    () -> Proc.listening(np) && Proc.listening(ns) && Nginx.workers(n.pid()).length == workers);
            nginxPid = n.pid();
            targets.add(new Target(Target.NGINX, "nginx", np, false, ns));
        }
        return targets;
    }

    /**
     * Before a one-hop measurement: on a loaded machine nodes A and B can miss each other's gossip probes for a few
     * seconds ("not a live member of this cluster"); wait until B forwards again rather than abort the run, and say so.
     */
    private void hop(Dialer d, Target t, List<Target> targets, String tag) throws Exception {
        if (!t.name().equals(Target.FORWARD)) return;
        long t0 = System.nanoTime();
        int failed = awaitForwarding(d, targets);
        if (failed > 0) say(tag + " one hop: node B did not forward for " + fmt("%.1f s", (System.nanoTime() - t0) / 1e9) + " (cluster membership on a loaded machine); measured once it did");
    }

    /**
     * Runs a measurement; for the one-hop set-up first waits until node B forwards ({@link #hop}), and when B stops
     * forwarding during it ("not a live member of this cluster": A and B missed each other's gossip probes on a
     * starved CPU) measures again, at most 3 times, saying so. Other set-ups and other failures are not retried.
     */
    private <T> T onHop(Dialer d, Target t, List<Target> targets, String tag, Callable<T> measurement) throws Exception {
        for (int attempt = 1; ; attempt++) {
            hop(d, t, targets, tag);
            try {
                return measurement.call();
            } catch (IllegalStateException e) {
                if (!t.name().equals(Target.FORWARD) || attempt == 3 || !String.valueOf(e.getMessage()).contains("not a live member")) throw e;
                say(tag + " one hop: " + e.getMessage() + "; measuring again (" + attempt + " of 3 tries failed)");
            }
        }
    }

    /** Node B learns by gossip that node A holds the bench bridge; wait until a stream through B works. Returns the failed tries. */
    private int awaitForwarding(Dialer d, List<Target> targets) throws Exception {
        Target fwd = targets.stream().filter(t -> t.name().equals(Target.FORWARD)).findFirst().orElseThrow();
        long deadline = System.nanoTime() + 30_000_000_000L;
        Throwable last = null;
        int failed = 0;
        while (System.nanoTime() < deadline) {
            var f = d.open(fwd, false);
            f.await(10_000);
            if (f.isSuccess()) {
                f.getNow().close().sync();
                return failed;
            }
            failed++;
            last = f.cause();
            Proc.sleep(100); // gossip has not reached node B yet
        }
        throw new IllegalStateException("node-b never forwarded a stream to node-a: " + last);
    }

    // ---- the measurements ----

    private void measure(Report r, Dialer d, List<Target> targets, boolean pinned) throws Exception {
        long win = Math.max(100, (long) (seconds * 1000));
        long warm = smoke ? 100 : 1000;
        // bulk warms up a full second even in a smoke run: the first stream through a node started seconds before
        // once carried nothing in 100 ms + 300 ms (0 MB/s, beacon and one hop, unpinned, in a CI run; unexplained,
        // not seen in full runs, which warm up 1 s); a stall longer than that still fails BenchSmokeIT
        long bulkWarm = 1000;
        int[] rates = smoke ? new int[] {200} : new int[] {1000, 5000, 10000};
        int msg = 128;
        r.figure("bulk_1", "Bulk throughput, 1 stream", "MB/s", true);
        r.figure("bulk_16", "Bulk throughput, 16 streams", "MB/s", true);
        r.figure("cpu_relay", "Relay CPU per GB (16 streams)", "s/GB", false);
        r.figure("cpu_floor", "Relay CPU per GB / floor (16 streams)", "x", false);
        r.figure("cpu_floor_sockets", "Relay CPU per GB / (floor + socket floor) (16 streams)", "x", false);
        r.figure("cpu_machine", "Machine CPU per GB, all processes (16 streams)", "s/GB", false);
        for (int rate : rates) {
            String k = "lat_" + rate;
            String lbl = "Latency at " + (rate % 1000 == 0 ? rate / 1000 + "k" : rate) + " req/s";
            r.figure(k + "_p50", lbl + ", p50", "ms", false);
            r.figure(k + "_p99", lbl + ", p99", "ms", false);
            r.figure(k + "_p999", lbl + ", p99.9", "ms", false);
        }
        r.figure("sat_rate", "Max sustained rate (closed loop, 32 streams)", "req/s", true);
        r.figure("sat_p50", "Latency at saturation, p50", "ms", false);
        r.figure("sat_p99", "Latency at saturation, p99", "ms", false);
        r.figure("sat_p999", "Latency at saturation, p99.9", "ms", false);
        r.figure("setup_p50", "New stream setup (connect to first byte), p50", "ms", false);
        r.figure("setup_p99", "New stream setup (connect to first byte), p99", "ms", false);
        r.figure("handshakes", "mTLS handshakes per second (ECDSA P-256, full)", "1/s", true);
        r.figure("mem_rss", "Idle stream memory, RSS growth per stream", "KiB", false);
        r.figure("mem_heap", "Idle stream memory, live heap per stream", "KiB", false);
        r.figure("mem_total", "Idle stream memory, RSS + heap per stream", "KiB", false);
        r.figure("ready_1", "Node start to /readyz 200, alone (shipped: the images' JVM flags and class-data archive)", "ms", false);
        r.figure("ready_" + READY_CLUSTER, "Node start to /readyz 200, cluster of three started at once (all three; shipped)", "ms", false);
        r.figure("ready_1_bare", "Node start to /readyz 200, alone, bare `java -jar` (no flags, no archive)", "ms", false);
        r.figure("ready_cpu_1", "CPU used by ready, alone (shipped)", "ms", false);
        r.figure("ready_cpu_" + READY_CLUSTER, "CPU used by ready, cluster of three (all three together; shipped)", "ms", false);
        r.figure("ready_cpu_1_bare", "CPU used by ready, alone, bare", "ms", false);
        targets(r, targets, pinned);
        List<String> floorCmd = new ArrayList<>(pinned ? Pinning.on(pin.relayCpu) : List.of());
        floorCmd.addAll(Floor.command());
        if (runs("bulk")) r.floorCommand = String.join(" ", floorCmd);
        StartToReady ready = new StartToReady(beaconJar, work, pki.nodes().subList(2, 2 + READY_CLUSTER), procs);
        // a cluster of three takes several seconds to start on this machine: 3 samples of it, 5 of a node alone
        int samplesAlone = smoke ? 1 : 5;
        int samplesCluster = smoke ? 1 : 3;

        for (int round = 1; round <= rounds; round++) {
            List<Target> order = new ArrayList<>(targets);
            if (round % 2 == 0) java.util.Collections.reverse(order);
            String tag = "[round " + round + "/" + rounds + "]";
            double floor = Double.NaN;
            if (runs("bulk")) {
                // the floor, on the relay's CPU when pinned, while every relay is idle
                double bps = Floor.bytesPerSecond(pinned ? Pinning.on(pin.relayCpu) : List.of());
                floor = Floor.secondsPerGb(bps);
                r.floorBytesPerSecond.add(bps);
                r.floor.values.computeIfAbsent("floor", k -> new ArrayList<>()).add(floor);
                say(tag + " CPU floor          " + (Double.isNaN(floor) ? "not measured: `" + r.floorCommand + "` did not run or gave no 16384-byte rate"
                        : fmt("AES-128-GCM %.2f GB/s at 16 KiB, decrypt + encrypt %.3f s/GB", bps / 1e9, floor)));
            }
            if (runs("bulk")) for (Target t : order) {
                var b = onHop(d, t, targets, tag, () -> Workloads.bulk(d, t, 1, bulkWarm, win, relayPids(t)));
                r.add("bulk_1", t.name(), b.mbPerSec());
                r.ciphers.put(t.name(), b.cipher());
                say(tag + " bulk, 1 stream     " + pad(t) + fmt("%.0f MB/s", b.mbPerSec()));
            }
            double sockets = Double.NaN;
            if (runs("bulk") && plainRelay != null) {
                // the socket floor: HAProxy receiving and sending the same 16 streams without TLS, on the relay's core
                var b = Workloads.bulk(d, plainRelay, 16, bulkWarm, win, new long[] {floorRelayPid});
                sockets = b.relayCpuPerGb();
                r.floor.values.computeIfAbsent("sockets", k -> new ArrayList<>()).add(sockets);
                say(tag + " socket floor       " + fmt("HAProxy passing 16 streams through in plain TCP, 256 KiB buffers: %.0f MB/s, %.3f s/GB", b.mbPerSec(), sockets));
            }
            final double socketFloor = sockets;
            if (runs("bulk")) for (Target t : order) {
                var b = onHop(d, t, targets, tag, () -> Workloads.bulk(d, t, 16, bulkWarm, win, relayPids(t)));
                if (!t.name().equals(Target.DIRECT) && !Double.isNaN(socketFloor)) r.add("cpu_floor_sockets", t.name(), b.relayCpuPerGb() / (floor + socketFloor));
                r.add("bulk_16", t.name(), b.mbPerSec());
                r.add("cpu_relay", t.name(), b.relayCpuPerGb());
                r.add("cpu_machine", t.name(), b.machineCpuPerGb());
                if (!t.name().equals(Target.DIRECT)) r.add("cpu_floor", t.name(), b.relayCpuPerGb() / floor);
                say(tag + " bulk, 16 streams   " + pad(t) + fmt("%.0f MB/s, ", b.mbPerSec())
                        + (t.name().equals(Target.DIRECT) ? "no relay" : fmt("relay %.2f s/GB (%.2fx the floor)", b.relayCpuPerGb(), b.relayCpuPerGb() / floor))
                        + fmt(", machine %.2f s/GB", b.machineCpuPerGb()));
            }
            if (runs("latency")) for (int rate : rates) {
                for (Target t : order) {
                    var l = onHop(d, t, targets, tag, () -> Workloads.openLoop(d, t, smoke ? 2 : 16, rate, msg, smoke ? 100 : 500, win));
                    String k = "lat_" + rate;
                    r.add(k + "_p50", t.name(), l.p50() / 1e3);
                    r.add(k + "_p99", t.name(), l.p99() / 1e3);
                    r.add(k + "_p999", t.name(), l.p999() / 1e3);
                    say(tag + " " + rate + " req/s " + " ".repeat(Math.max(0, 11 - String.valueOf(rate).length())) + pad(t)
                            + fmt("p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms (achieved %.0f/s%s)", l.p50() / 1e3, l.p99() / 1e3, l.p999() / 1e3,
                            l.rate(), l.lost() > 0 ? ", " + l.lost() + " unanswered" : ""));
                }
            }
            if (runs("saturation")) for (Target t : order) {
                var l = onHop(d, t, targets, tag, () -> Workloads.saturation(d, t, smoke ? 4 : 32, msg, smoke ? 100 : 500, win));
                r.add("sat_rate", t.name(), l.rate());
                r.add("sat_p50", t.name(), l.p50() / 1e3);
                r.add("sat_p99", t.name(), l.p99() / 1e3);
                r.add("sat_p999", t.name(), l.p999() / 1e3);
                say(tag + " saturation         " + pad(t) + fmt("%.0f req/s, p50 %.3f ms, p99 %.3f ms", l.rate(), l.p50() / 1e3, l.p99() / 1e3));
            }
            if (runs("setup")) for (Target t : order) {
                var l = onHop(d, t, targets, tag, () -> Workloads.setup(d, t, smoke ? 3 : 30, smoke ? 10 : 300));
                r.add("setup_p50", t.name(), l.p50() / 1e3);
                r.add("setup_p99", t.name(), l.p99() / 1e3);
                say(tag + " stream setup       " + pad(t) + fmt("p50 %.2f ms, p99 %.2f ms", l.p50() / 1e3, l.p99() / 1e3));
            }
            if (runs("handshakes")) for (Target t : order) {
                if (t.name().equals(Target.FORWARD)) continue; // the same listener as the local beacon
                double hs = Workloads.handshakes(d, t, smoke ? 2 : 8, smoke ? 100 : 500, win);
                r.add("handshakes", t.name(), hs);
                say(tag + " handshakes         " + pad(t) + fmt("%.0f /s", hs));
            }
            // Once, in the first round, while the relays have never held more than a few dozen connections: a
            // process that has held N streams keeps its pools and malloc arenas sized for them, so a second
            // measurement would show re-use, not what a stream costs.
            if (runs("memory") && round == 1) for (Target t : order) {
                if (t.name().equals(Target.FORWARD) || t.name().equals(Target.DIRECT)) continue;
                memory(r, d, t, tag);
            }
            // Last in the round: three JVMs starting at once take the CPU from node A and B for seconds, which can make
            // their gossip miss probes; the next round's one-hop runs wait until B forwards again (hop).
            if (runs("ready")) for (StartCase c : START_CASES) {
                // pinned: a node alone on the relay's CPU; a cluster one node per core in turn (relay, load, relay)
                List<List<String>> prefixes = new ArrayList<>();
                for (int i = 0; i < c.nodes(); i++) prefixes.add(pinned ? Pinning.on(i % 2 == 0 ? pin.relayCpu : pin.loadCpu) : List.of());
                List<Double> ms = new ArrayList<>();
                List<Double> cpu = new ArrayList<>();
                for (int k = 0; k < (c.nodes() == 1 ? samplesAlone : samplesCluster); k++) {
                    ms.add(ready.measure(prefixes, logs, c.shipped()));
                    cpu.add(ready.lastCpuMs);
                }
                double med = StartToReady.median(ms);
                r.add(c.figure(), Target.BEACON, med);
                r.add(c.cpuFigure(), Target.BEACON, StartToReady.median(cpu));
                say(tag + " start to ready     " + c.label() + (c.shipped() && !ready.hasArchive() ? "(no class-data archive) " : "")
                        + fmt("median %.0f ms of %d (", med, ms.size()) + String.join(", ", ms.stream().map(x -> x.isNaN()
                        ? "not ready in " + StartToReady.MAX.toSeconds() + " s" : fmt("%.0f", x)).toList()) + ")"
                        + fmt(", CPU by ready %.0f ms", StartToReady.median(cpu)));
            }
        }
    }

    /**
     * Issue 15's targets, then the earlier ones it did not replace. The HAProxy comparisons are the targets; each has
     * an nginx row right below it, for the reader.
     */
    private void targets(Report r, List<Target> targets, boolean pinned) {
        boolean hasHaproxy = targets.stream().anyMatch(t -> t.name().equals(Target.HAPROXY));
        boolean hasNginx = targets.stream().anyMatch(t -> t.name().equals(Target.NGINX));
        // the smoke run measures one rate (200 req/s): its latency targets use it, and say so
        String k1 = smoke ? "lat_200" : "lat_1000";
        String k5 = smoke ? "lat_200" : "lat_5000";
        String k10 = smoke ? "lat_200" : "lat_10000";
        String at1 = smoke ? "200 req/s (smoke; 1k in a full run)" : "1k req/s";
        String at5 = smoke ? "200 req/s (smoke; 5k in a full run)" : "5k req/s";
        String at10 = smoke ? "200 req/s (smoke; 10k in a full run)" : "10k req/s";
        String forPinned = pinned ? " (pinned)" : " (a target of the pinned comparison)";
        List<String> refs = new ArrayList<>();
        refs.add(Target.HAPROXY); // rows stay, "not measured", when HAProxy is left out
        if (hasNginx) refs.add(Target.NGINX);
        // adds the check made for HAProxy, then the same for nginx
        java.util.function.Consumer<java.util.function.Function<String, Report.Check>> vs = make -> {
            for (String ref : refs) {
                Report.Check c = make.apply(ref);
                String beside = ref.equals(Target.NGINX) ? " (nginx beside the HAProxy target)" : "";
                String refRef = ref.equals(Target.HAPROXY) && !hasHaproxy ? null : c.reference();
                r.checks.add(new Report.Check(c.text() + beside, c.figure(), c.setup(), refRef, c.factor(), c.higherIsBetter(), c.absoluteMax(), c.strict()));
            }
        };
        // issue 15
        vs.accept(ref -> new Report.Check("p99 latency at " + at10 + ": beacon <= " + ref, k10 + "_p99", Target.BEACON, ref, 1.0, false, null));
        vs.accept(ref -> new Report.Check("p99.9 latency at " + at10 + ": beacon <= " + ref, k10 + "_p999", Target.BEACON, ref, 1.0, false, null));
        vs.accept(ref -> new Report.Check("p99 latency at " + at1 + ": beacon < " + ref + forPinned, k1 + "_p99", Target.BEACON, ref, 1.0, false, null, true));
        vs.accept(ref -> new Report.Check("p99 latency at " + at5 + ": beacon < " + ref + forPinned, k5 + "_p99", Target.BEACON, ref, 1.0, false, null, true));
        vs.accept(ref -> new Report.Check("Setup time p99: beacon <= " + ref, "setup_p99", Target.BEACON, ref, 1.0, false, null));
        r.checks.add(new Report.Check("One-hop setup time p50: <= 1.2x beacon local", "setup_p50", Target.FORWARD, Target.BEACON, 1.2, false, null));
        r.checks.add(new Report.Check("One hop, 16 streams: >= 0.9x beacon local" + forPinned, "bulk_16", Target.FORWARD, Target.BEACON, 0.9, true, null));
        vs.accept(ref -> new Report.Check("Bulk throughput, 1 stream: beacon >= 1.3x " + ref, "bulk_1", Target.BEACON, ref, 1.3, true, null));
        r.checks.add(new Report.Check("Relay CPU per GB: beacon <= 1.5x the physical floor", "cpu_floor", Target.BEACON, null, 0, false, 1.5));
        r.checks.add(new Report.Check("Node start to ready, alone: <= 1000 ms", "ready_1", Target.BEACON, null, 0, false, 1000.0));
        r.checks.add(new Report.Check("Node start to ready, cluster of three at once: <= 1000 ms", "ready_" + READY_CLUSTER, Target.BEACON, null, 0, false, 1000.0));
        r.checks.add(new Report.Check("Idle stream memory: beacon (RSS + heap) <= 12 KiB", "mem_total", Target.BEACON, null, 0, false, 12.0));
        // earlier targets that issue 15 did not replace (bulk with 1 stream >= HAProxy, p99 at 5k <= 1.2x, setup p99
        // <= 1.2x, one hop with 16 streams >= 0.8x and memory < 20 KiB are replaced by the stricter ones above)
        vs.accept(ref -> new Report.Check("Bulk throughput, 16 streams: beacon >= " + ref + " (earlier target)", "bulk_16", Target.BEACON, ref, 1.0, true, null));
        vs.accept(ref -> new Report.Check("Setup time p50: beacon <= 1.2x " + ref + " (earlier target)", "setup_p50", Target.BEACON, ref, 1.2, false, null));
        vs.accept(ref -> new Report.Check("Idle memory per stream: beacon <= " + ref + " (earlier target)", "mem_total", Target.BEACON, ref, 1.0, false, null));
        r.checks.add(new Report.Check("One-hop forward, 1 stream: >= 0.8x beacon local (earlier target)", "bulk_1", Target.FORWARD, Target.BEACON, 0.8, true, null));
    }

    private boolean runs(String workload) {
        return only.isEmpty() || only.contains(workload);
    }

    private void memory(Report r, Dialer d, Target t, String tag) throws Exception {
        boolean beacon = t.name().equals(Target.BEACON);
        long pid = beacon ? nodeA : haproxyPid;
        // nginx: its worker(s) hold the connections; the master does not change
        long[] pids = t.name().equals(Target.NGINX) ? Nginx.workers(nginxPid) : new long[] {pid};
        if (beacon) Proc.gc(pid);
        long rss0 = rss(pids);
        long heap0 = beacon ? heapUsed() : 0;
        List<Channel> chans = Workloads.idle(d, t, idle);
        if (beacon) Proc.gc(pid);
        long rss1 = rss(pids);
        long heap1 = beacon ? heapUsed() : 0;
        if (beacon && histogram) Proc.histogram(pid, logs.resolve("histogram-" + System.currentTimeMillis() + ".txt"));
        Workloads.closeAll(chans);
        double rss = (rss1 - rss0) / 1024.0 / idle;
        double heap = beacon ? (heap1 - heap0) / 1024.0 / idle : 0;
        r.add("mem_rss", t.name(), rss);
        r.add("mem_heap", t.name(), beacon ? heap : Double.NaN);
        r.add("mem_total", t.name(), rss + heap);
        say(tag + " " + idle + " idle streams " + pad(t) + fmt("RSS +%.1f KiB/stream", rss) + (beacon ? fmt(", heap +%.1f KiB/stream", heap) : ""));
        if (beacon) awaitNoStreams();
    }

    private static long rss(long[] pids) {
        long sum = 0;
        for (long p : pids) sum += Proc.rssBytes(p);
        return sum;
    }

    private long heapUsed() {
        String m = Proc.get("http://127.0.0.1:" + adminA + "/metrics");
        if (m == null) throw new IllegalStateException("node-a's /metrics did not answer");
        double sum = 0;
        for (String line : m.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) sum;
    }

    private void awaitNoStreams() {
        Proc.await("node-a closing idle streams", null, logs.resolve("node-a.log"), Duration.ofSeconds(60), () -> {
            String m = Proc.get("http://127.0.0.1:" + adminA + "/metrics");
            return m != null && m.lines().anyMatch(l -> l.startsWith("beacon_streams_active ") && l.endsWith(" 0.0"));
        });
    }

    private long[] relayPids(Target t) {
        return switch (t.name()) {
            case Target.BEACON -> new long[] {nodeA};
            case Target.FORWARD -> new long[] {nodeA, nodeB};
            case Target.HAPROXY -> new long[] {haproxyPid};
            case Target.NGINX -> Nginx.all(nginxPid);
            default -> new long[0];
        };
    }

    // ---- helpers ----

    private Process start(List<String> cmd, Path log) throws java.io.IOException {
        Process p = Proc.spawn(cmd, log);
        procs.add(p);
        return p;
    }

    private void stopAll() {
        for (Process p : procs) Proc.stop(p);
        procs.clear();
    }

    private void machine(Report r, String haproxy, String nginx) {
        r.machine.put("date", ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT)));
        r.machine.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        r.machine.put("cpu", cpuModel());
        r.machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        r.machine.put("kernel", System.getProperty("os.version"));
        if (haproxy != null) {
            r.machine.put("haproxy", haproxy.replaceFirst(" - https://haproxy.org/", ""));
            r.machine.put("haproxy_tls", Haproxy.tlsLibrary());
        }
        if (nginx != null) {
            r.machine.put("nginx", nginx);
            r.machine.put("nginx_tls", Nginx.tlsLibrary());
        }
        r.machine.put("cpus_allowed", pin.allowed);
        r.machine.put("tls", TlsContexts.provider() + (OpenSsl.isAvailable() ? " (" + OpenSsl.versionString() + ")" : ""));
        r.machine.put("transport", Transport.name());
        r.machine.put("beacon_jvm", String.join(" ", NODE_JVM));
        r.machine.put("idle_streams", Integer.toString(idle));
        r.machine.put("window_seconds", Double.toString(seconds));
    }

    /** What ran where, read back from each process's Cpus_allowed_list, for the report. */
    private String placement(boolean pinned, List<Target> targets) {
        boolean h = targets.stream().anyMatch(t -> t.name().equals(Target.HAPROXY));
        boolean n = targets.stream().anyMatch(t -> t.name().equals(Target.NGINX));
        long self = ProcessHandle.current().pid();
        if (pinned) {
            return "Pinned with `taskset`. The relay under test runs on CPU " + pin.relayCpu + ", alone among the benchmark's processes (other tenants of a shared machine are not kept off it), with one thread of relaying: beacon node A "
                    + "(`node.ioThreads: 1`; CPUs " + Pinning.of(nodeA) + ")"
                    + (h ? ", HAProxy (`nbthread 1`; CPUs " + Pinning.of(haproxyPid) + ")" : "")
                    + (n ? ", nginx (`worker_processes 1`, master and worker; CPUs " + Pinning.of(nginxPid) + " and "
                            + Pinning.of(Nginx.workers(nginxPid)[0]) + ")" : "")
                    + ". The load generator (CPUs " + Pinning.of(self) + ") and the bench server (CPUs " + Pinning.of(serverPid) + ") share CPU "
                    + pin.loadCpu + " (direct: no relay, only these two, both on CPU " + pin.loadCpu + "). Beacon, one hop: one node per core, node B (the node the client dials, `ioThreads: 1`; CPUs "
                    + Pinning.of(nodeB) + ") beside the load generator and the server, node A on CPU " + pin.relayCpu
                    + ", so this set-up's relay also takes a share of CPU " + pin.loadCpu + ", which the other relays do not get. "
                    + "A JVM that sees one CPU picks the Serial collector by its ergonomics, as it would in a one-CPU container.";
        }
        return "Unpinned: every process may run on CPUs " + pin.allowed + " (node A: " + Pinning.of(nodeA) + ") and the scheduler decides; "
                + "the beacon nodes run one event loop per core (" + cpus + ", the default)"
                + (h ? ", HAProxy `nbthread " + cpus + "`" : "") + (n ? ", nginx `worker_processes " + cpus + "`" : "")
                + ". The load generator, the bench server and the relays compete for the same cores.";
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static Path jarDir() {
        try {
            return Path.of(RunCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private String elapsed() {
        return fmt("%.0f s", (System.nanoTime() - t0) / 1e9);
    }

    private void say(String s) {
        System.out.println("[" + elapsed() + "] " + s);
        System.out.flush();
    }

    private static String pad(Target t) {
        return String.format(Locale.ROOT, "%-16s", t.label());
    }

    private static String fmt(String f, Object... a) {
        return String.format(Locale.ROOT, f, a);
    }
}
