package dev.beacon.status.web;

import dev.beacon.status.uptime.RollingWindow;
import dev.beacon.status.view.StatusView;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The public side of the status page on a Vert.x router: the HTML page, the Statuspage-shaped JSON API, the Atom
 * feed and the badges, all rendered from the current {@link StatusView}.
 *
 * <pre>
 *   GET /                                        the page (HTML, no JavaScript)
 *   GET /api/v2/summary.json, status.json, components.json, incidents.json, incidents/unresolved.json,
 *       scheduled-maintenances.json, scheduled-maintenances/upcoming.json, scheduled-maintenances/active.json
 *                                                Statuspage v2 JSON
 *   GET /api/v1/uptime/{component}/{window}      one window's minutes and uptime (window 24h|7d|30d|90d|month)
 *   GET /history.atom                            incidents as Atom 1.0
 *   GET /badge/status.svg, /badge/uptime/{component}.svg   shields-style badges (?label= replaces the label)
 * </pre>
 *
 * Every answer carries an ETag (a hash of the body), Cache-Control and a Content-Type with charset, and is a 304 for a
 * matching If-None-Match. A body is rendered once per view and URL and reused until the supplier hands out a new view.
 */
public final class PublicRoutes {
    /** The page only styles itself; nothing may load, run or frame it. */
    static final String CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
            + "form-action 'none'; frame-ancestors 'none'";

    private PublicRoutes() {
    }

    /**
     * Mounts every public route on {@code router}; {@code view} is asked once per request and never blocks. Absolute
     * links in the JSON and the feed are built from the request's Host; behind a shared cache, prefer
     * {@link #mount(Router, Supplier, URI)} so a forged Host cannot end up in a cached body.
     */
    public static void mount(Router router, Supplier<StatusView> view) {
        mount(router, view, null);
    }

    /** As {@link #mount(Router, Supplier)}, with the page's public URL (e.g. https://status.example.net) for absolute links. */
    public static void mount(Router router, Supplier<StatusView> view, URI publicUrl) {
        new Mount(router, view, publicUrl == null ? null : publicUrl.toString().replaceAll("/+$", "")).all();
    }

    private record Request(StatusView view, String base, RoutingContext rc) {
        String param(String name) {
            return rc.pathParam(name);
        }
    }

    private static final class Mount {
        private final Router router;
        private final Supplier<StatusView> views;
        private final String publicUrl;
        /** The last body rendered for each URL, with the view and base it was rendered from. */
        private final Map<String, Rendered> rendered = new ConcurrentHashMap<>();

        private record Rendered(StatusView view, String base, Cached response) {
        }

        Mount(Router router, Supplier<StatusView> views, String publicUrl) {
            this.router = router;
            this.views = views;
            this.publicUrl = publicUrl;
        }

        void all() {
            get("/", r -> Cached.ok(Cached.HTML, Cached.SHORT, HtmlPage.render(r.view())));
            get("/api/v2/summary.json", r -> json(api(r).summary()));
            get("/api/v2/status.json", r -> json(api(r).statusJson()));
            get("/api/v2/components.json", r -> json(api(r).componentsJson()));
            get("/api/v2/incidents.json", r -> json(api(r).incidentsJson(false)));
            get("/api/v2/incidents/unresolved.json", r -> json(api(r).incidentsJson(true)));
            get("/api/v2/scheduled-maintenances.json", r -> json(api(r).maintenancesJson(StatuspageApi.Maintenances.ALL)));
            get("/api/v2/scheduled-maintenances/upcoming.json", r -> json(api(r).maintenancesJson(StatuspageApi.Maintenances.UPCOMING)));
            get("/api/v2/scheduled-maintenances/active.json", r -> json(api(r).maintenancesJson(StatuspageApi.Maintenances.ACTIVE)));
            get("/api/v1/uptime/:component/:window", r -> UptimeApi.render(r.view(), r.param("component"), r.param("window"))
                    .map(PublicRoutes::json)
                    .orElseGet(() -> Cached.of(404, Cached.JSON, Cached.ERROR, UptimeApi.notFound(r.view()))));
            get("/history.atom", r -> Cached.ok(Cached.ATOM, Cached.SHORT, AtomFeed.render(r.view(), r.base())));
            get("/badge/status.svg", r -> Cached.ok(Cached.SVG, Cached.BADGE,
                    Badge.status(r.view().indicator(), r.view().stale(), label(r, "status"))));
            get("/badge/uptime/:file", PublicRoutes::uptimeBadge);
            // browsers ask for it on every first visit; a 404 there is an error in every visitor's console
            router.route("/favicon.ico").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(rc -> rc.response()
                    .setStatusCode(204).putHeader("Cache-Control", Cached.BADGE).end());
            router.errorHandler(404, rc -> send(rc, Cached.of(404, Cached.HTML, Cached.ERROR,
                    smallPage("Not found", "There is no such page here. The status page is at <a href=\"/\">/</a>."))));
            router.errorHandler(405, rc -> send(rc, Cached.of(405, Cached.HTML, Cached.ERROR,
                    smallPage("Method not allowed", "This page can only be read (GET)."))));
            router.errorHandler(500, rc -> send(rc, Cached.of(500, Cached.HTML, Cached.ERROR,
                    smallPage("Something went wrong", "The status page could not render this; try again in a minute."))));
        }

        private void get(String path, Function<Request, Cached> render) {
            router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(rc -> {
                StatusView view = views.get();
                if (view == null) {
                    rc.response().putHeader("Retry-After", "10");
                    send(rc, Cached.of(503, Cached.HTML, Cached.ERROR,
                            smallPage("Starting", "The status page has no data yet; try again in a few seconds.")));
                    return;
                }
                String base = publicUrl != null ? publicUrl : base(rc.request());
                // Query strings (a badge's label) are not memoised: they are the caller's to vary without bound.
                String key = rc.request().query() == null ? rc.normalizedPath() : null;
                Rendered last = key == null ? null : rendered.get(key);
                Cached response;
                if (last != null && last.view() == view && last.base().equals(base)) {
                    response = last.response();
                } else {
                    response = render.apply(new Request(view, base, rc));
                    if (key != null && response.status() == 200) {
                        rendered.put(key, new Rendered(view, base, response));
                    }
                }
                send(rc, response);
            });
        }

        private StatuspageApi api(Request r) {
            return new StatuspageApi(r.view(), r.base());
        }
    }

    private static Cached json(String body) {
        return Cached.ok(Cached.JSON, Cached.SHORT, body);
    }

    private static Cached uptimeBadge(Request r) {
        String file = r.param("file");
        String id = file.endsWith(".svg") ? file.substring(0, file.length() - 4) : null;
        var component = id == null ? java.util.Optional.<StatusView.ComponentView>empty() : UptimeApi.find(r.view(), id);
        String label = label(r, "uptime 30d");
        if (component.isEmpty()) {
            return Cached.of(404, Cached.SVG, Cached.ERROR, Badge.render(label, "unknown component", Badge.GREY));
        }
        var rolling = component.get().rolling();
        return Cached.ok(Cached.SVG, Cached.BADGE, Badge.uptime(rolling == null ? null : rolling.get(RollingWindow.LAST_30_DAYS), label));
    }

    /** The badge label: ?label= when given (escaped by the badge, capped so a badge stays a badge), else the default. */
    private static String label(Request r, String fallback) {
        String l = r.rc().queryParams().get("label");
        return l == null || l.isBlank() ? fallback : l.length() > 40 ? l.substring(0, 40) : l;
    }

    private static String base(HttpServerRequest request) {
        HostAndPort authority = request.authority();
        if (authority == null) {
            return request.scheme() + "://localhost";
        }
        boolean defaultPort = authority.port() < 0 || (request.isSSL() ? authority.port() == 443 : authority.port() == 80);
        return request.scheme() + "://" + authority.host() + (defaultPort ? "" : ":" + authority.port());
    }

    private static void send(RoutingContext rc, Cached c) {
        HttpServerResponse res = rc.response();
        res.putHeader("Cache-Control", c.cacheControl())
                .putHeader("ETag", c.etag())
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Content-Security-Policy", CSP);
        if (rc.normalizedPath().startsWith("/api/") || rc.normalizedPath().startsWith("/badge/")) {
            // Statuspage's API and badges are read from other origins (widgets, READMEs); they hold nothing private.
            res.putHeader("Access-Control-Allow-Origin", "*");
        }
        if (c.notModifiedFor(rc.request().getHeader("If-None-Match"))) {
            res.setStatusCode(304).end();
            return;
        }
        res.setStatusCode(c.status()).putHeader("Content-Type", c.contentType());
        if (rc.request().method() == HttpMethod.HEAD) {
            // Vert.x writes whatever body it is given, also for HEAD: send only the length.
            res.putHeader("Content-Length", String.valueOf(c.body().length)).end();
        } else {
            res.end(Buffer.buffer(c.body()));
        }
    }

    private static String smallPage(String title, String bodyHtml) {
        return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, "
                + "initial-scale=1\"><title>" + title + "</title><style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem;"
                + "color:#1f2328;background:#fff}a{color:#0969da}@media (prefers-color-scheme: dark){body{color:#e6edf3;"
                + "background:#0d1117}a{color:#4493f8}}</style></head><body><h1>" + title + "</h1><p>" + bodyHtml
                + "</p></body></html>\n";
    }
}
