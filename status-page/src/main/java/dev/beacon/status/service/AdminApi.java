package dev.beacon.status.service;

import dev.beacon.status.store.Impact;
import dev.beacon.status.store.Incident;
import dev.beacon.status.store.IncidentStatus;
import dev.beacon.status.store.IncidentUpdate;
import dev.beacon.status.store.Maintenance;
import dev.beacon.status.store.Store;
import dev.beacon.status.store.StoreException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API on the admin port, behind a bearer token (compared in constant time): incidents and maintenance
 * windows, JSON in and out. Bad input is 400 with {@code {"error": "field 'x': ..."}}; a missing or wrong token 401;
 * an unknown id 404; the database away 503. Every change asks for a refresh, so the page shows it within moments.
 *
 * <pre>
 * GET    /api/incidents                    open incidents and those of the last 90 days
 * POST   /api/incidents                    {title, components[], status?, impact?, body?}     201 the incident
 * PATCH  /api/incidents/{id}               {title?, components[]?, status?, impact?}          200 the incident
 * POST   /api/incidents/{id}/updates       {status, body}                                     201 the update
 * GET    /api/maintenance                  windows active now or ahead
 * POST   /api/maintenance                  {title, startsAt, endsAt, components[]?}           201 the window
 * PATCH  /api/maintenance/{id}             {title?, startsAt?, endsAt?, components[]?}        200 the window
 * DELETE /api/maintenance/{id}                                                                204
 * </pre>
 */
final class AdminApi {
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);

    /** 400 naming the field. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String field, String message) {
            super(field == null ? message : "field '" + field + "': " + message);
        }
    }

    private static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    private final Store store;
    private final byte[] tokenDigest;
    private final Clock clock;
    private final Runnable changed;
    private final int maxBodyBytes;

    AdminApi(Store store, byte[] token, Clock clock, Runnable changed, int maxBodyBytes) {
        this.store = store;
        this.tokenDigest = sha256(token);
        this.clock = clock;
        this.changed = changed;
        this.maxBodyBytes = maxBodyBytes;
    }

    void mount(Router router) {
        router.route("/api/*").handler(this::authorize); // before the body is read
        router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
        router.get("/api/incidents").handler(rc -> blocking(rc, 200, () -> {
            Instant now = clock.instant();
            JsonArray out = new JsonArray();
            store.incidents(now.minus(ViewBuilder.HISTORY), now.plusSeconds(1)).forEach(i -> out.add(json(i)));
            return out;
        }));
        router.post("/api/incidents").handler(rc -> blocking(rc, 201, () -> json(createIncident(body(rc)))));
        router.patch("/api/incidents/:id").handler(rc -> blocking(rc, 200, () -> json(editIncident(id(rc), body(rc)))));
        router.post("/api/incidents/:id/updates").handler(rc -> blocking(rc, 201, () -> json(postUpdate(id(rc), body(rc)))));
        router.get("/api/maintenance").handler(rc -> blocking(rc, 200, () -> {
            JsonArray out = new JsonArray();
            store.maintenances(clock.instant(), Instant.parse("9999-01-01T00:00:00Z")).forEach(m -> out.add(json(m)));
            return out;
        }));
        router.post("/api/maintenance").handler(rc -> blocking(rc, 201, () -> json(createMaintenance(body(rc)))));
        router.patch("/api/maintenance/:id").handler(rc -> blocking(rc, 200, () -> json(editMaintenance(id(rc), body(rc)))));
        router.delete("/api/maintenance/:id").handler(rc -> blocking(rc, 204, () -> {
            if (!store.deleteMaintenance(id(rc))) throw new NotFound("no maintenance window " + id(rc));
            return null;
        }));
    }

    private void authorize(RoutingContext rc) {
        String h = rc.request().getHeader("Authorization");
        String given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : "";
        // digests of equal length, so the comparison takes the same time whatever the token's length
        if (!MessageDigest.isEqual(tokenDigest, sha256(given.getBytes(StandardCharsets.UTF_8)))) {
            LOG.warn("admin API: refused {} {} from {}: {}", rc.request().method(), rc.request().path(),
                    rc.request().remoteAddress(), h == null ? "no bearer token" : "wrong bearer token");
            rc.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer")
                    .putHeader("content-type", "application/json").end(error("a valid bearer token is required"));
            return;
        }
        rc.next();
    }

    private void blocking(RoutingContext rc, int status, Callable<Object> work) {
        boolean write = !rc.request().method().name().equals("GET");
        rc.vertx().executeBlocking(work, false).onComplete(ar -> {
            if (ar.succeeded()) {
                if (write) changed.run();
                if (ar.result() == null) {
                    rc.response().setStatusCode(status).end();
                } else {
                    rc.response().setStatusCode(status).putHeader("content-type", "application/json")
                            .end(ar.result() instanceof JsonObject o ? o.encodePrettily() + "\n" : ((JsonArray) ar.result()).encodePrettily() + "\n");
                }
                return;
            }
            Throwable e = ar.cause();
            int code = e instanceof BadRequest ? 400 : e instanceof NotFound ? 404 : e instanceof StoreException ? 503 : 500;
            if (code >= 500) LOG.warn("admin API: {} {} failed: {}", rc.request().method(), rc.request().path(), e.toString());
            String message = code == 503 ? "the database is unreachable, try again" : code == 500 ? "internal error" : e.getMessage();
            rc.response().setStatusCode(code).putHeader("content-type", "application/json").end(error(message));
        });
    }

    private Incident createIncident(JsonObject b) {
        allowed(b, "title", "components", "status", "impact", "body");
        String title = title(b, true);
        Set<String> components = components(b, true);
        IncidentStatus status = b.containsKey("status") ? status(b) : IncidentStatus.INVESTIGATING;
        Impact impact = b.containsKey("impact") ? impact(b) : Impact.MINOR;
        String body = b.containsKey("body") ? text(b, "body", IncidentUpdate.MAX_BODY) : null;
        Instant now = clock.instant();
        Incident draft = new Incident(0, components, title, status, impact, now, status.closes() ? now : null, false,
                body == null ? java.util.List.of() : java.util.List.of(new IncidentUpdate(0, 0, status, body, now)));
        Incident created = store.createIncident(draft);
        LOG.info("admin API: incident opened id={} title=\"{}\" components={}", created.id(), created.title(), created.components());
        return created;
    }

    private Incident editIncident(long id, JsonObject b) {
        allowed(b, "title", "components", "status", "impact");
        Incident i = store.incident(id).orElseThrow(() -> new NotFound("no incident " + id));
        String title = b.containsKey("title") ? title(b, true) : i.title();
        Set<String> components = b.containsKey("components") ? components(b, true) : i.components();
        IncidentStatus status = b.containsKey("status") ? status(b) : i.status();
        Impact impact = b.containsKey("impact") ? impact(b) : i.impact();
        Instant resolved = status.closes() ? (i.resolvedAt() != null ? i.resolvedAt() : clock.instant()) : null;
        return store.updateIncident(new Incident(id, components, title, status, impact, i.startedAt(), resolved, i.autoOpened(), i.updates()));
    }

    private IncidentUpdate postUpdate(long id, JsonObject b) {
        allowed(b, "status", "body");
        if (!b.containsKey("status")) throw new BadRequest("status", "is required");
        IncidentStatus status = status(b);
        String body = text(b, "body", IncidentUpdate.MAX_BODY);
        if (store.incident(id).isEmpty()) throw new NotFound("no incident " + id);
        return store.addUpdate(id, status, body, clock.instant());
    }

    private Maintenance createMaintenance(JsonObject b) {
        allowed(b, "title", "startsAt", "endsAt", "components");
        String title = title(b, true);
        Instant start = instant(b, "startsAt");
        Instant end = instant(b, "endsAt");
        Set<String> components = b.containsKey("components") ? components(b, false) : Set.of();
        return store.createMaintenance(window(0, components, title, start, end));
    }

    private Maintenance editMaintenance(long id, JsonObject b) {
        allowed(b, "title", "startsAt", "endsAt", "components");
        Maintenance m = store.maintenances(Instant.EPOCH, Instant.parse("9999-01-01T00:00:00Z")).stream()
                .filter(w -> w.id() == id).findFirst().orElseThrow(() -> new NotFound("no maintenance window " + id));
        return store.updateMaintenance(window(id, b.containsKey("components") ? components(b, false) : m.components(),
                b.containsKey("title") ? title(b, true) : m.title(), b.containsKey("startsAt") ? instant(b, "startsAt") : m.startsAt(),
                b.containsKey("endsAt") ? instant(b, "endsAt") : m.endsAt()));
    }

    private static Maintenance window(long id, Set<String> components, String title, Instant start, Instant end) {
        if (!end.isAfter(start)) throw new BadRequest("endsAt", "must be after startsAt");
        return new Maintenance(id, components, components.isEmpty(), title, start, end);
    }

    // ---- fields ----

    private static JsonObject body(RoutingContext rc) {
        if (rc.body() == null || rc.body().length() == 0) throw new BadRequest(null, "a JSON object body is required");
        try {
            JsonObject o = rc.body().asJsonObject();
            if (o == null) throw new BadRequest(null, "a JSON object body is required");
            return o;
        } catch (DecodeException | ClassCastException e) {
            throw new BadRequest(null, "the body is not a JSON object");
        }
    }

    private static long id(RoutingContext rc) {
        try {
            return Long.parseLong(rc.pathParam("id"));
        } catch (NumberFormatException e) {
            throw new NotFound("no such id: " + rc.pathParam("id"));
        }
    }

    private static void allowed(JsonObject b, String... fields) {
        Set<String> known = Set.of(fields);
        for (String f : b.fieldNames()) {
            if (!known.contains(f)) throw new BadRequest(f, "unknown; expected " + String.join(", ", fields));
        }
    }

    private static String text(JsonObject b, String field, int max) {
        Object v = b.getValue(field);
        if (!(v instanceof String s) || s.isBlank()) throw new BadRequest(field, "must be a non-empty string");
        if (s.length() > max) throw new BadRequest(field, "is " + s.length() + " characters, at most " + max);
        return s;
    }

    private static String title(JsonObject b, boolean required) {
        return text(b, "title", Incident.MAX_TITLE);
    }

    private static Set<String> components(JsonObject b, boolean required) {
        Object v = b.getValue("components");
        if (!(v instanceof JsonArray a)) throw new BadRequest("components", "must be a list of component names");
        Set<String> out = new TreeSet<>();
        for (Object o : a) {
            if (!(o instanceof String s) || s.isBlank() || s.length() > 64) {
                throw new BadRequest("components", "each must be a component name of 1 to 64 characters");
            }
            out.add(s);
        }
        if (required && out.isEmpty()) throw new BadRequest("components", "name at least one component");
        return out;
    }

    private static IncidentStatus status(JsonObject b) {
        return oneOf(b, "status", IncidentStatus.class);
    }

    private static Impact impact(JsonObject b) {
        return oneOf(b, "impact", Impact.class);
    }

    private static <E extends Enum<E>> E oneOf(JsonObject b, String field, Class<E> type) {
        Object v = b.getValue(field);
        String names = Arrays.stream(type.getEnumConstants()).map(AdminApi::lower).collect(Collectors.joining(", "));
        if (v instanceof String s) {
            for (E e : type.getEnumConstants()) {
                if (lower(e).equals(s)) return e;
            }
        }
        throw new BadRequest(field, "must be one of " + names);
    }

    private static Instant instant(JsonObject b, String field) {
        Object v = b.getValue(field);
        if (v instanceof String s) {
            try {
                return java.time.OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e) {
                // fall through
            }
        }
        throw new BadRequest(field, "must be a time like 2030-01-31T22:00:00Z");
    }

    // ---- JSON out ----

    static JsonObject json(Incident i) {
        JsonArray updates = new JsonArray();
        i.updates().forEach(u -> updates.add(json(u)));
        return new JsonObject().put("id", i.id()).put("title", i.title()).put("status", lower(i.status()))
                .put("impact", lower(i.impact())).put("components", new JsonArray(java.util.List.copyOf(i.components())))
                .put("startedAt", i.startedAt().toString()).put("resolvedAt", i.resolvedAt() == null ? null : i.resolvedAt().toString())
                .put("autoOpened", i.autoOpened()).put("updates", updates);
    }

    static JsonObject json(IncidentUpdate u) {
        return new JsonObject().put("id", u.id()).put("incidentId", u.incidentId()).put("status", lower(u.status()))
                .put("body", u.body()).put("at", u.at().toString());
    }

    static JsonObject json(Maintenance m) {
        return new JsonObject().put("id", m.id()).put("title", m.title()).put("components", new JsonArray(java.util.List.copyOf(m.components())))
                .put("startsAt", m.startsAt().toString()).put("endsAt", m.endsAt().toString());
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    static String error(String message) {
        return new JsonObject().put("error", message).encode() + "\n";
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
