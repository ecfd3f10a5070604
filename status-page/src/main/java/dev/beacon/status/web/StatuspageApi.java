package dev.beacon.status.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.status.Status;
import dev.beacon.status.store.IncidentStatus;
import dev.beacon.status.view.StatusView;
import dev.beacon.status.view.StatusView.ComponentView;
import dev.beacon.status.view.StatusView.IncidentView;
import dev.beacon.status.view.StatusView.MaintenanceView;
import dev.beacon.status.view.StatusView.UpdateView;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The view in the shape of Atlassian Statuspage's public API v2 ({@code /api/v2/*.json}), field names and enums as
 * Statuspage spells them, so aggregators that read Statuspage pages read this one unchanged.
 *
 * <p>Component status: UP is {@code operational}, DEGRADED {@code degraded_performance}, DOWN {@code partial_outage}
 * for a component and {@code major_outage} for the service as a whole; a component inside a maintenance window in
 * progress is {@code under_maintenance}. No current data (null) is {@code degraded_performance} with the description
 * "No recent probe results": we cannot vouch that it works, so not green, and the mildest state that is not.
 *
 * <p>Ids: an incident's id is its number, an update's "incident-n", a maintenance "maintenance-id"; timestamps are
 * ISO-8601 with the offset of the view's zone, as Statuspage writes them.
 */
final class StatuspageApi {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NO_DATA_DESCRIPTION = "No recent probe results";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT);

    /** Which scheduled maintenances a route lists. */
    enum Maintenances { ALL, UPCOMING, ACTIVE }

    private final StatusView view;
    private final String baseUrl;

    StatuspageApi(StatusView view, String baseUrl) {
        this.view = view;
        this.baseUrl = baseUrl;
    }

    /** /api/v2/summary.json: page, components, unresolved incidents, upcoming and active maintenance, status. */
    String summary() {
        ObjectNode root = JSON.createObjectNode();
        root.set("page", page());
        root.set("components", components());
        root.set("incidents", incidents(i -> !i.status().closes()));
        ArrayNode maint = JSON.createArrayNode();
        maint.addAll(maintenances(Maintenances.ACTIVE));
        maint.addAll(maintenances(Maintenances.UPCOMING));
        root.set("scheduled_maintenances", maint);
        root.set("status", status());
        return write(root);
    }

    /** /api/v2/status.json */
    String statusJson() {
        ObjectNode root = JSON.createObjectNode();
        root.set("page", page());
        root.set("status", status());
        return write(root);
    }

    /** /api/v2/components.json */
    String componentsJson() {
        ObjectNode root = JSON.createObjectNode();
        root.set("page", page());
        root.set("components", components());
        return write(root);
    }

    /** /api/v2/incidents.json (all) and /api/v2/incidents/unresolved.json. */
    String incidentsJson(boolean unresolvedOnly) {
        ObjectNode root = JSON.createObjectNode();
        root.set("page", page());
        root.set("incidents", incidents(i -> !unresolvedOnly || !i.status().closes()));
        return write(root);
    }

    /** /api/v2/scheduled-maintenances.json, /upcoming.json, /active.json */
    String maintenancesJson(Maintenances which) {
        ObjectNode root = JSON.createObjectNode();
        root.set("page", page());
        root.set("scheduled_maintenances", maintenances(which));
        return write(root);
    }

    ObjectNode page() {
        ObjectNode p = JSON.createObjectNode();
        p.put("id", pageId());
        p.put("name", view.title());
        p.put("url", baseUrl);
        p.put("time_zone", view.zone().getId());
        p.put("updated_at", time(view.generatedAt()));
        return p;
    }

    ObjectNode status() {
        ObjectNode s = JSON.createObjectNode();
        s.put("indicator", view.indicator().indicator);
        s.put("description", view.indicator().description);
        return s;
    }

    ArrayNode components() {
        ArrayNode a = JSON.createArrayNode();
        int position = 1;
        a.add(component(view.service(), true, position++));
        for (ComponentView c : view.components()) {
            a.add(component(c, false, position++));
        }
        return a;
    }

    private ObjectNode component(ComponentView c, boolean service, int position) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", c.id());
        o.put("name", c.name());
        boolean inMaintenance = inMaintenance(c.id());
        o.put("status", service && c.current() != null && !inMaintenance ? view.probeIndicator().componentStatus
                : componentStatus(c.current(), inMaintenance));
        Instant created = c.days() == null || c.days().isEmpty() ? view.generatedAt()
                : c.days().get(0).bar().day().atStartOfDay(view.zone()).toInstant();
        o.put("created_at", time(created));
        o.put("updated_at", time(view.dataAsOf() != null ? view.dataAsOf() : view.generatedAt()));
        o.put("position", position);
        if (c.current() == null && !inMaintenance) {
            o.put("description", NO_DATA_DESCRIPTION);
        } else {
            o.put("description", c.current() == Status.UP ? null : c.reason());
        }
        o.put("showcase", true);
        o.put("start_date", c.days() == null || c.days().isEmpty() ? null : c.days().get(0).bar().day().toString());
        o.putNull("group_id");
        o.put("page_id", pageId());
        o.put("group", false);
        o.put("only_show_if_degraded", false);
        return o;
    }

    /** Our Status as Statuspage's component status enum (see the class comment for null). */
    static String componentStatus(Status current, boolean inMaintenance) {
        if (inMaintenance) {
            return "under_maintenance";
        }
        if (current == null) {
            return "degraded_performance";
        }
        return switch (current) {
            case UP -> "operational";
            case DEGRADED -> "degraded_performance";
            case DOWN -> "major_outage"; // as the probes see the component: not there at all
        };
    }

    private boolean inMaintenance(String componentId) {
        Instant now = view.generatedAt();
        return view.maintenance().stream().anyMatch(m -> !m.startsAt().isAfter(now) && m.endsAt().isAfter(now)
                && (m.components() == null || m.components().isEmpty() || m.components().contains(componentId)));
    }

    ArrayNode incidents(Predicate<IncidentView> which) {
        ArrayNode a = JSON.createArrayNode();
        view.incidents().stream().filter(which).sorted(Comparator.comparing(IncidentView::startedAt).reversed())
                .forEach(i -> a.add(incident(i)));
        return a;
    }

    private ObjectNode incident(IncidentView i) {
        String id = String.valueOf(i.id());
        List<UpdateView> chronological = i.updates() == null ? List.of()
                : i.updates().stream().sorted(Comparator.comparing(UpdateView::at)).toList();
        Instant updated = chronological.isEmpty() ? i.startedAt() : chronological.get(chronological.size() - 1).at();
        if (i.resolvedAt() != null && i.resolvedAt().isAfter(updated)) {
            updated = i.resolvedAt();
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("name", i.title());
        o.put("status", lower(i.status()));
        o.put("created_at", time(i.startedAt()));
        o.put("updated_at", time(updated));
        o.put("monitoring_at", chronological.stream().filter(u -> u.status() == IncidentStatus.MONITORING)
                .map(u -> time(u.at())).findFirst().orElse(null));
        o.put("resolved_at", i.resolvedAt() == null ? null : time(i.resolvedAt()));
        o.put("impact", lower(i.impact()));
        o.put("shortlink", baseUrl + "/#incident-" + id);
        o.put("started_at", time(i.startedAt()));
        o.put("page_id", pageId());
        ArrayNode updates = o.putArray("incident_updates");
        // Statuspage lists updates newest first; their ids count up from the first.
        for (int n = chronological.size() - 1; n >= 0; n--) {
            UpdateView u = chronological.get(n);
            ObjectNode un = updates.addObject();
            un.put("id", id + "-" + (n + 1));
            un.put("status", lower(u.status()));
            un.put("body", u.body());
            un.put("incident_id", id);
            un.put("created_at", time(u.at()));
            un.put("updated_at", time(u.at()));
            un.put("display_at", time(u.at()));
            un.putNull("affected_components");
        }
        o.set("components", componentsNamed(i.components()));
        return o;
    }

    ArrayNode maintenances(Maintenances which) {
        Instant now = view.generatedAt();
        ArrayNode a = JSON.createArrayNode();
        for (MaintenanceView m : view.maintenance().stream().sorted(Comparator.comparing(MaintenanceView::startsAt)).toList()) {
            String status = maintenanceStatus(m, now);
            boolean listed = switch (which) {
                case ALL -> true;
                case UPCOMING -> status.equals("scheduled");
                case ACTIVE -> status.equals("in_progress");
            };
            if (listed) {
                a.add(maintenance(m, status));
            }
        }
        return a;
    }

    static String maintenanceStatus(MaintenanceView m, Instant now) {
        return m.startsAt().isAfter(now) ? "scheduled" : m.endsAt().isAfter(now) ? "in_progress" : "completed";
    }

    private ObjectNode maintenance(MaintenanceView m, String status) {
        ObjectNode o = JSON.createObjectNode();
        String id = "maintenance-" + m.id();
        o.put("id", id);
        o.put("name", m.title());
        o.put("status", status);
        o.put("created_at", time(m.startsAt()));
        o.put("updated_at", time(status.equals("completed") ? m.endsAt() : m.startsAt()));
        o.putNull("monitoring_at");
        o.put("resolved_at", status.equals("completed") ? time(m.endsAt()) : null);
        o.put("impact", "maintenance");
        o.put("shortlink", baseUrl + "/#" + id);
        o.put("started_at", time(m.startsAt()));
        o.put("page_id", pageId());
        // The store keeps no updates for a maintenance window; Statuspage's would list its scheduled/in progress posts.
        o.putArray("incident_updates");
        o.set("components", m.components() == null || m.components().isEmpty() ? allComponents() : componentsNamed(m.components()));
        o.put("scheduled_for", time(m.startsAt()));
        o.put("scheduled_until", time(m.endsAt()));
        return o;
    }

    /** The component objects for ids; an id the view does not know is left out (it names no component we publish). */
    private ArrayNode componentsNamed(List<String> ids) {
        ArrayNode all = components();
        ArrayNode a = JSON.createArrayNode();
        if (ids == null) {
            return a;
        }
        for (String id : ids) {
            all.forEach(c -> {
                if (c.get("id").asText().equals(id)) {
                    a.add(c);
                }
            });
        }
        return a;
    }

    private ArrayNode allComponents() {
        ArrayNode a = JSON.createArrayNode();
        List<ObjectNode> list = new ArrayList<>();
        components().forEach(c -> list.add((ObjectNode) c));
        list.stream().skip(1).forEach(a::add); // every component; the service is their sum, not a part
        return a;
    }

    /** A stable page id: the title as a slug ("Beacon status" -> "beacon-status"). */
    String pageId() {
        String slug = view.title().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
        return slug.isEmpty() ? "status" : slug;
    }

    String time(Instant at) {
        return TIME.format(at.atZone(view.zone()));
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    static String write(Object node) {
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }
}
