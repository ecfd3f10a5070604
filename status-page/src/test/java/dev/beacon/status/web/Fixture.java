package dev.beacon.status.web;

import dev.beacon.status.Status;
import dev.beacon.status.store.Impact;
import dev.beacon.status.store.IncidentStatus;
import dev.beacon.status.uptime.DailyBar;
import dev.beacon.status.uptime.ErrorBudget;
import dev.beacon.status.uptime.MonthlyUptime;
import dev.beacon.status.uptime.RollingWindow;
import dev.beacon.status.uptime.Tally;
import dev.beacon.status.uptime.UptimeReport;
import dev.beacon.status.view.StatusView;
import dev.beacon.status.view.StatusView.ComponentView;
import dev.beacon.status.view.StatusView.DayView;
import dev.beacon.status.view.StatusView.IncidentView;
import dev.beacon.status.view.StatusView.Indicator;
import dev.beacon.status.view.StatusView.LatencyPoint;
import dev.beacon.status.view.StatusView.MaintenanceView;
import dev.beacon.status.view.StatusView.UpdateView;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A realistic view as the service would compute it at {@link #NOW} in Europe/Berlin: the service and five components
 * (two nodes' TLS and /readyz probes, the canary) with 90 days of bars, some downtime, a day without data, a resolved
 * and an open incident, and three maintenance windows (done, in progress, upcoming).
 */
final class Fixture {
    static final Instant NOW = Instant.parse("2024-05-31T12:00:30Z");
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    static final LocalDate TODAY = LocalDate.of(2024, 5, 31);
    /** The resolved incident's day: the relay in Frankfurt was down 42 minutes. */
    static final LocalDate OUTAGE_DAY = LocalDate.of(2024, 5, 20);
    /** No probe location reported on this day (the prober's host was being moved). */
    static final LocalDate NO_DATA_DAY = LocalDate.of(2024, 4, 10);

    private Fixture() {
    }

    static StatusView view() {
        return view(false, "Relay in Frankfurt unreachable", "The TLS handshake to fra-1 timed out from 3 of 3 locations.");
    }

    static StatusView view(boolean stale, String incidentTitle, String updateBody) {
        List<IncidentView> incidents = List.of(
                new IncidentView(7, incidentTitle, IncidentStatus.RESOLVED, Impact.MAJOR, List.of("fra-1-tls", "canary"),
                        Instant.parse("2024-05-20T08:10:00Z"), Instant.parse("2024-05-20T08:52:00Z"), true, List.of(
                        new UpdateView(IncidentStatus.INVESTIGATING, updateBody, Instant.parse("2024-05-20T08:10:00Z")),
                        new UpdateView(IncidentStatus.IDENTIFIED, "A firewall change dropped port 443; rolled back.",
                                Instant.parse("2024-05-20T08:40:00Z")),
                        new UpdateView(IncidentStatus.RESOLVED, "Handshakes succeed from every location again.",
                                Instant.parse("2024-05-20T08:52:00Z")))),
                new IncidentView(8, "Slow handshakes in Ashburn", IncidentStatus.MONITORING, Impact.MINOR, List.of("iad-1-tls"),
                        Instant.parse("2024-05-31T10:00:00Z"), null, false, List.of(
                        new UpdateView(IncidentStatus.INVESTIGATING, "Handshakes take 2 s instead of 200 ms.",
                                Instant.parse("2024-05-31T10:00:00Z")),
                        new UpdateView(IncidentStatus.MONITORING, "Moved to a larger instance; watching.",
                                Instant.parse("2024-05-31T11:30:00Z")))));
        List<MaintenanceView> maintenance = List.of(
                new MaintenanceView(1, "Kernel upgrade fra-1", List.of("fra-1-tls", "fra-1-readyz"),
                        Instant.parse("2024-05-02T02:00:00Z"), Instant.parse("2024-05-02T03:00:00Z")),
                new MaintenanceView(2, "Certificate rotation", List.of("iad-1-readyz"),
                        Instant.parse("2024-05-31T11:30:00Z"), Instant.parse("2024-05-31T12:30:00Z")),
                new MaintenanceView(3, "Database migration", List.of(),
                        Instant.parse("2024-06-04T01:00:00Z"), Instant.parse("2024-06-04T02:00:00Z")));
        List<ComponentView> components = List.of(
                component("fra-1-tls", "fra-1 TLS handshake", Status.UP, null, 42),
                component("fra-1-readyz", "fra-1 /readyz", Status.UP, null, 0),
                component("iad-1-tls", "iad-1 TLS handshake", Status.DEGRADED, "Handshake took 2,140 ms (threshold 1,000 ms)", 0),
                component("iad-1-readyz", "iad-1 /readyz", null, null, 0),
                component("canary", "End-to-end canary", Status.UP, null, 42));
        return new StatusView("Beacon status", NOW, Instant.parse("2024-05-31T12:00:00Z"), stale, BERLIN, Indicator.MINOR,
                component("service", "Beacon relay", Status.UP, null, 42), components, incidents, maintenance,
                UptimeReport.FORMULA);
    }

    /** 90 days, all up except {@link #OUTAGE_DAY} (downMinutes down) and {@link #NO_DATA_DAY}; today partial. */
    static ComponentView component(String id, String name, Status current, String reason, long downMinutes) {
        List<DayView> days = new ArrayList<>();
        for (int i = UptimeReport.DAYS - 1; i >= 0; i--) {
            LocalDate day = TODAY.minusDays(i);
            Tally t;
            List<String> titles = List.of();
            if (day.equals(TODAY)) {
                t = new Tally(840, 0, 0, 0, 0); // 00:00 to 14:00 Berlin
            } else if (day.equals(NO_DATA_DAY)) {
                t = new Tally(0, 0, 0, 1440, 0);
            } else if (day.equals(OUTAGE_DAY) && downMinutes > 0) {
                t = new Tally(1440 - downMinutes, 0, downMinutes, 0, 0);
                titles = List.of("Relay in Frankfurt unreachable");
            } else {
                t = new Tally(1440, 0, 0, 0, 0);
            }
            days.add(new DayView(new DailyBar(day, 1440, t), titles));
        }
        Map<RollingWindow, Tally> rolling = new EnumMap<>(RollingWindow.class);
        rolling.put(RollingWindow.LAST_24_HOURS, new Tally(1440, 0, 0, 0, 0));
        rolling.put(RollingWindow.LAST_7_DAYS, new Tally(10080, 0, 0, 0, 0));
        rolling.put(RollingWindow.LAST_30_DAYS, new Tally(43200 - downMinutes, 0, downMinutes, 0, 0));
        rolling.put(RollingWindow.LAST_90_DAYS, new Tally(129600 - 1440 - downMinutes, 0, downMinutes, 1440, 0));
        long monthSoFar = 30 * 1440 + 840;
        MonthlyUptime month = new MonthlyUptime(YearMonth.of(2024, 5), 44640,
                new Tally(monthSoFar - downMinutes - 60, 0, downMinutes, 0, 60), ErrorBudget.of(44640, 60, downMinutes));
        List<LatencyPoint> latency = new ArrayList<>();
        for (int i = 0; i < 144; i++) {
            Double ms = i >= 60 && i < 63 ? null : 40.0 + (i % 12) * 3 + (i == 100 ? 200 : 0);
            latency.add(new LatencyPoint(NOW.minusSeconds((144 - i) * 600L), ms));
        }
        return new ComponentView(id, name, current, reason, rolling, month, days, latency,
                id.endsWith("-tls") ? Instant.parse("2024-08-01T00:00:00Z") : null);
    }
}
