package dev.beacon.status.view;

import dev.beacon.status.Status;
import dev.beacon.status.store.Impact;
import dev.beacon.status.store.IncidentStatus;
import dev.beacon.status.uptime.DailyBar;
import dev.beacon.status.uptime.MonthlyUptime;
import dev.beacon.status.uptime.RollingWindow;
import dev.beacon.status.uptime.Tally;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * Everything the public page and the JSON API show, computed once per refresh by the service from the store and the
 * uptime math, and only read by the renderers (dev.beacon.status.web). Immutable, so a render never sees half a
 * refresh, and the last good one is served while the database is away (with {@link #stale()}).
 *
 * @param generatedAt when this view was computed
 * @param dataAsOf    the newest probe result in it (null: none yet)
 * @param stale       no fresh data for longer than two probe intervals, or the database unreachable: the page says so
 * @param zone        the time zone days and months are cut in
 * @param service     the service as a whole (a component named "service")
 * @param formula     the uptime formula, printed on the page
 */
public record StatusView(String title, Instant generatedAt, Instant dataAsOf, boolean stale, ZoneId zone, Indicator indicator,
                         ComponentView service, List<ComponentView> components, List<IncidentView> incidents,
                         List<MaintenanceView> maintenance, String formula) {

    /**
     * What the probes say of the service as a whole, incidents aside: critical when every component with data is
     * down, major when some are, minor when the service is degraded. The service's row and its Statuspage component
     * status follow it; the banner is the worse of it and the open incidents' impact.
     */
    public static Indicator probeIndicator(ComponentView service, List<ComponentView> components) {
        long withData = components.stream().filter(c -> c.current() != null).count();
        long down = components.stream().filter(c -> c.current() == Status.DOWN).count();
        if (down > 0 && down == withData) return Indicator.CRITICAL;
        if (down > 0) return Indicator.MAJOR;
        if (service.current() == Status.DEGRADED) return Indicator.MINOR;
        return Indicator.NONE;
    }

    /** {@link #probeIndicator(ComponentView, List)} of this view. */
    public Indicator probeIndicator() {
        return probeIndicator(service, components);
    }

    /** The overall state, in Statuspage's words: its status.indicator and the component status enum. */
    public enum Indicator {
        /** Everything operational (indicator "none", component "operational"). */
        NONE("none", "operational", "All systems operational"),
        /** Something degraded (indicator "minor", component "degraded_performance"). */
        MINOR("minor", "degraded_performance", "Degraded performance"),
        /** Some components down (indicator "major", component "partial_outage"). */
        MAJOR("major", "partial_outage", "Partial outage"),
        /** Every component down (indicator "critical", component "major_outage"). */
        CRITICAL("critical", "major_outage", "Major outage");

        public final String indicator;
        public final String componentStatus;
        public final String description;

        Indicator(String indicator, String componentStatus, String description) {
            this.indicator = indicator;
            this.componentStatus = componentStatus;
            this.description = description;
        }
    }

    /**
     * One component (a node's TLS or /readyz probe, the canary) or the service.
     *
     * @param current    the latest minute's verdict after the majority rule; null when no location reported lately
     * @param reason     why it is not up, in words a person understands (null when up)
     * @param rolling    uptime over the last 24 h, 7 d, 30 d and 90 d
     * @param month      this calendar month so far, with its error budget against 99.9%
     * @param days       the last 90 days, oldest first
     * @param latency    the last 24 hours, one point per 10 minutes, oldest first (for the sparkline)
     * @param certificateNotAfter a node certificate's expiry seen in the TLS handshake (null if none)
     */
    public record ComponentView(String id, String name, Status current, String reason, Map<RollingWindow, Tally> rolling,
                                MonthlyUptime month, List<DayView> days, List<LatencyPoint> latency, Instant certificateNotAfter) {
    }

    /** One daily bar and the incidents that touched that day (for its tooltip). */
    public record DayView(DailyBar bar, List<String> incidentTitles) {
    }

    /** Mean latency of a 10-minute bucket; null when no result in it. */
    public record LatencyPoint(Instant at, Double millis) {
    }

    public record IncidentView(long id, String title, IncidentStatus status, Impact impact, List<String> components, Instant startedAt,
                               Instant resolvedAt, boolean autoOpened, List<UpdateView> updates) {
    }

    public record UpdateView(IncidentStatus status, String body, Instant at) {
    }

    /** A maintenance window; an empty component list means every component. */
    public record MaintenanceView(long id, String title, List<String> components, Instant startsAt, Instant endsAt) {
    }
}
