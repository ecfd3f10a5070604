package dev.beacon.status.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.status.store.IncidentStatus;
import dev.beacon.status.view.StatusView;
import dev.beacon.tls.testing.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API over a real loopback socket, against the whole service. */
class AdminApiTest {
    @TempDir
    Path dir;
    Running s;

    @BeforeEach
    void start() throws Exception {
        s = new Running(dir);
        s.refresh();
    }

    @AfterEach
    void stop() {
        s.close();
    }

    @Test
    void withoutATokenIs401() {
        HttpResponse<String> r = s.admin("POST", "/api/incidents", "{\"title\":\"x\",\"components\":[\"canary\"]}", null);
        assertEquals(401, r.statusCode());
        assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(""));
    }

    @Test
    void withAWrongTokenIs401AndChangesNothing() throws Exception {
        assertEquals(401, s.admin("POST", "/api/incidents", "{\"title\":\"x\",\"components\":[\"canary\"]}", Running.TOKEN + "x").statusCode());
        assertEquals(401, s.admin("GET", "/api/maintenance", null, "short").statusCode());
        assertTrue(s.refresh().incidents().isEmpty());
    }

    @Test
    void aBadStatusIs400NamingTheField() {
        HttpResponse<String> r = s.admin("POST", "/api/incidents",
                "{\"title\":\"Relay slow\",\"components\":[\"canary\"],\"status\":\"fixed\"}");
        assertEquals(400, r.statusCode());
        assertEquals("field 'status': must be one of investigating, identified, monitoring, resolved, postmortem",
                new JsonObject(r.body()).getString("error"));
        assertEquals("field 'components': name at least one component", new JsonObject(s.admin("POST", "/api/incidents",
                "{\"title\":\"Relay slow\",\"components\":[]}").body()).getString("error"));
        assertEquals("field 'colour': unknown; expected title, components, status, impact, body", new JsonObject(s.admin("POST",
                "/api/incidents", "{\"title\":\"t\",\"components\":[\"canary\"],\"colour\":\"red\"}").body()).getString("error"));
        assertEquals(400, s.admin("POST", "/api/incidents", "not json").statusCode());
        assertEquals(413, s.admin("POST", "/api/incidents", "{\"title\":\"" + "x".repeat(70_000) + "\"}").statusCode());
    }

    @Test
    void anIncidentCreatedEditedAndUpdatedShowsInTheNextView() {
        HttpResponse<String> created = s.admin("POST", "/api/incidents",
                "{\"title\":\"Relay slow\",\"components\":[\"canary\"],\"impact\":\"minor\",\"body\":\"Looking into it.\"}");
        assertEquals(201, created.statusCode(), created.body());
        long id = new JsonObject(created.body()).getLong("id");
        Await.until("the incident on the page", Duration.ofSeconds(10), () -> s.service.view().incidents().size() == 1);
        assertEquals(StatusView.Indicator.MINOR, s.service.view().indicator());

        HttpResponse<String> edited = s.admin("PATCH", "/api/incidents/" + id, "{\"title\":\"Relay down\",\"impact\":\"major\"}");
        assertEquals(200, edited.statusCode(), edited.body());
        assertEquals(201, s.admin("POST", "/api/incidents/" + id + "/updates",
                "{\"status\":\"resolved\",\"body\":\"Rolled back.\"}").statusCode());
        Await.until("the resolution on the page", Duration.ofSeconds(10),
                () -> s.service.view().incidents().get(0).status() == IncidentStatus.RESOLVED);
        StatusView.IncidentView i = s.service.view().incidents().get(0);
        assertEquals("Relay down", i.title());
        assertEquals(2, i.updates().size());
        assertEquals("Rolled back.", i.updates().get(1).body());
        assertEquals(404, s.admin("POST", "/api/incidents/999/updates", "{\"status\":\"resolved\",\"body\":\"x\"}").statusCode());
    }

    @Test
    void maintenanceIsAddedListedAndDeleted() {
        HttpResponse<String> added = s.admin("POST", "/api/maintenance", "{\"title\":\"Upgrade\",\"startsAt\":\"2030-01-16T22:00:00Z\","
                + "\"endsAt\":\"2030-01-16T23:00:00Z\",\"components\":[\"canary\"]}");
        assertEquals(201, added.statusCode(), added.body());
        long id = new JsonObject(added.body()).getLong("id");
        JsonArray list = new JsonArray(s.admin("GET", "/api/maintenance", null).body());
        assertEquals(1, list.size());
        assertEquals("Upgrade", list.getJsonObject(0).getString("title"));
        Await.until("the window on the page", Duration.ofSeconds(10), () -> s.service.view().maintenance().size() == 1);

        assertEquals("field 'endsAt': must be after startsAt", new JsonObject(s.admin("PATCH", "/api/maintenance/" + id,
                "{\"endsAt\":\"2030-01-16T21:00:00Z\"}").body()).getString("error"));
        assertEquals(204, s.admin("DELETE", "/api/maintenance/" + id, null).statusCode());
        assertEquals(404, s.admin("DELETE", "/api/maintenance/" + id, null).statusCode());
        assertTrue(new JsonArray(s.admin("GET", "/api/maintenance", null).body()).isEmpty());
        Await.until("the window gone from the page", Duration.ofSeconds(10), () -> s.service.view().maintenance().isEmpty());
    }

    @Test
    void metricsAreOnTheAdminPort() {
        HttpResponse<String> r = s.get(s.service.adminPort(), "/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("status_page_view_age_seconds"), r.body().lines().limit(5).toList().toString());
    }
}
