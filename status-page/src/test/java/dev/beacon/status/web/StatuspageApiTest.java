package dev.beacon.status.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.status.Status;
import dev.beacon.status.view.StatusView;
import dev.beacon.status.view.StatusView.ComponentView;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The v2 JSON parsed back with Jackson: Statuspage's field names and enum values, as aggregators read them. */
class StatuspageApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "https://status.example.net";
    private static final Set<String> COMPONENT_STATUSES =
            Set.of("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance");

    private static JsonNode parse(String body) throws Exception {
        return JSON.readTree(body);
    }

    private static List<String> fields(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void summaryHasStatuspagesTopLevelShapeAndPage() throws Exception {
        JsonNode s = parse(new StatuspageApi(Fixture.view(), BASE).summary());

        assertEquals(List.of("page", "components", "incidents", "scheduled_maintenances", "status"), fields(s));
        assertEquals(List.of("id", "name", "url", "time_zone", "updated_at"), fields(s.get("page")));
        assertEquals("beacon-status", s.at("/page/id").asText());
        assertEquals(BASE, s.at("/page/url").asText());
        assertEquals("Europe/Berlin", s.at("/page/time_zone").asText());
        assertEquals("2024-05-31T14:00:30.000+02:00", s.at("/page/updated_at").asText(), "in the view's zone, as Statuspage writes it");
        assertEquals("minor", s.at("/status/indicator").asText());
        assertEquals("Degraded performance", s.at("/status/description").asText());
        assertEquals(1, s.get("incidents").size(), "only the unresolved incident");
        assertEquals("8", s.at("/incidents/0/id").asText());
        assertEquals(2, s.get("scheduled_maintenances").size(), "in progress and upcoming, not completed");
    }

    @Test
    void componentsUseStatuspagesFieldsAndStatusEnum() throws Exception {
        JsonNode c = parse(new StatuspageApi(Fixture.view(), BASE).componentsJson()).get("components");

        assertEquals(6, c.size(), "the service and five components");
        for (JsonNode comp : c) {
            assertTrue(fields(comp).containsAll(List.of("id", "name", "status", "created_at", "updated_at", "position",
                    "description", "showcase", "group_id", "group", "only_show_if_degraded")), fields(comp).toString());
            assertTrue(COMPONENT_STATUSES.contains(comp.get("status").asText()), comp.get("status").asText());
            assertTrue(comp.get("group_id").isNull());
            assertEquals(false, comp.get("group").asBoolean());
            assertEquals(false, comp.get("only_show_if_degraded").asBoolean());
        }
        assertEquals("service", c.at("/0/id").asText());
        assertEquals(1, c.at("/0/position").asInt());
        assertEquals("operational", c.at("/1/status").asText(), "fra-1 TLS is up");
        assertEquals("degraded_performance", c.at("/3/status").asText(), "iad-1 TLS is slow");
        assertEquals("Handshake took 2,140 ms (threshold 1,000 ms)", c.at("/3/description").asText());
        assertEquals("under_maintenance", c.at("/4/status").asText(), "iad-1 /readyz is in a maintenance window now");
        assertEquals("2024-03-03T00:00:00.000+01:00", c.at("/1/created_at").asText(), "the first day of its history");
    }

    @Test
    void aComponentTheProbesSeeDownIsAMajorOutageOfThatComponent() {
        assertEquals("operational", StatuspageApi.componentStatus(Status.UP, false));
        assertEquals("degraded_performance", StatuspageApi.componentStatus(Status.DEGRADED, false));
        assertEquals("major_outage", StatuspageApi.componentStatus(Status.DOWN, false));
        assertEquals("degraded_performance", StatuspageApi.componentStatus(null, false), "no data is not green");
        assertEquals("under_maintenance", StatuspageApi.componentStatus(Status.DOWN, true));
    }

    @Test
    void theServiceIsAPartialOutageWhileSomeComponentsAreDownAndAMajorOneWhenAllAre() throws Exception {
        StatusView base = Fixture.view();
        ComponentView service = Fixture.component("service", "Beacon relay", Status.DOWN, null, 3);
        List<ComponentView> someDown = List.of(Fixture.component("a", "a", Status.DOWN, "connection refused", 3),
                Fixture.component("b", "b", Status.UP, null, 0), Fixture.component("c", "c", null, null, 0));
        List<ComponentView> allDown = List.of(someDown.get(0), Fixture.component("b", "b", Status.DOWN, "connection refused", 3),
                someDown.get(2));
        for (var expected : List.of(List.of(someDown, "partial_outage", "Partial outage"), List.of(allDown, "major_outage", "Major outage"))) {
            @SuppressWarnings("unchecked")
            List<ComponentView> components = (List<ComponentView>) expected.get(0);
            StatusView view = new StatusView(base.title(), base.generatedAt(), base.dataAsOf(), false, base.zone(),
                    StatusView.probeIndicator(service, components), service, components, List.of(), List.of(), base.formula());
            JsonNode c = parse(new StatuspageApi(view, BASE).componentsJson()).get("components");
            assertEquals(expected.get(1), c.at("/0/status").asText());
            assertEquals("major_outage", c.at("/1/status").asText(), "component a itself");
            String html = HtmlPage.render(view);
            String row = html.substring(html.indexOf("id=\"component-service\""));
            assertTrue(row.substring(0, row.indexOf("</span>")).endsWith(">" + expected.get(2)), row.substring(0, 200));
            assertTrue(html.contains(">" + expected.get(2) + "</"), "the banner says the same");
        }
    }

    @Test
    void aComponentWithoutDataSaysSoInItsDescription() throws Exception {
        StatusView base = Fixture.view();
        StatusView view = new StatusView(base.title(), base.generatedAt(), base.dataAsOf(), false, base.zone(), base.indicator(),
                base.service(), List.of(base.components().get(3)), List.of(), List.of(), base.formula());

        JsonNode c = parse(new StatuspageApi(view, BASE).componentsJson()).at("/components/1");

        assertEquals("degraded_performance", c.get("status").asText());
        assertEquals(StatuspageApi.NO_DATA_DESCRIPTION, c.get("description").asText());
    }

    @Test
    void incidentsUseStatuspagesFieldsEnumsAndUpdatesNewestFirst() throws Exception {
        JsonNode all = parse(new StatuspageApi(Fixture.view(), BASE).incidentsJson(false)).get("incidents");

        assertEquals(2, all.size());
        JsonNode resolved = all.get(1);
        assertTrue(fields(resolved).containsAll(List.of("id", "name", "status", "impact", "created_at", "updated_at", "resolved_at",
                "shortlink", "started_at", "page_id", "incident_updates", "components")), fields(resolved).toString());
        assertEquals("7", resolved.get("id").asText());
        assertEquals("resolved", resolved.get("status").asText());
        assertEquals("major", resolved.get("impact").asText());
        assertEquals("2024-05-20T10:52:00.000+02:00", resolved.get("resolved_at").asText());
        assertEquals(BASE + "/#incident-7", resolved.get("shortlink").asText());
        JsonNode updates = resolved.get("incident_updates");
        assertEquals(3, updates.size());
        assertEquals(List.of("id", "status", "body", "incident_id", "created_at", "updated_at", "display_at", "affected_components"),
                fields(updates.get(0)));
        assertEquals("resolved", updates.at("/0/status").asText());
        assertEquals("7-3", updates.at("/0/id").asText());
        assertEquals("investigating", updates.at("/2/status").asText());
        assertEquals("7", updates.at("/2/incident_id").asText());
        assertEquals(List.of("fra-1-tls", "canary"), List.of(resolved.at("/components/0/id").asText(), resolved.at("/components/1/id").asText()));

        JsonNode open = all.get(0);
        assertEquals("monitoring", open.get("status").asText());
        assertEquals("minor", open.get("impact").asText());
        assertTrue(open.get("resolved_at").isNull());
        assertEquals("2024-05-31T13:30:00.000+02:00", open.get("monitoring_at").asText());

        JsonNode unresolved = parse(new StatuspageApi(Fixture.view(), BASE).incidentsJson(true)).get("incidents");
        assertEquals(1, unresolved.size());
    }

    @Test
    void titlesAndBodiesAreJsonStringsUnchanged() throws Exception {
        String xss = "<script>alert(\"1\")</script>";
        JsonNode i = parse(new StatuspageApi(Fixture.view(false, xss, "line 1\nline 2"), BASE).incidentsJson(false)).at("/incidents/1");

        assertEquals(xss, i.get("name").asText(), "JSON carries the text; escaping is the reader's HTML's job");
        assertEquals("line 1\nline 2", i.at("/incident_updates/2/body").asText());
    }

    @Test
    void scheduledMaintenancesAreSplitByWhereTheyStandNow() throws Exception {
        StatuspageApi api = new StatuspageApi(Fixture.view(), BASE);
        JsonNode all = parse(api.maintenancesJson(StatuspageApi.Maintenances.ALL)).get("scheduled_maintenances");
        JsonNode upcoming = parse(api.maintenancesJson(StatuspageApi.Maintenances.UPCOMING)).get("scheduled_maintenances");
        JsonNode active = parse(api.maintenancesJson(StatuspageApi.Maintenances.ACTIVE)).get("scheduled_maintenances");

        assertEquals(3, all.size());
        assertEquals(List.of("completed", "in_progress", "scheduled"),
                List.of(all.at("/0/status").asText(), all.at("/1/status").asText(), all.at("/2/status").asText()));
        assertEquals(1, upcoming.size());
        assertEquals("Database migration", upcoming.at("/0/name").asText());
        assertEquals("2024-06-04T03:00:00.000+02:00", upcoming.at("/0/scheduled_for").asText());
        assertEquals("2024-06-04T04:00:00.000+02:00", upcoming.at("/0/scheduled_until").asText());
        assertEquals("maintenance", upcoming.at("/0/impact").asText());
        assertEquals(5, upcoming.at("/0/components").size(), "no components listed means all of them");
        assertEquals(1, active.size());
        assertEquals("Certificate rotation", active.at("/0/name").asText());
        assertEquals("iad-1-readyz", active.at("/0/components/0/id").asText());
    }
}
