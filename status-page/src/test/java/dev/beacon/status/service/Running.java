package dev.beacon.status.service;

import dev.beacon.config.ConfigLoader;
import dev.beacon.runtime.Metrics;
import dev.beacon.status.Status;
import dev.beacon.status.store.StoredResult;
import dev.beacon.status.view.StatusView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole service in-process on loopback: probing off, its own database, a clock the test sets, and refreshes only
 * when the test asks (or an admin change does), so each assertion sees exactly what was written before it.
 */
final class Running implements AutoCloseable {
    static final String TOKEN = "test-token-0123456789abcdef";
    static final Instant T0 = Instant.parse("2030-01-15T12:00:00Z");

    final TestClock clock = new TestClock(T0);
    final StatusPageService service;
    private final HttpClient http = HttpClient.newHttpClient();

    Running(Path dataDir, String... sets) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("probe", "false");
        m.put("dataDir", dataDir.toString());
        m.put("listen.host", "127.0.0.1");
        m.put("listen.port", "0");
        m.put("admin.port", "0");
        m.put("admin.token", TOKEN);
        m.put("refreshInterval", "1h");
        for (String s : sets) m.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
        StatusPageConfig cfg = ConfigLoader.load(StatusPageConfig.class, null, "STATUS", Map.of(), m);
        service = new StatusPageService(cfg, Metrics.registry(), clock).start();
    }

    /** One result per location in the minute starting at {@code minute} (at second 10 of it). */
    void minute(String component, Instant minute, Status... perLocation) {
        List<StoredResult> rs = new ArrayList<>();
        for (int i = 0; i < perLocation.length; i++) {
            rs.add(new StoredResult("loc" + i, component, minute.plusSeconds(10), perLocation[i], 20 + i,
                    perLocation[i] == Status.DOWN ? "connection refused" : null));
        }
        service.store().record(rs);
    }

    static Instant min(int n) {
        return T0.plus(Duration.ofMinutes(n));
    }

    StatusView refresh() throws Exception {
        return service.refreshNow().get();
    }

    HttpResponse<String> admin(String method, String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.adminPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (body != null) b.header("content-type", "application/json");
        return send(b.build());
    }

    HttpResponse<String> admin(String method, String path, String body) {
        return admin(method, path, body, TOKEN);
    }

    HttpResponse<String> get(int port, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build());
    }

    private HttpResponse<String> send(HttpRequest r) {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        service.close();
    }
}
