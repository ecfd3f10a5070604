package dev.beacon.status.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.status.uptime.ErrorBudget;
import dev.beacon.status.uptime.RollingWindow;
import dev.beacon.status.uptime.Tally;
import dev.beacon.status.view.StatusView;
import dev.beacon.status.view.StatusView.ComponentView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Our own {@code /api/v1/uptime/{component}/{window}}: one component's minutes in one window (24h, 7d, 30d, 90d, or
 * month, this calendar month so far in the view's zone), counted as the formula counts them, and the uptime, null
 * when no minute was counted. The service as a whole is the component "service" (its id in the view).
 */
final class UptimeApi {
    static final Map<String, RollingWindow> WINDOWS = Map.of("24h", RollingWindow.LAST_24_HOURS, "7d", RollingWindow.LAST_7_DAYS,
            "30d", RollingWindow.LAST_30_DAYS, "90d", RollingWindow.LAST_90_DAYS);
    static final String MONTH = "month";

    private UptimeApi() {
    }

    /** The body for a known component and window; empty for an unknown one (a 404). */
    static Optional<String> render(StatusView view, String componentId, String window) {
        Optional<ComponentView> component = find(view, componentId);
        if (component.isEmpty() || !(WINDOWS.containsKey(window) || MONTH.equals(window))) {
            return Optional.empty();
        }
        ComponentView c = component.get();
        Tally t;
        if (MONTH.equals(window)) {
            t = c.month() == null ? Tally.EMPTY : c.month().tally();
        } else {
            t = c.rolling() == null ? null : c.rolling().get(WINDOWS.get(window));
            t = t == null ? Tally.EMPTY : t;
        }
        StatuspageApi api = new StatuspageApi(view, "");
        ObjectNode o = StatuspageApi.JSON.createObjectNode();
        o.put("component", c.id());
        o.put("name", c.name());
        o.put("window", window);
        o.put("minutes", t.minutes());
        o.put("good_minutes", t.good());
        o.put("bad_minutes", t.bad());
        o.put("degraded_minutes", t.degraded());
        o.put("no_data_minutes", t.noData());
        o.put("maintenance_minutes", t.maintenance());
        if (t.uptime().isPresent()) {
            o.put("uptime", t.uptime().getAsDouble());
        } else {
            o.putNull("uptime");
        }
        if (MONTH.equals(window) && c.month() != null && c.month().budget() != null) {
            o.put("month", c.month().month().toString());
            ErrorBudget b = c.month().budget();
            ObjectNode budget = o.putObject("error_budget");
            budget.put("target", ErrorBudget.TARGET);
            budget.put("budgeted_minutes", b.budgetedMinutes());
            budget.put("allowed_bad_minutes", b.allowedBadMinutes());
            budget.put("bad_minutes", b.badMinutes());
            budget.put("remaining_minutes", b.remainingMinutes());
        }
        o.put("data_as_of", view.dataAsOf() == null ? null : api.time(view.dataAsOf()));
        o.put("stale", view.stale());
        o.put("formula", view.formula());
        return Optional.of(StatuspageApi.write(o));
    }

    /** The 404 body: what exists, without echoing what was asked for. */
    static String notFound(StatusView view) {
        ObjectNode o = StatuspageApi.JSON.createObjectNode();
        o.put("error", "unknown component or window");
        o.putPOJO("components", ids(view));
        o.putPOJO("windows", List.of("24h", "7d", "30d", "90d", MONTH));
        return StatuspageApi.write(o);
    }

    static Optional<ComponentView> find(StatusView view, String id) {
        if (view.service().id().equals(id)) {
            return Optional.of(view.service());
        }
        return view.components().stream().filter(c -> c.id().equals(id)).findFirst();
    }

    private static List<String> ids(StatusView view) {
        List<String> ids = new ArrayList<>();
        ids.add(view.service().id());
        view.components().forEach(c -> ids.add(c.id()));
        return ids;
    }
}
