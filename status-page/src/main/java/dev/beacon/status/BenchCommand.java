package dev.beacon.status;

import dev.beacon.config.ConfigLoader;
import dev.beacon.runtime.Metrics;
import dev.beacon.status.service.StatusPageConfig;
import dev.beacon.status.service.StatusPageService;
import dev.beacon.status.store.Store;
import dev.beacon.tls.DevCa;
import dev.beacon.tls.Identity;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: the status page's performance figures against their targets (issue 11). Generates history into a
 * fresh H2 file (or an empty PostgreSQL database, {@code --jdbc-url}) the way production writes it, measures its size
 * open and closed, serves the page from it and times GET / and summary.json on loopback
 * (quiet, and while view refreshes run back to back), times one refresh, runs a probe-only instance as its own JVM and
 * reads its RSS, and prints one Markdown table. Not part of the test suite: a default run takes minutes.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures the status page against its performance targets:",
                "1. generates --days of history for --components from --locations into a fresh",
                "   embedded database in --dir (or the empty database of --jdbc-url), through the",
                "   store's write path, purging hourly and compacting the H2 file daily, and",
                "   measures the database's size while open and, for H2, after close;",
                "2. serves the page from it (probing off) and times GET / and summary.json,",
                "   quiet and while view refreshes run back to back, and times a refresh;",
                "3. runs a probe-only instance for --probe-seconds and reads its RSS;",
                "4. prints the figures as a Markdown table (--docs FILE: also into FILE)."})
final class BenchCommand implements Callable<Integer> {
    static final String BEGIN = "<!-- bench:begin (written by status-page.jar bench --docs) -->";
    static final String END = "<!-- bench:end -->";
    static final String PG_BEGIN = "<!-- bench-postgresql:begin (written by status-page.jar bench --jdbc-url jdbc:postgresql:... --docs) -->";
    static final String PG_END = "<!-- bench-postgresql:end -->";
    static final double P99_TARGET_MS = 20;
    static final long RSS_TARGET_MB = 150;
    static final long DB_TARGET_MB = 200;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", description = "Working directory; must not hold a database yet (default: a new temp dir)")
    Path dir;
    @Option(names = "--days", defaultValue = "90", description = "Days of history (default: ${DEFAULT-VALUE})")
    int days;
    @Option(names = "--components", defaultValue = "5", description = "Components probed (default: ${DEFAULT-VALUE})")
    int components;
    @Option(names = "--locations", defaultValue = "3", description = "Probe locations (default: ${DEFAULT-VALUE})")
    int locations;
    @Option(names = "--interval", defaultValue = "30s", converter = DurationConverter.class,
            description = "Probe interval of the history and the prober (default: ${DEFAULT-VALUE})")
    Duration interval;
    @Option(names = "--requests", defaultValue = "2000", description = "Timed requests per route and phase, after as many warm-up requests (default: ${DEFAULT-VALUE})")
    int requests;
    @Option(names = "--refreshes", defaultValue = "5", description = "View refreshes timed back to back (default: ${DEFAULT-VALUE})")
    int refreshes;
    @Option(names = "--probe-seconds", defaultValue = "60", description = "How long the probe-only instance runs before its RSS is read; 0 skips it (default: ${DEFAULT-VALUE})")
    int probeSeconds;
    /** What docs/status-page.md recommends for a prober: a small heap and code cache, one Netty arena, serial GC. */
    static final String PROBER_JVM = "-Xmx48m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=24m -Xss256k"
            + " -XX:MaxDirectMemorySize=32m -Dio.netty.allocator.numDirectArenas=1 -Dio.netty.allocator.numHeapArenas=1";

    @Option(names = "--prober-jvm", defaultValue = PROBER_JVM,
            description = "JVM flags of the probe-only instance, as a prober is run (default: the recommended flags; '' for the JVM's defaults)")
    String proberJvm;
    @Option(names = "--docs", paramLabel = "FILE", description = "Also write the table between the bench markers in FILE (e.g. docs/status-page.md; "
            + "a PostgreSQL run between the bench-postgresql markers)")
    Path docs;
    @Option(names = "--jdbc-url", paramLabel = "URL", description = {"Generate into this database instead of a fresh H2 file in --dir:",
            "jdbc:postgresql://host:port/db (an empty database or one holding no probe results, incidents or maintenance yet),",
            "or jdbc:h2:file:PATH;SETTING=... (PATH.mv.db must not exist yet)"})
    String jdbcUrl;
    @Option(names = "--user", defaultValue = "", description = "Database user for --jdbc-url (or in the URL)")
    String user;
    @Option(names = "--password", defaultValue = "${env:PGPASSWORD:-}", description = "Database password for --jdbc-url (default: $PGPASSWORD; or in the URL)")
    String password;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        validate();
        if (dir == null) dir = Files.createTempDirectory("status-bench");
        Files.createDirectories(dir);
        Target target = target();
        if (target.h2File() != null && Files.exists(target.h2File())) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dir " + dir + " already holds a database ("
                    + target.h2File() + "); the benchmark needs a fresh one: remove it or pick another --dir");
        }
        List<String[]> rows = new ArrayList<>();
        out.printf("bench: %d days, %d components, %d locations, every %s, into %s%n", days, components, locations,
                interval, target.describe());

        // 1. history, with the database's size sampled as it grows
        BenchHistory.Generated g;
        long openBytes;
        long peakBytes;
        long peakDiskBytes;
        try (Store store = Store.open(target.url(), target.user(), target.password());
             DatabaseSize size = new DatabaseSize(target)) {
            if (target.postgres()) refuseUsed(target);
            database = size.describe();
            size.startSampling();
            g = new BenchHistory(components, locations, interval).generate(store, days, out, size::last);
            size.stopSampling();
            openBytes = size.file();
            peakBytes = Math.max(size.peakFile(), openBytes);
            peakDiskBytes = Math.max(size.peakDisk(), peakBytes);
            size.report(out);
        }
        out.printf("generated %,d results (%,d refused as too old), %d incidents, %d maintenance windows in %.1f s;"
                + " database %.1f MB at the end (peak %.1f MB%s)%n", g.results(), g.refused(), g.incidents(), g.maintenances(),
                g.took().toMillis() / 1000.0, openBytes / 1e6, peakBytes / 1e6, target.postgres() ? ""
                        : String.format(Locale.ROOT, "; %.1f MB of disk with a compaction's copy", peakDiskBytes / 1e6));
        long closedBytes = -1;
        if (!target.postgres()) {
            closedBytes = Files.size(target.h2File());
            out.printf("database file after the store closed: %.1f MB%n", closedBytes / 1e6);
        }
        rows.add(new String[] {"history generated through Store.record (batches of " + BenchHistory.BATCH + ", hourly purge"
                + (target.postgres() ? "" : " and daily compaction") + ")",
                String.format(Locale.ROOT, "%,d results in %.0f s (%,.0f/s)", g.results(), g.took().toMillis() / 1000.0,
                        g.results() / Math.max(0.001, g.took().toMillis() / 1000.0)), "", ""});
        if (g.compactions() > 0) {
            out.printf("compacted the H2 file %d times, %.1f s in all, the longest %.2f s%n", g.compactions(),
                    g.compacting().toMillis() / 1000.0, g.longestCompaction().toMillis() / 1000.0);
            rows.add(new String[] {"daily compaction of the H2 file while generating (Store.compactIfDue: SHUTDOWN COMPACT and"
                    + " reopen; every other store call waits meanwhile)", String.format(Locale.ROOT,
                    "%d runs, %.1f s in all, the longest %.2f s", g.compactions(), g.compacting().toMillis() / 1000.0,
                    g.longestCompaction().toMillis() / 1000.0), "", ""});
        }

        // 2. the page
        measurePage(target, rows);

        // 3. the prober
        if (probeSeconds > 0) measureProber(rows);

        // 4. the database
        String target200 = "< " + DB_TARGET_MB + " MB";
        if (target.postgres()) {
            rows.add(new String[] {"database on disk after " + days + " days (PostgreSQL, pg_database_size at the end of generation,"
                    + " server running; peak while generating)", String.format(Locale.ROOT, "%.1f MB (peak %.1f MB)",
                    openBytes / 1e6, peakBytes / 1e6), target200, verdict(openBytes / 1e6 < DB_TARGET_MB)});
        } else {
            rows.add(new String[] {"database on disk after " + days + " days, open (the H2 file as a running service has it:"
                    + " status.mv.db at the end of generation, store open; its peak while generating, and the disk its files"
                    + " took at most, a compaction's new copy beside it)", String.format(Locale.ROOT,
                    "%.1f MB (peak %.1f MB; disk %.1f MB)", openBytes / 1e6, peakBytes / 1e6, peakDiskBytes / 1e6), target200,
                    verdict(openBytes / 1e6 < DB_TARGET_MB)});
            rows.add(new String[] {"database on disk after " + days + " days, closed (the H2 file as a cleanly stopped service"
                    + " leaves it: status.mv.db after Store.close)", String.format(Locale.ROOT, "%.1f MB", closedBytes / 1e6),
                    target200, verdict(closedBytes / 1e6 < DB_TARGET_MB)});
        }

        String table = table(rows);
        out.println();
        out.println(machine(target));
        out.println();
        out.print(table);
        if (docs != null) {
            writeDocs(docs, machine(target) + "\n\n" + table, target.postgres() ? PG_BEGIN : BEGIN, target.postgres() ? PG_END : END);
            out.println("wrote the table into " + docs);
        }
        return 0;
    }

    /** The database's product and version, for the machine line; set once it is open. */
    private String database = "";

    /** Where the history goes: a fresh H2 file ({@code h2File}) or PostgreSQL ({@code h2File} null). */
    record Target(String url, String user, String password, Path h2File) {
        boolean postgres() {
            return h2File == null;
        }

        /** The URL without a password in it. */
        String masked() {
            return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
        }

        String describe() {
            return postgres() ? masked() : h2File.toAbsolutePath().toString();
        }
    }

    private Target target() {
        if (jdbcUrl == null) {
            Path dbDir = dir.resolve("page");
            return new Target(Store.h2Url(dbDir), "", "", dbDir.resolve("status.mv.db"));
        }
        String lower = jdbcUrl.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:postgresql:")) {
            return new Target(jdbcUrl, user, password, null);
        }
        if (lower.startsWith("jdbc:h2:file:")) {
            String path = jdbcUrl.substring("jdbc:h2:file:".length());
            int semi = path.indexOf(';');
            return new Target(jdbcUrl, user, password, Path.of((semi < 0 ? path : path.substring(0, semi)) + ".mv.db"));
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "--jdbc-url must be jdbc:postgresql://... or"
                + " jdbc:h2:file:..., got " + new Target(jdbcUrl, "", "", null).masked());
    }

    /** A PostgreSQL database that already holds history would make every figure meaningless: refused by name. */
    private void refuseUsed(Target target) throws SQLException {
        try (Connection c = connect(target);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM probe_result) OR EXISTS (SELECT 1 FROM probe_minute)"
                     + " OR EXISTS (SELECT 1 FROM incident) OR EXISTS (SELECT 1 FROM maintenance)")) {
            rs.next();
            if (rs.getBoolean(1)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--jdbc-url " + target.masked()
                        + " already holds probe results, incidents or maintenance; the benchmark needs an empty database");
            }
        }
    }

    private static Connection connect(Target target) throws SQLException {
        java.util.Properties p = new java.util.Properties();
        if (!target.user().isEmpty()) p.setProperty("user", target.user());
        if (!target.password().isEmpty()) p.setProperty("password", target.password());
        return DriverManager.getConnection(target.url(), p);
    }

    /**
     * The database's size: the H2 file's length (and the disk its files take), or PostgreSQL's pg_database_size
     * (through a connection of its own), sampled every 250 ms while the history is generated so the peaks are known.
     */
    private static final class DatabaseSize implements AutoCloseable {
        private final Target target;
        private final Connection pg;
        private final AtomicLong peakFile = new AtomicLong();
        private final AtomicLong peakDisk = new AtomicLong();
        private final AtomicLong last = new AtomicLong();
        private Thread sampler;
        private volatile boolean sampling;

        DatabaseSize(Target target) throws SQLException {
            this.target = target;
            this.pg = target.postgres() ? connect(target) : null;
        }

        String describe() throws SQLException {
            if (pg == null) return "H2 " + org.h2.engine.Constants.FULL_VERSION + ", one file";
            try (Statement s = pg.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version")) {
                rs.next();
                return "PostgreSQL " + rs.getString(1);
            }
        }

        /** H2: status.mv.db; PostgreSQL: pg_database_size. */
        synchronized long file() throws IOException, SQLException {
            if (pg == null) return Files.size(target.h2File());
            try (Statement s = pg.createStatement();
                 ResultSet rs = s.executeQuery("SELECT pg_database_size(current_database())")) {
                rs.next();
                return rs.getLong(1);
            }
        }

        /** H2: the database's files (status.mv.db, and the new copy beside it while it is compacted); PostgreSQL: {@link #file}. */
        synchronized long disk() throws IOException, SQLException {
            if (pg == null) {
                String prefix = target.h2File().getFileName().toString().replaceFirst("\\.mv\\.db$", ".");
                long sum = 0;
                try (Stream<Path> files = Files.list(target.h2File().getParent())) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        if (f.getFileName().toString().startsWith(prefix)) {
                            try {
                                sum += Files.size(f);
                            } catch (java.nio.file.NoSuchFileException gone) {
                                // renamed over status.mv.db between listing and sizing
                            }
                        }
                    }
                }
                return sum;
            }
            return file();
        }

        void startSampling() {
            sampling = true;
            sampler = new Thread(() -> {
                while (sampling) {
                    try {
                        long f = file();
                        last.set(f);
                        peakFile.accumulateAndGet(f, Math::max);
                        if (pg == null) peakDisk.accumulateAndGet(disk(), Math::max);
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException | SQLException e) {
                        // the file may be replaced for a moment; the next sample counts
                    }
                }
            }, "bench-db-size");
            sampler.setDaemon(true);
            sampler.start();
        }

        /** The size last sampled, in bytes. */
        long last() {
            return last.get();
        }

        void stopSampling() throws InterruptedException {
            sampling = false;
            sampler.interrupt();
            sampler.join();
        }

        long peakFile() {
            return peakFile.get();
        }

        long peakDisk() {
            return peakDisk.get();
        }

        /** For PostgreSQL, where the space went: each table with its indexes and TOAST. */
        void report(PrintStream out) throws SQLException {
            if (pg == null) return;
            try (Statement s = pg.createStatement();
                 ResultSet rs = s.executeQuery("SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid),"
                         + " c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                         + " WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY 2 DESC")) {
                while (rs.next()) {
                    out.printf("  %-24s %8.1f MB with indexes (%.1f MB table), about %,d rows%n", rs.getString(1),
                            rs.getLong(2) / 1e6, rs.getLong(3) / 1e6, rs.getLong(4));
                }
            }
        }

        @Override
        public void close() throws SQLException {
            sampling = false;
            if (sampler != null) sampler.interrupt();
            if (pg != null) pg.close();
        }
    }

    private void validate() {
        CommandLine cl = spec.commandLine();
        if (days < 1) throw new CommandLine.ParameterException(cl, "--days must be at least 1, got " + days);
        if (components < 1) throw new CommandLine.ParameterException(cl, "--components must be at least 1, got " + components);
        if (locations < 1) throw new CommandLine.ParameterException(cl, "--locations must be at least 1, got " + locations);
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new CommandLine.ParameterException(cl, "--interval must be at least 1s, got " + interval);
        }
        if (requests < 1) throw new CommandLine.ParameterException(cl, "--requests must be at least 1, got " + requests);
        if (refreshes < 1) throw new CommandLine.ParameterException(cl, "--refreshes must be at least 1, got " + refreshes);
        if (probeSeconds < 0) throw new CommandLine.ParameterException(cl, "--probe-seconds must be at least 0 (0: no prober), got " + probeSeconds);
        if (docs != null && !Files.isRegularFile(docs)) {
            throw new CommandLine.ParameterException(cl, "--docs " + docs + ": no such file");
        }
    }

    /** Page only, probing off, refreshes only when asked; then GET / and summary.json quiet and during refreshes. */
    private void measurePage(Target target, List<String[]> rows) throws Exception {
        Map<String, String> sets = new LinkedHashMap<>();
        sets.put("probe", "false");
        if (jdbcUrl == null) {
            sets.put("dataDir", target.h2File().getParent().toString());
        } else {
            sets.put("dataDir", dir.resolve("page").toString());
            sets.put("database.jdbcUrl", target.url());
            sets.put("database.user", target.user());
            sets.put("database.password", target.password());
        }
        sets.put("listen.host", "127.0.0.1");
        sets.put("listen.port", "0");
        sets.put("admin.port", "0");
        sets.put("admin.api", "false");
        sets.put("refreshInterval", "1h"); // the bench drives the refreshes itself
        StatusPageConfig cfg = ConfigLoader.load(StatusPageConfig.class, null, "STATUS", Map.of(), sets);
        out.println("starting the page (probing off) on that database");
        try (StatusPageService service = new StatusPageService(cfg, Metrics.registry(), Clock.systemUTC()).start()) {
            long t0 = System.nanoTime();
            service.refreshNow().get(); // queued behind the first scheduled refresh: the first view is in
            double first = (System.nanoTime() - t0) / 1e9;
            out.printf("first view after %.1f s%n", first);
            rows.add(new String[] {"first view after start (reads all " + days + " days of minute rows)",
                    String.format(Locale.ROOT, "%.1f s", first), "", ""});

            long[] refresh = new long[refreshes];
            for (int i = 0; i < refreshes; i++) {
                long s = System.nanoTime();
                service.refreshNow().get();
                refresh[i] = (System.nanoTime() - s) / 1_000_000;
            }
            Arrays.sort(refresh);
            out.printf("view refresh over %d days: %s ms%n", days, Arrays.toString(refresh));
            rows.add(new String[] {"one view refresh after that (re-reads the days written since; median of " + refreshes + ", max)",
                    refresh[refresh.length / 2] + " ms, max " + refresh[refresh.length - 1] + " ms", "", ""});

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String base = "http://127.0.0.1:" + service.publicPort();
            for (String path : List.of("/", "/api/v2/summary.json")) {
                time(http, base + path, requests, false); // warm-up
                Histogram quiet = time(http, base + path, requests, false);
                rows.add(latencyRow("GET " + path + ", quiet", quiet));
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger done = new AtomicInteger();
                Thread refresher = new Thread(() -> {
                    while (running.get()) {
                        try {
                            service.refreshNow().get();
                            done.incrementAndGet();
                        } catch (Exception e) {
                            return;
                        }
                    }
                }, "bench-refresher");
                refresher.start();
                Histogram busy;
                try {
                    busy = time(http, base + path, requests, true);
                } finally {
                    running.set(false);
                    refresher.join();
                }
                rows.add(latencyRow("GET " + path + ", while views refresh back to back (" + done.get() + " refreshes)", busy));
            }
        }
    }

    /** Sequential GETs on one keep-alive connection; microseconds. Fails on anything but 200. */
    private Histogram time(HttpClient http, String url, int n, boolean busy) throws Exception {
        Histogram h = new Histogram(60_000_000L, 3);
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).GET().build();
        long lastPrint = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            long us = (System.nanoTime() - s) / 1000;
            if (r.statusCode() != 200) throw new IllegalStateException("GET " + url + " answered " + r.statusCode());
            h.recordValue(Math.min(us, h.getHighestTrackableValue()));
            if (System.nanoTime() - lastPrint > 10_000_000_000L) {
                lastPrint = System.nanoTime();
                out.printf("  GET %s: %d of %d%n", url, i + 1, n);
            }
        }
        out.printf("GET %s%s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d requests)%n", url, busy ? " (refreshing)" : "",
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, n);
        return h;
    }

    private static String[] latencyRow(String what, Histogram h) {
        double p99 = h.getValueAtPercentile(99) / 1000.0;
        return new String[] {what, String.format(Locale.ROOT, "p50 %.2f ms, **p99 %.2f ms**, max %.2f ms",
                h.getValueAtPercentile(50) / 1000.0, p99, h.getMaxValue() / 1000.0), "p99 < 20 ms", verdict(p99 < P99_TARGET_MS)};
    }

    /**
     * A probe-only instance ({@code serve}, page=false) as its own JVM with the flags of --prober-jvm (the recommended ones by default), on its own fresh
     * database, probing two nodes and a canary at ports nothing listens on (every probe fails, is retried, and its
     * result written). Reads VmRSS from /proc every second; reports the peak and the last.
     */
    private void measureProber(List<String[]> rows) throws Exception {
        Path pki = dir.resolve("prober-pki");
        Files.createDirectories(pki);
        DevCa beaconCa = DevCa.create("bench beacon CA");
        DevCa companyCa = DevCa.create("bench company CA");
        beaconCa.write(pki.resolve("beacon-ca"));
        companyCa.write(pki.resolve("company-ca"));
        String td = "beacon.bench";
        issue(beaconCa, "beacon-ca", new DevCa.Request(Identity.wrapper(td, "canary", "status-page")), pki.resolve("wrapper"));
        issue(companyCa, "company-ca", new DevCa.Request(Identity.wrapper("company.bench", "canary", "status-page")), pki.resolve("inner-wrapper"));
        issue(beaconCa, "beacon-ca", new DevCa.Request(Identity.bridge(td, "canary", "canary")), pki.resolve("bridge"));
        issue(companyCa, "company-ca", new DevCa.Request(Identity.bridge("company.bench", "canary", "canary")), pki.resolve("inner-bridge"));

        int[] closed = {freePort(), freePort(), freePort(), freePort(), freePort()};
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(javaBin));
        for (String flag : proberJvm.trim().split("\\s+")) if (!flag.isEmpty()) cmd.add(flag);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StatusPageMain.class.getName(), "serve"));
        Map<String, String> sets = new LinkedHashMap<>();
        sets.put("location", "bench-prober");
        sets.put("page", "false");
        sets.put("dataDir", dir.resolve("prober").toString());
        sets.put("admin.port", "0");
        sets.put("probes.interval", interval.toSeconds() + "s");
        sets.put("probes.nodes", "node-1 127.0.0.1:" + closed[0] + " http://127.0.0.1:" + closed[1]
                + ",node-2 127.0.0.1:" + closed[2] + " http://127.0.0.1:" + closed[3]);
        sets.put("probes.canary.publicAddress", "127.0.0.1:" + closed[4]);
        for (String[] id : new String[][] {{"wrapper", "wrapper"}, {"innerWrapper", "inner-wrapper"}, {"bridge", "bridge"},
                {"innerBridge", "inner-bridge"}}) {
            Path d = pki.resolve(id[1]);
            sets.put("probes." + id[0] + ".cert", d.resolve("tls.crt").toString());
            sets.put("probes." + id[0] + ".key", d.resolve("tls.key").toString());
            sets.put("probes." + id[0] + ".ca", d.resolve("ca.crt").toString());
        }
        sets.forEach((k, v) -> {
            cmd.add("--set");
            cmd.add(k + "=" + v);
        });
        Path log = dir.resolve("prober.log");
        out.printf("starting a probe-only instance (its own JVM, flags '%s') for %d s; log %s%n", proberJvm, probeSeconds, log);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long peak = 0;
        long last = 0;
        try {
            // the window starts once it probes: on a loaded machine the JVM alone can take seconds to get there
            long startBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!probing(log)) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("the probe-only instance exited with " + p.exitValue() + "; see " + log);
                }
                if (System.nanoTime() > startBy) {
                    throw new IllegalStateException("the probe-only instance did not start probing within 60 s; see " + log);
                }
                peak = Math.max(peak, rssKb(p.pid()));
                Thread.sleep(100);
            }
            long end = System.nanoTime() + probeSeconds * 1_000_000_000L;
            long lastPrint = System.nanoTime();
            while (System.nanoTime() < end) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("the probe-only instance exited with " + p.exitValue() + "; see " + log);
                }
                last = rssKb(p.pid());
                peak = Math.max(peak, last);
                if (System.nanoTime() - lastPrint > 10_000_000_000L) {
                    lastPrint = System.nanoTime();
                    out.printf("  prober RSS %.1f MB%n", last / 1024.0);
                }
                Thread.sleep(1000);
            }
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        out.printf("prober RSS: last %.1f MB, peak %.1f MB%n", last / 1024.0, peak / 1024.0);
        rows.add(new String[] {"prober RSS (probe-only `serve`, own JVM with the recommended flags, 5 components failing, after "
                + probeSeconds + " s; peak)", String.format(Locale.ROOT, "%.0f MB (last %.0f MB)", peak / 1024.0, last / 1024.0),
                "< " + RSS_TARGET_MB + " MB", verdict(peak / 1024.0 < RSS_TARGET_MB)});
    }

    /** Whether the prober's log says it started probing (its "probing location=..." line). */
    private static boolean probing(Path log) throws IOException {
        if (!Files.exists(log)) return false;
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.anyMatch(l -> l.contains("probing location="));
        } catch (java.io.UncheckedIOException e) {
            return false; // a line being written in a charset-odd state: look again
        }
    }

    private static void issue(DevCa ca, String caDir, DevCa.Request r, Path dir) throws IOException {
        Files.createDirectories(dir);
        ca.issue(r, dir.resolve("tls.crt"), dir.resolve("tls.key"));
        Files.writeString(dir.resolve("ca.crt"), Files.readString(dir.getParent().resolve(caDir).resolve("ca.crt")));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** VmRSS of a process in kB (Linux); 0 when /proc does not say. */
    static long rssKb(long pid) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/" + pid + "/status"))) {
            return lines.filter(l -> l.startsWith("VmRSS:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).orElse(0L);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String verdict(boolean met) {
        return met ? "met" : "**MISSED**";
    }

    static String table(List<String[]> rows) {
        StringBuilder b = new StringBuilder("| figure | measured | target | |\n|---|---|---|---|\n");
        for (String[] r : rows) b.append("| ").append(String.join(" | ", r)).append(" |\n");
        return b.toString();
    }

    private String machine(Target target) {
        String cpu = "unknown CPU";
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            cpu = lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException | RuntimeException ignored) {
            // not Linux: the CPU stays unnamed
        }
        return String.format(Locale.ROOT, "Machine: %s, %d cores available, %s %s (%s), max heap %d MB. Database: %s. Command:"
                        + " `status-page.jar bench --days %d --components %d --locations %d --interval %s --requests %d"
                        + " --refreshes %d --probe-seconds %d%s`.",
                cpu, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                Runtime.getRuntime().maxMemory() / (1024 * 1024), database, days, components, locations,
                interval.toSeconds() + "s", requests, refreshes, probeSeconds, jdbcUrl == null ? "" : " --jdbc-url " + target.masked());
    }

    /** Replaces what lies between the markers (they must be there, once each). */
    static void writeDocs(Path file, String content, String begin, String end) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int a = text.indexOf(begin);
        int b = text.indexOf(end);
        if (a < 0 || b < a) throw new IllegalStateException(file + " has no '" + begin + "' ... '" + end + "' markers");
        Files.writeString(file, text.substring(0, a + begin.length()) + "\n" + content + text.substring(b), StandardCharsets.UTF_8);
    }

    /** 30s, 5m, 1h, or an ISO-8601 duration. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String v) {
            String s = v.trim().toLowerCase(Locale.ROOT);
            try {
                if (s.startsWith("p")) return Duration.parse(v);
                long n = Long.parseLong(s.substring(0, s.length() - 1));
                return switch (s.charAt(s.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> throw new IllegalArgumentException();
                };
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("'" + v + "' is not a duration (try 30s, 1m or PT30S)");
            }
        }
    }
}
