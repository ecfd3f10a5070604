package dev.beacon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * nginx's stream module doing the beacon's job, the second competitor: terminating mTLS from the client
 * ({@code ssl_verify_client on}, same CA) and originating mTLS to the server ({@code proxy_ssl on}, its own client
 * certificate, the server's certificate and name verified, backend sessions reused as nginx does by default),
 * TLS 1.3 only with the suites and preference HAProxy gets. A second server answers with {@code return ""}: it
 * completes the handshake and closes, as HAProxy's handshake frontend does, for the handshake figure.
 * Runs as the current user in the foreground with its own prefix under the work directory (no root, no port 80).
 */
final class Nginx {
    private Nginx() {
    }

    /** "nginx/1.22.1", or null if nginx is not installed. */
    static String version() {
        String out = run("-v");
        if (out == null) return null;
        Matcher m = Pattern.compile("nginx/\\S+").matcher(out);
        return m.find() ? m.group() : null;
    }

    /** The TLS library nginx runs with, from {@code nginx -V}, e.g. "OpenSSL 3.0.19 27 Jan 2026". */
    static String tlsLibrary() {
        String out = run("-V");
        if (out == null) return "?";
        Matcher running = Pattern.compile("running with ([^)]+)\\)").matcher(out);
        if (running.find()) return running.group(1).trim();
        Matcher built = Pattern.compile("built with (.+)").matcher(out);
        return built.find() ? built.group(1).trim() : "?";
    }

    /**
     * The {@code load_module} line the stream module needs: "" when it is built in, the line when it is a dynamic
     * module whose file exists (Debian: libnginx-mod-stream), null when nginx has no stream module here.
     */
    static String streamModule() {
        String out = run("-V");
        if (out == null) return null;
        if (out.contains("--with-stream=dynamic")) {
            Matcher m = Pattern.compile("--modules-path=(\\S+)").matcher(out);
            Path so = Path.of(m.find() ? m.group(1) : "/usr/lib/nginx/modules", "ngx_stream_module.so");
            return Files.isReadable(so) ? "load_module " + so + ";" : null;
        }
        return out.contains("--with-stream ") || out.contains("--with-stream\n") ? "" : null;
    }

    /** The command that runs nginx in the foreground with {@code cfg}, its prefix and error log under {@code prefix}. */
    static List<String> command(Path prefix, Path cfg) {
        return List.of("nginx", "-p", prefix.toAbsolutePath() + "/", "-c", cfg.toAbsolutePath().toString(), "-e", "stderr",
                "-g", "daemon off;");
    }

    /** The worker processes of the nginx master {@code master}. */
    static long[] workers(long master) {
        return ProcessHandle.of(master).map(h -> h.children().mapToLong(ProcessHandle::pid).toArray()).orElse(new long[0]);
    }

    /** Master and workers: the relay's CPU is theirs together. */
    static long[] all(long master) {
        long[] w = workers(master);
        long[] out = new long[w.length + 1];
        out[0] = master;
        System.arraycopy(w, 0, out, 1, w.length);
        return out;
    }

    static Path writeConfig(Path dir, String loadModule, BenchPki pki, int port, int handshakePort, int serverPort, int workers,
            int connections, int openFiles) throws IOException {
        Path prefix = dir.resolve("nginx");
        Files.createDirectories(prefix.resolve("logs"));
        var front = pki.server();
        var back = pki.nodes().get(0);
        String ca = pki.server().ca().toAbsolutePath().toString();
        List<String> l = new ArrayList<>(List.of(
                "# written by beacon-bench: nginx's stream module relaying mTLS to mTLS, the beacon's job",
                loadModule));
        // As root, nginx would switch its workers to 'nobody'; the benchmark runs it as the current user.
        if ("root".equals(System.getProperty("user.name"))) l.add("user root;");
        l.addAll(List.of(
                "worker_processes " + workers + ";",
                "worker_rlimit_nofile " + openFiles + ";",
                "pid " + prefix.toAbsolutePath().resolve("nginx.pid") + ";",
                "error_log stderr warn;",
                "events {",
                "    worker_connections " + connections + ";",
                "}",
                "stream {",
                "    ssl_protocols TLSv1.3;",
                "    ssl_conf_command Ciphersuites " + Haproxy.SUITES + ";",
                "    ssl_prefer_server_ciphers on;",
                "    ssl_certificate " + front.cert().toAbsolutePath() + ";",
                "    ssl_certificate_key " + front.key().toAbsolutePath() + ";",
                "    ssl_client_certificate " + ca + ";",
                "    ssl_verify_client on;",
                "    ssl_verify_depth 2;",
                "    proxy_connect_timeout 10s;",
                "    proxy_timeout 1h;",
                "    server {",
                "        listen 127.0.0.1:" + port + " ssl;",
                "        proxy_pass 127.0.0.1:" + serverPort + ";",
                "        proxy_ssl on;",
                "        proxy_ssl_protocols TLSv1.3;",
                "        proxy_ssl_conf_command Ciphersuites " + Haproxy.SUITES + ";",
                "        proxy_ssl_certificate " + back.cert().toAbsolutePath() + ";",
                "        proxy_ssl_certificate_key " + back.key().toAbsolutePath() + ";",
                "        proxy_ssl_trusted_certificate " + ca + ";",
                "        proxy_ssl_verify on;",
                "        proxy_ssl_verify_depth 2;",
                "        proxy_ssl_name localhost;",
                "        proxy_ssl_session_reuse on;",
                "    }",
                "    # the handshake figure: complete the mTLS handshake, send nothing, close",
                "    server {",
                "        listen 127.0.0.1:" + handshakePort + " ssl;",
                "        return \"\";",
                "    }",
                "}",
                ""));
        Path cfg = dir.resolve("nginx.cfg");
        Files.writeString(cfg, String.join("\n", l));
        return cfg;
    }

    private static String run(String flag) {
        try {
            Process p = new ProcessBuilder("nginx", flag).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
