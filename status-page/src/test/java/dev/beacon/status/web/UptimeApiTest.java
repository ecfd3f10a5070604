package dev.beacon.status.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.status.view.StatusView;
import dev.beacon.status.view.StatusView.ComponentView;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UptimeApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aWindowGivesItsMinutesByKindAndTheUptime() throws Exception {
        JsonNode u = JSON.readTree(UptimeApi.render(Fixture.view(), "fra-1-tls", "90d").orElseThrow());

        assertEquals("fra-1-tls", u.get("component").asText());
        assertEquals(129600, u.get("minutes").asLong());
        assertEquals(129600 - 1440 - 42, u.get("good_minutes").asLong());
        assertEquals(42, u.get("bad_minutes").asLong());
        assertEquals(1440, u.get("no_data_minutes").asLong());
        assertEquals(0, u.get("maintenance_minutes").asLong());
        assertEquals((129600.0 - 1440 - 42) / (129600 - 1440), u.get("uptime").asDouble(), 1e-12);
    }

    @Test
    void theMonthWindowCarriesTheErrorBudget() throws Exception {
        JsonNode u = JSON.readTree(UptimeApi.render(Fixture.view(), "service", "month").orElseThrow());

        assertEquals("2024-05", u.get("month").asText());
        assertEquals(60, u.get("maintenance_minutes").asLong());
        assertEquals(0.999, u.at("/error_budget/target").asDouble());
        assertEquals(44.58, u.at("/error_budget/allowed_bad_minutes").asDouble(), 1e-9);
        assertEquals(2.58, u.at("/error_budget/remaining_minutes").asDouble(), 1e-9);
    }

    @Test
    void noCountedMinutesIsANullUptimeNotAHundredPercent() throws Exception {
        StatusView base = Fixture.view();
        ComponentView c = base.components().get(0);
        ComponentView empty = new ComponentView(c.id(), c.name(), null, null, Map.of(), null, List.of(), List.of(), null);
        StatusView view = new StatusView(base.title(), base.generatedAt(), null, true, base.zone(), base.indicator(), base.service(),
                List.of(empty), List.of(), List.of(), base.formula());

        JsonNode u = JSON.readTree(UptimeApi.render(view, c.id(), "24h").orElseThrow());

        assertTrue(u.get("uptime").isNull());
        assertEquals(0, u.get("good_minutes").asLong());
        assertTrue(u.get("data_as_of").isNull());
        assertTrue(u.get("stale").asBoolean());
    }

    @Test
    void anUnknownComponentOrWindowIsNotFound() throws Exception {
        StatusView view = Fixture.view();

        assertTrue(UptimeApi.render(view, "nope", "30d").isEmpty());
        assertTrue(UptimeApi.render(view, "canary", "1y").isEmpty());
        assertTrue(UptimeApi.render(view, "canary", "30d").isPresent());
        JsonNode body = JSON.readTree(UptimeApi.notFound(view));
        assertEquals(6, body.get("components").size());
        assertEquals(5, body.get("windows").size());
    }
}
