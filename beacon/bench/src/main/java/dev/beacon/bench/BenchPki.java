package dev.beacon.bench;

import dev.beacon.tls.DevCa;
import dev.beacon.tls.Identity;
import dev.beacon.tls.TlsFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's certificates, all ECDSA P-256 from one CA, so every set-up presents and checks the same kind of
 * certificate: the server's, the client's (a wrapper identity), the bench bridge's and one per beacon node. HAProxy
 * gets PEM bundles (certificate then key) made from the same files.
 */
record BenchPki(Path dir, TlsFiles server, TlsFiles client, TlsFiles bridge, List<TlsFiles> nodes) {
    static final String DOMAIN = "bench.local";
    static final String TENANT = "bench";
    static final String BRIDGE = "bench";

    static BenchPki create(Path dir, int nodes) {
        DevCa ca = DevCa.create("beacon bench CA");
        Path caDir = dir.resolve("ca");
        ca.write(caDir);
        TlsFiles server = issue(ca, caDir, new DevCa.Request(Identity.node(DOMAIN, "bench-server")).dns("localhost").ip("127.0.0.1"),
                dir.resolve("server"));
        TlsFiles client = issue(ca, caDir, new DevCa.Request(Identity.wrapper(DOMAIN, TENANT, "load")), dir.resolve("client"));
        TlsFiles bridge = issue(ca, caDir, new DevCa.Request(Identity.bridge(DOMAIN, TENANT, BRIDGE)), dir.resolve("bridge"));
        List<TlsFiles> nodeFiles = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            String id = "node-" + (char) ('a' + i);
            nodeFiles.add(issue(ca, caDir, new DevCa.Request(Identity.node(DOMAIN, id)).dns("localhost").ip("127.0.0.1"), dir.resolve(id)));
        }
        return new BenchPki(dir, server, client, bridge, nodeFiles);
    }

    /** Certificate and key in one file, as HAProxy's {@code crt} wants them. */
    static Path bundle(TlsFiles f, Path out) {
        try {
            Files.writeString(out, Files.readString(f.cert()) + Files.readString(f.key()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TlsFiles issue(DevCa ca, Path caDir, DevCa.Request r, Path out) {
        try {
            Files.createDirectories(out);
            ca.issue(r, out.resolve("tls.crt"), out.resolve("tls.key"));
            Files.copy(caDir.resolve("ca.crt"), out.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
            return new TlsFiles(out.resolve("tls.crt"), out.resolve("tls.key"), out.resolve("ca.crt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
