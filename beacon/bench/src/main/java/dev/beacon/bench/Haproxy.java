package dev.beacon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * HAProxy doing the beacon's job: TCP mode, terminating mTLS from the client (verify required, same CA) and
 * originating mTLS to the server (its own client certificate, server certificate verified), TLS 1.3 only with the
 * same suites and the same number of threads as the beacon's event loops. A second frontend without a backend
 * serves the handshake figure (the handshake alone, as on the beacon and the direct server). {@link #writeFloorConfig}
 * is a second instance, for the socket floor of relay CPU per GB.
 */
final class Haproxy {
    static final String SUITES = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

    private Haproxy() {
    }

    /** The haproxy binary's version line, or null if it is not installed. */
    static String version() {
        try {
            Process p = new ProcessBuilder("haproxy", "-v").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out.lines().findFirst().orElse("haproxy").trim();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The TLS library HAProxy runs on, from {@code haproxy -vv}, e.g. "OpenSSL 3.0.19 27 Jan 2026". */
    static String tlsLibrary() {
        try {
            Process p = new ProcessBuilder("haproxy", "-vv").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out.lines().filter(l -> l.startsWith("Running on")).map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst()
                    .orElse("?");
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    static Path writeConfig(Path dir, BenchPki pki, int port, int handshakePort, int serverPort, int threads, int maxconn) throws IOException {
        Path front = BenchPki.bundle(pki.server(), dir.resolve("haproxy-front.pem"));
        Path back = BenchPki.bundle(pki.nodes().get(0), dir.resolve("haproxy-back.pem"));
        String ca = pki.server().ca().toString();
        String bind = "ssl crt " + front + " ca-file " + ca + " verify required ssl-min-ver TLSv1.3";
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, String.join("\n", List.of(
                "# written by beacon-bench: HAProxy relaying mTLS to mTLS, the beacon's job",
                "global",
                "    nbthread " + threads,
                "    maxconn " + maxconn,
                "    ssl-default-bind-ciphersuites " + SUITES,
                "    ssl-default-server-ciphersuites " + SUITES,
                "    tune.ssl.default-dh-param 2048",
                defaults(maxconn),
                "frontend relay",
                "    bind 127.0.0.1:" + port + " " + bind,
                "    default_backend bench",
                "backend bench",
                "    server s1 127.0.0.1:" + serverPort + " ssl crt " + back + " ca-file " + ca
                        + " verify required verifyhost localhost ssl-min-ver TLSv1.3 maxconn " + maxconn,
                "frontend handshake",
                "    bind 127.0.0.1:" + handshakePort + " " + bind,
                "    tcp-request session reject",
                "")));
        return cfg;
    }

    /** The defaults section both configurations share: TCP mode, timeouts long enough for idle streams. */
    private static String defaults(int maxconn) {
        return String.join("\n", "defaults", "    mode tcp", "    timeout connect 10s", "    timeout client 1h", "    timeout server 1h",
                "    maxconn " + maxconn);
    }

    /** Buffer of the socket-floor relay: large, so that it makes few system calls per byte (HAProxy's default is 16 KiB). */
    static final int FLOOR_BUFSIZE = 256 * 1024;

    /**
     * A second HAProxy for the socket floor: it passes streams through in plain TCP (the client's TLS goes on to the
     * server untouched) with {@link #FLOOR_BUFSIZE} buffers, so it only receives and sends. Its CPU per GB is what
     * the sockets cost a user-space relay on this kernel, which a relay that must see the bytes cannot avoid.
     */
    /**
     * HAProxy under the name {@code haproxy-floor} (a symbolic link in {@code dir}), so that ps, top and perf tell the
     * floor's process from the competitor's.
     */
    static Path floorExecutable(Path dir) throws IOException {
        Path link = dir.resolve("haproxy-floor");
        Path real = null;
        for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
            Path c = Path.of(d, "haproxy");
            if (Files.isExecutable(c)) { real = c.toRealPath(); break; }
        }
        if (real == null) throw new IOException("haproxy is not on the PATH");
        Files.deleteIfExists(link);
        return Files.createSymbolicLink(link, real);
    }

    static Path writeFloorConfig(Path dir, int port, int serverPort, int maxconn) throws IOException {
        Path cfg = dir.resolve("haproxy-floor.cfg");
        Files.writeString(cfg, String.join("\n", List.of(
                "# written by beacon-bench: the socket floor, plain TCP pass-through with large buffers",
                "global",
                "    nbthread 1",
                "    maxconn " + maxconn,
                "    tune.bufsize " + FLOOR_BUFSIZE,
                defaults(maxconn),
                "frontend plain",
                "    bind 127.0.0.1:" + port,
                "    default_backend plain",
                "backend plain",
                "    server s1 127.0.0.1:" + serverPort + " maxconn " + maxconn,
                "")));
        return cfg;
    }
}
