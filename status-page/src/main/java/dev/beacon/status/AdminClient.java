package dev.beacon.status;

import dev.beacon.runtime.Cli;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options and the HTTP calls every admin-API command shares: where the API is and the bearer token. */
final class AdminClient {
    @Option(names = "--admin", paramLabel = "URL", defaultValue = "${env:STATUS_ADMIN_URL:-http://127.0.0.1:8081}",
            description = "Admin address of the running status page (default: ${DEFAULT-VALUE}, or STATUS_ADMIN_URL)")
    String admin;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File holding the admin API's bearer token (default: the STATUS_ADMIN_TOKEN environment variable)")
    Path tokenFile;

    /** A failure the server or the network reported (exit 1), said in one line. */
    static final class Failure extends RuntimeException {
        Failure(String m) {
            super(m);
        }
    }

    String call(String method, String path, JsonObject body) {
        String token = token();
        URI uri;
        try {
            uri = URI.create(admin.replaceAll("/+$", "") + path);
            if (uri.getHost() == null) throw new IllegalArgumentException();
        } catch (IllegalArgumentException e) {
            throw new Cli.UsageException("--admin must be a URL like http://127.0.0.1:8081, got '" + admin + "'");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
        if (body != null) b.header("content-type", "application/json");
        HttpResponse<String> r;
        try {
            r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Failure("cannot reach the admin API at " + admin + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
        if (r.statusCode() / 100 != 2) {
            String why;
            try {
                why = new JsonObject(r.body()).getString("error", r.body());
            } catch (DecodeException | ClassCastException e) {
                why = r.body().isBlank() ? "HTTP " + r.statusCode() : r.body().strip();
            }
            throw new Failure("admin API refused (" + r.statusCode() + "): " + why);
        }
        return r.body();
    }

    private String token() {
        String t;
        if (tokenFile != null) {
            try {
                t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new Cli.UsageException("--token-file: cannot read " + tokenFile + ": " + e.getMessage());
            }
        } else {
            t = System.getenv("STATUS_ADMIN_TOKEN");
        }
        if (t == null || t.isBlank()) throw new Cli.UsageException("the admin API needs a token: --token-file FILE or STATUS_ADMIN_TOKEN");
        return t;
    }
}
