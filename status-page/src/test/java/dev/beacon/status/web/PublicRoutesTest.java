package dev.beacon.status.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.status.view.StatusView;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every public route over a real loopback socket: status, Content-Type, ETag, Cache-Control and a 304. */
class PublicRoutesTest {
    private static final AtomicReference<StatusView> VIEW = new AtomicReference<>(Fixture.view());
    private static Vertx vertx;
    private static int port;
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        PublicRoutes.mount(router, VIEW::get);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        port = server.actualPort();
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    record Route(String path, String contentType, String cacheControl, String contains) {
    }

    @Test
    void everyRouteAnswersWithTypeEtagCacheControlAndA304ForItsEtag() throws Exception {
        List<Route> routes = List.of(
                new Route("/", "text/html; charset=utf-8", "public, max-age=30", "Degraded performance"),
                new Route("/api/v2/summary.json", "application/json; charset=utf-8", "public, max-age=30", "\"scheduled_maintenances\""),
                new Route("/api/v2/status.json", "application/json; charset=utf-8", "public, max-age=30", "\"indicator\":\"minor\""),
                new Route("/api/v2/components.json", "application/json; charset=utf-8", "public, max-age=30", "\"only_show_if_degraded\""),
                new Route("/api/v2/incidents.json", "application/json; charset=utf-8", "public, max-age=30", "\"incident_updates\""),
                new Route("/api/v2/incidents/unresolved.json", "application/json; charset=utf-8", "public, max-age=30", "Ashburn"),
                new Route("/api/v2/scheduled-maintenances.json", "application/json; charset=utf-8", "public, max-age=30", "\"completed\""),
                new Route("/api/v2/scheduled-maintenances/upcoming.json", "application/json; charset=utf-8", "public, max-age=30", "Database migration"),
                new Route("/api/v2/scheduled-maintenances/active.json", "application/json; charset=utf-8", "public, max-age=30", "Certificate rotation"),
                new Route("/api/v1/uptime/canary/30d", "application/json; charset=utf-8", "public, max-age=30", "\"bad_minutes\":42"),
                new Route("/api/v1/uptime/service/month", "application/json; charset=utf-8", "public, max-age=30", "\"error_budget\""),
                new Route("/history.atom", "application/atom+xml; charset=utf-8", "public, max-age=30",
                        "<id>http://127.0.0.1:" + port + "/#incident-7</id>"),
                new Route("/badge/status.svg", "image/svg+xml; charset=utf-8", "public, max-age=300", "Degraded performance"),
                new Route("/badge/uptime/fra-1-tls.svg", "image/svg+xml; charset=utf-8", "public, max-age=300", ">99.90%</text>"));
        for (Route route : routes) {
            HttpResponse<String> r = get(route.path());
            assertEquals(200, r.statusCode(), route.path());
            assertEquals(route.contentType(), header(r, "Content-Type"), route.path());
            assertEquals(route.cacheControl(), header(r, "Cache-Control"), route.path());
            assertTrue(r.body().contains(route.contains()), route.path() + " contains " + route.contains());
            String etag = header(r, "ETag");
            assertNotNull(etag, route.path());
            assertEquals(Cached.etag(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8)), etag, "the ETag is the body's hash");

            HttpResponse<String> again = get(route.path(), "If-None-Match", etag);
            assertEquals(304, again.statusCode(), route.path());
            assertEquals("", again.body());
            assertEquals(etag, header(again, "ETag"));
            assertEquals(route.cacheControl(), header(again, "Cache-Control"));
            assertEquals(200, get(route.path(), "If-None-Match", "\"something-else\"").statusCode(), route.path());
        }
    }

    @Test
    void theFaviconABrowserAsksForIsAnEmptyAnswerNotA404() throws Exception {
        HttpResponse<String> icon = get("/favicon.ico");
        assertEquals(204, icon.statusCode(), "a 404 would be an error in every visitor's console");
        assertEquals("public, max-age=300", header(icon, "Cache-Control"));
    }

    @Test
    void unknownThingsAre404sWithASmallPage() throws Exception {
        HttpResponse<String> page = get("/no/such/page");
        assertEquals(404, page.statusCode());
        assertEquals("text/html; charset=utf-8", header(page, "Content-Type"));
        assertTrue(page.body().contains("Not found"));
        assertNotNull(header(page, "ETag"));

        HttpResponse<String> component = get("/api/v1/uptime/nope/30d");
        assertEquals(404, component.statusCode());
        assertEquals("application/json; charset=utf-8", header(component, "Content-Type"));
        assertTrue(component.body().contains("\"canary\""), "says which components exist");
        assertEquals(404, get("/api/v1/uptime/canary/1y").statusCode());
        assertEquals(404, get("/badge/uptime/nope.svg").statusCode());
        assertEquals(404, get("/badge/uptime/canary.png").statusCode());
    }

    @Test
    void aNewViewIsANewBodyAndANewEtag() throws Exception {
        String before = header(get("/"), "ETag");
        StatusView old = VIEW.get();
        try {
            VIEW.set(Fixture.view(true, "Relay in Frankfurt unreachable", "x"));
            HttpResponse<String> after = get("/", "If-None-Match", before);
            assertEquals(200, after.statusCode(), "a changed body does not match the old ETag");
            assertTrue(after.body().contains("Stale data."));
            assertEquals(304, get("/api/v2/status.json", "If-None-Match", header(get("/api/v2/status.json"), "ETag")).statusCode());
        } finally {
            VIEW.set(old);
        }
    }

    @Test
    void aBadgeLabelFromTheQueryIsEscaped() throws Exception {
        HttpResponse<String> r = get("/badge/status.svg?label=%3Cscript%3Ealert(1)%3C/script%3E");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assertTrue(!r.body().contains("<script"));
    }

    @Test
    void headAnswersWithTheHeadersAndNoBody() throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("", r.body());
        assertNotNull(header(r, "ETag"));
        assertEquals("text/html; charset=utf-8", header(r, "Content-Type"));
        assertEquals(header(get("/"), "ETag"), header(r, "ETag"));
        assertEquals(String.valueOf(get("/").body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length), header(r, "Content-Length"));
    }

    @Test
    void beforeTheFirstViewEveryRouteSaysItIsStarting() throws Exception {
        StatusView old = VIEW.get();
        try {
            VIEW.set(null);
            HttpResponse<String> r = get("/api/v2/summary.json");
            assertEquals(503, r.statusCode());
            assertEquals("10", header(r, "Retry-After"));
            assertEquals("no-cache", header(r, "Cache-Control"));
        } finally {
            VIEW.set(old);
        }
    }
}
