package dev.beacon.bridge.openbao;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Redirect rules the simulator cannot provoke: an https node redirecting to plain http, and to a stranger. */
class VaultProxyRedirectTest {
    @TempDir
    Path dir;

    @Test
    void neverFollowsARedirectFromHttpsToHttpNorToAnUnknownHost() throws Exception {
        TlsFiles cert = TestPki.create(dir).node("bao");
        Vertx vertx = Vertx.vertx();
        AtomicInteger plainHits = new AtomicInteger();
        HttpServer plain = vertx.createHttpServer().requestHandler(r -> {
            if (!r.path().equals("/v1/sys/health")) plainHits.incrementAndGet();
            r.response().setStatusCode(429).end("{}"); // a standby, reachable over plain http
        }).listen(0, "127.0.0.1").await();
        String[] target = {""};
        HttpServer tls = vertx.createHttpServer(new HttpServerOptions().setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.cert().toString()).setKeyPath(cert.key().toString())))
                .requestHandler(r -> {
                    if (r.path().equals("/v1/sys/health")) {
                        r.response().setStatusCode(200).end("{\"initialized\":true,\"sealed\":false,\"standby\":false}");
                    } else {
                        r.response().setStatusCode(307).putHeader("Location", target[0] + r.uri()).end();
                    }
                }).listen(0, "127.0.0.1").await();
        OpenBaoConfig c = new OpenBaoConfig();
        c.addresses = List.of("https://127.0.0.1:" + tls.actualPort(), "http://127.0.0.1:" + plain.actualPort());
        c.ca = cert.ca().toString();
        c.deadline = Duration.ofSeconds(3);
        try (VaultProxy proxy = new VaultProxy(c, new SimpleMeterRegistry())) {
            Await.until("leader known", Duration.ofSeconds(10), proxy::hasActive);
            HttpClient http = HttpClient.newHttpClient();
            URI u = URI.create("http://" + proxy.address() + "/v1/secret/data/x");

            target[0] = "http://127.0.0.1:" + plain.actualPort();
            HttpResponse<String> down = http.send(HttpRequest.newBuilder(u).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(502, down.statusCode(), down.body());
            assertTrue(down.body().contains("refusing OpenBao's redirect from https to http"), down.body());
            assertEquals(0, plainHits.get(), "the request body never went out in plain text");

            target[0] = "https://198.51.100.7:8200";
            HttpResponse<String> stranger = http.send(HttpRequest.newBuilder(u).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(502, stranger.statusCode(), stranger.body());
            assertTrue(stranger.body().contains("not a configured node"), stranger.body());
        } finally {
            vertx.close().await();
        }
    }
}
