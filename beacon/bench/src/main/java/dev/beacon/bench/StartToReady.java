package dev.beacon.bench;

import dev.beacon.runtime.JvmFlags;
import dev.beacon.tls.TlsFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Node start to ready: from just before {@code ProcessBuilder.start()} of a beacon node to the first 200 from its
 * admin {@code /readyz}, polled every 10 ms; for a cluster started at once, until every node has answered 200.
 * The nodes run as the images start them ("shipped"): {@link JvmFlags#NODE} and a class-data archive trained once
 * per run the way k8s/images/cds-train.sh does (a node started with {@code -XX:ArchiveClassesAtExit} until ready,
 * then stopped; here with the cluster on, so that Atomix's classes are in it too); or "bare", {@code java -jar beacon.jar server --config FILE} with no JVM flags at all. Both add
 * {@code BENCH_NODE_JVM_OPTS} when set. A minimal config; alone with the cluster off (a single node's config), three
 * with {@code cluster.enabled} and each other as peers. They are killed after each sample.
 */
final class StartToReady {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    /** Past this a sample counts as not measured (NaN) rather than stopping the run: a loaded machine is slow, not broken. */
    static final Duration MAX = Duration.ofSeconds(120);

    private final Path beaconJar;
    private final Path work;
    private final List<TlsFiles> nodeTls;
    private final List<Process> registry;
    private int sample;
    /** The class-data archive of the shipped start, once trained; null before, or when training left none. */
    private Path archive;
    private boolean trained;
    /** CPU milliseconds the nodes of the last measured sample had used when each answered ready, summed. */
    double lastCpuMs = Double.NaN;

    /**
     * @param nodeTls one certificate per node of the largest cluster measured (node-c, node-d, ... in the PKI)
     * @param registry where started processes are listed, so the run's shutdown hook stops them too
     */
    StartToReady(Path beaconJar, Path work, List<TlsFiles> nodeTls, List<Process> registry) {
        this.beaconJar = beaconJar;
        this.work = work;
        this.nodeTls = nodeTls;
        this.registry = registry;
        ready(0); // the HTTP client's first use loads its classes: not inside a measurement
    }

    /**
     * Starts {@code prefixes.size()} nodes at once (node i behind {@code prefixes.get(i)}, e.g. a taskset), and
     * returns the milliseconds until all of them answered /readyz with 200 (NaN when one did not within {@link #MAX}).
     * One node: cluster off. A node that exits fails the run, with its log's tail.
     */
    double measure(List<List<String>> prefixes, Path logDir, boolean shipped) throws Exception {
        List<String> jvm = new ArrayList<>();
        if (shipped) {
            jvm.addAll(JvmFlags.NODE);
            Path jsa = archive(logDir);
            if (jsa != null) jvm.add("-XX:SharedArchiveFile=" + jsa);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return measureOnce(prefixes, logDir, jvm);
            } catch (IllegalStateException e) {
                // a port picked free was taken before the node bound it (the idle-stream figure before this one leaves
                // thousands of ports in TIME_WAIT): not the node's start time, so the sample is taken again on new ports
                if (attempt >= 3 || e.getMessage() == null || !e.getMessage().contains("Address already in use")) throw e;
                System.out.println("start to ready: a port was taken before the node bound it; sample taken again on other ports");
            }
        }
    }

    /** True when the shipped start has its class-data archive (training worked); asked after a shipped measurement. */
    boolean hasArchive() {
        return archive != null;
    }

    /**
     * The shipped start's class-data archive, trained on the first call: one node alone, started with the shipped
     * flags and {@code -XX:ArchiveClassesAtExit}, until ready, then stopped with SIGTERM (the JVM writes the archive on
     * a clean exit). Null, said once, if no archive came out: the shipped figure is then measured without one.
     */
    private Path archive(Path logDir) throws Exception {
        if (trained) return archive;
        trained = true;
        Path jsa = work.resolve("beacon-start.jsa");
        Files.deleteIfExists(jsa);
        Files.createDirectories(logDir);
        int relay = Proc.freePort();
        int admin = Proc.freePort();
        TlsFiles tls = nodeTls.get(0);
        Path yaml = work.resolve("ready-train.yaml");
        Files.writeString(yaml, String.join("\n",
                "node: {id: node-c, trustDomain: " + BenchPki.DOMAIN + ", advertiseRelay: \"127.0.0.1:" + relay + "\"}",
                "relay: {host: 127.0.0.1, port: " + relay + "}",
                "admin: {host: 127.0.0.1, port: " + admin + "}",
                "tls: {cert: " + tls.cert() + ", key: " + tls.key() + ", ca: " + tls.ca() + "}",
                "drain: {gracePeriod: 1s}",
                // the cluster on, with a peer nobody answers at: Atomix's classes go into the archive too, for the
                // three-node figure; a node does not wait for its peers to be ready
                "cluster: {enabled: true, host: 127.0.0.1, port: " + Proc.freePort() + ", peers: [\"127.0.0.1:" + Proc.freePort() + "\"]}", ""));
        List<String> cmd = new ArrayList<>(List.of(Proc.java()));
        cmd.addAll(JvmFlags.NODE);
        cmd.add("-XX:ArchiveClassesAtExit=" + jsa);
        cmd.addAll(List.of("-jar", beaconJar.toString(), "server", "--config", yaml.toString()));
        Path log = logDir.resolve("ready-train.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        registry.add(p);
        try {
            long t0 = System.nanoTime();
            long at = poll(p, admin, t0, t0 + MAX.toNanos());
            p.destroy(); // SIGTERM: drain (1 s at most, nothing open), exit, and the archive is written on the way out
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
            if (at < 0 || !Files.isRegularFile(jsa) || Files.size(jsa) == 0) {
                System.out.println("start to ready: no class-data archive came out of training (log " + log
                        + "); the shipped start is measured without one");
                return null;
            }
            archive = jsa;
            return jsa;
        } finally {
            registry.remove(p);
        }
    }

    private double measureOnce(List<List<String>> prefixes, Path logDir, List<String> jvm) throws Exception {
        int n = prefixes.size();
        if (n > nodeTls.size()) throw new IllegalArgumentException(n + " nodes, but certificates for " + nodeTls.size());
        sample++;
        lastCpuMs = Double.NaN;
        int[] relay = new int[n];
        int[] admin = new int[n];
        int[] gossip = new int[n];
        for (int i = 0; i < n; i++) {
            relay[i] = Proc.freePort();
            admin[i] = Proc.freePort();
            gossip[i] = Proc.freePort();
        }
        List<List<String>> cmds = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "node-" + (char) ('c' + i);
            TlsFiles tls = nodeTls.get(i);
            List<String> peers = new ArrayList<>();
            for (int j = 0; j < n; j++) if (j != i) peers.add("\"127.0.0.1:" + gossip[j] + "\"");
            Path yaml = work.resolve("ready-" + n + "-" + id + ".yaml");
            Files.writeString(yaml, String.join("\n",
                    "node: {id: " + id + ", trustDomain: " + BenchPki.DOMAIN + ", advertiseRelay: \"127.0.0.1:" + relay[i] + "\"}",
                    "relay: {host: 127.0.0.1, port: " + relay[i] + "}",
                    "admin: {host: 127.0.0.1, port: " + admin[i] + "}",
                    "tls: {cert: " + tls.cert() + ", key: " + tls.key() + ", ca: " + tls.ca() + "}",
                    n == 1 ? "" : "cluster: {enabled: true, host: 127.0.0.1, port: " + gossip[i] + ", peers: [" + String.join(", ", peers) + "]}",
                    ""));
            List<String> cmd = new ArrayList<>(prefixes.get(i));
            cmd.add(Proc.java());
            cmd.addAll(jvm);
            String extra = System.getenv("BENCH_NODE_JVM_OPTS");
            if (extra != null && !extra.isBlank()) cmd.addAll(List.of(extra.trim().split("\\s+")));
            cmd.addAll(List.of("-jar", beaconJar.toString(), "server", "--config", yaml.toString()));
            cmds.add(cmd);
            Path log = logDir.resolve("ready-" + n + "-" + sample + "-" + id + ".log");
            Files.createDirectories(logDir);
            logs.add(log);
        }
        List<Process> ps = new ArrayList<>();
        long[] readyAt = new long[n]; // nanoseconds from t0
        double[] cpuAtReady = new double[n];
        long t0 = System.nanoTime(); // just before the first ProcessBuilder.start()
        try {
            for (int i = 0; i < n; i++) {
                Process p = new ProcessBuilder(cmds.get(i)).redirectErrorStream(true).redirectOutput(logs.get(i).toFile()).start();
                ps.add(p);
                registry.add(p);
            }
            // one poller per node, so a node whose admin port accepts but does not answer yet cannot delay the others
            long deadline = t0 + MAX.toNanos();
            java.util.concurrent.ExecutorService pollers = java.util.concurrent.Executors.newFixedThreadPool(n);
            try {
                List<java.util.concurrent.Future<Long>> polls = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int node = i;
                    polls.add(pollers.submit(() -> poll(ps.get(node), admin[node], t0, deadline, cpuAtReady, node)));
                }
                for (int i = 0; i < n; i++) {
                    long at = polls.get(i).get();
                    if (at == -1) {
                        throw new IllegalStateException("start to ready: node " + (i + 1) + " of " + n + " exited with " + ps.get(i).exitValue()
                                + "\n" + Proc.tail(logs.get(i)));
                    }
                    if (at == -2) return Double.NaN;
                    readyAt[i] = at;
                }
            } finally {
                pollers.shutdownNow();
            }
        } finally {
            for (Process p : ps) {
                p.destroyForcibly(); // only start-up is measured here: no drain to wait for
                p.waitFor();
                registry.remove(p);
            }
        }
        long last = 0;
        for (long r : readyAt) last = Math.max(last, r);
        double cpu = 0;
        for (double c : cpuAtReady) cpu += c;
        lastCpuMs = cpu * 1e3;
        return last / 1e6;
    }

    /** Polls one node every 10 ms from {@code t0}: nanoseconds from t0 to its first 200, -1 if it exited, -2 after the deadline. */
    private static long poll(Process p, int adminPort, long t0, long deadline) throws InterruptedException {
        return poll(p, adminPort, t0, deadline, null, 0);
    }

    /** As above; when ready, also stores the process's CPU seconds so far in {@code cpuAtReady[slot]}. */
    private static long poll(Process p, int adminPort, long t0, long deadline, double[] cpuAtReady, int slot) throws InterruptedException {
        long tick = t0;
        while (true) {
            if (!p.isAlive()) return -1;
            if (ready(adminPort)) {
                if (cpuAtReady != null) cpuAtReady[slot] = Proc.cpuSeconds(p.pid());
                return System.nanoTime() - t0;
            }
            if (System.nanoTime() > deadline) return -2;
            tick += 10_000_000L; // poll every 10 ms
            long sleep = tick - System.nanoTime();
            if (sleep > 0) Thread.sleep(sleep / 1_000_000L, (int) (sleep % 1_000_000L));
            else tick = System.nanoTime();
        }
    }

    private static boolean ready(int adminPort) {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** The median of the measured samples; NaN when none was. */
    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.removeIf(d -> d.isNaN());
        if (s.isEmpty()) return Double.NaN;
        s.sort(null);
        int k = s.size();
        return k % 2 == 1 ? s.get(k / 2) : (s.get(k / 2 - 1) + s.get(k / 2)) / 2;
    }
}
