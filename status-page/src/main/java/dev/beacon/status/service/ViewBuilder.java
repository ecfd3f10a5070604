package dev.beacon.status.service;

import dev.beacon.status.Status;
import dev.beacon.status.store.CertificateSeen;
import dev.beacon.status.store.Incident;
import dev.beacon.status.store.IncidentUpdate;
import dev.beacon.status.store.Maintenance;
import dev.beacon.status.store.MinuteStatus;
import dev.beacon.status.store.Store;
import dev.beacon.status.store.StoredResult;
import dev.beacon.status.uptime.DailyBar;
import dev.beacon.status.uptime.MaintenanceWindow;
import dev.beacon.status.uptime.Timeline;
import dev.beacon.status.uptime.UptimeHistory;
import dev.beacon.status.uptime.UptimeReport;
import dev.beacon.status.uptime.Verdict;
import dev.beacon.status.view.StatusView;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@link StatusView} from the store at one instant: minute roll-ups of the last 90 days (and the current month)
 * through {@link UptimeHistory} and {@link UptimeReport}, the 24-hour latency from the minute roll-ups, incidents of
 * the last 90 days and the maintenance windows still ahead. The minutes are kept between builds in a
 * {@link MinuteCache}, which re-reads only the days written since. Blocks on the database: run it on a worker thread,
 * one build at a time.
 */
final class ViewBuilder {
    /** The span of history the page shows (rolling 90 days, 90 daily bars). */
    static final Duration HISTORY = Duration.ofDays(90);
    /** Latency sparkline: the last 24 hours in 10-minute buckets. */
    static final Duration LATENCY_SPAN = Duration.ofHours(24);
    static final Duration LATENCY_BUCKET = Duration.ofMinutes(10);

    private final String title;
    private final ZoneId zone;
    private final List<String> configured;
    private final Duration fresh;
    private final MinuteCache cache = new MinuteCache(Instant::now);

    /**
     * @param configured components the page always shows (from the probe config), before any others found in the data
     * @param fresh      data older than this makes the view stale (two probe intervals and the minute being written)
     */
    ViewBuilder(String title, ZoneId zone, List<String> configured, Duration fresh) {
        this.title = title;
        this.zone = zone;
        this.configured = List.copyOf(configured);
        this.fresh = fresh;
    }

    /** The view and the history it was built from (the incident detector reads the same timelines). */
    record Built(StatusView view, UptimeHistory history) {
    }

    /** The next build reads every minute again (after a purge removed some). */
    void invalidate() {
        cache.invalidate();
    }

    Built build(Store store, Instant now) {
        Instant nowMinute = now.truncatedTo(ChronoUnit.MINUTES);
        LocalDate today = LocalDate.ofInstant(now, zone);
        Instant firstBar = today.minusDays(UptimeReport.DAYS - 1).atStartOfDay(zone).toInstant();
        Instant monthStart = YearMonth.from(now.atZone(zone)).atDay(1).atStartOfDay(zone).toInstant();
        Instant monthEnd = YearMonth.from(now.atZone(zone)).plusMonths(1).atDay(1).atStartOfDay(zone).toInstant();
        Instant from = min(min(nowMinute.minus(HISTORY), firstBar), monthStart).truncatedTo(ChronoUnit.MINUTES);
        Instant to = max(nowMinute.plus(1, ChronoUnit.MINUTES), monthEnd);

        Instant end = nowMinute.plus(1, ChronoUnit.MINUTES);
        cache.sync(store, from, end);
        // the sparkline's 24 hours (and the bucket the span starts in) with their latencies: a few thousand rows
        List<MinuteStatus> minutes = store.minutes(nowMinute.minus(LATENCY_SPAN).minus(LATENCY_BUCKET), end);
        List<Maintenance> windows = store.maintenances(from, to);
        List<Incident> incidents = store.incidents(now.minus(HISTORY), now.plusSeconds(1));
        List<Maintenance> ahead = store.maintenances(now, Instant.parse("9999-01-01T00:00:00Z"));
        Map<String, CertificateSeen> certificates = store.certificates();

        Set<String> components = new LinkedHashSet<>(configured);
        cache.components().forEach(components::add);
        UptimeHistory.Builder history = UptimeHistory.builder(from, to);
        configured.forEach(history::component);
        cache.feed(history);
        Instant dataAsOf = cache.newest();
        for (Maintenance w : windows) {
            if (w.allComponents()) {
                history.maintenance(MaintenanceWindow.forAll(w.startsAt(), w.endsAt()));
            } else {
                for (String c : w.components()) history.maintenance(MaintenanceWindow.forComponent(c, w.startsAt(), w.endsAt()));
            }
        }
        UptimeHistory built = history.build();

        Instant recent = nowMinute.minus(fresh);
        List<StatusView.ComponentView> views = new ArrayList<>();
        for (String c : built.components()) {
            if (!components.contains(c)) continue; // named only by a maintenance window
            views.add(component(store, built.component(c), minutes, incidents, recent, now, certificates.get(c)));
        }
        StatusView.ComponentView service = component(store, built.service(), minutes, incidents, recent, now, null);
        boolean stale = dataAsOf == null || dataAsOf.isBefore(recent);
        StatusView view = new StatusView(title, now, dataAsOf, stale, zone, indicator(service, views, incidents), service,
                List.copyOf(views), incidents.stream().map(ViewBuilder::incident).toList(),
                ahead.stream().map(ViewBuilder::maintenance).toList(), UptimeReport.FORMULA);
        return new Built(view, built);
    }

    private StatusView.ComponentView component(Store store, Timeline t, List<MinuteStatus> minutes, List<Incident> incidents,
                                               Instant recent, Instant now, CertificateSeen certificate) {
        boolean isService = t.name().equals(UptimeHistory.SERVICE);
        Status current = null;
        for (Instant m = now.truncatedTo(ChronoUnit.MINUTES); !m.isBefore(recent); m = m.minus(1, ChronoUnit.MINUTES)) {
            Verdict v = t.verdict(m);
            if (v != Verdict.NO_DATA) {
                current = v == Verdict.DOWN ? Status.DOWN : v == Verdict.DEGRADED ? Status.DEGRADED : Status.UP;
                break;
            }
        }
        String reason = current == null || current == Status.UP || isService ? null : reason(store, t.name(), recent, now);
        List<StatusView.DayView> days = new ArrayList<>();
        for (DailyBar bar : UptimeReport.dailyBars(t, zone, now)) {
            Instant a = bar.day().atStartOfDay(zone).toInstant();
            Instant b = bar.day().plusDays(1).atStartOfDay(zone).toInstant();
            days.add(new StatusView.DayView(bar, incidents.stream()
                    .filter(i -> isService || i.components().isEmpty() || i.components().contains(t.name()))
                    .filter(i -> i.startedAt().isBefore(b) && (i.resolvedAt() == null || i.resolvedAt().isAfter(a)))
                    .map(Incident::title).toList()));
        }
        return new StatusView.ComponentView(t.name(), displayName(t.name()), current, reason, UptimeReport.rolling(t, now),
                UptimeReport.monthToDate(t, zone, now), List.copyOf(days),
                latency(isService ? null : t.name(), minutes, now), certificate == null ? null : certificate.notAfter());
    }

    /** Why the component is not up, from its newest raw result that was not. */
    private static String reason(Store store, String component, Instant recent, Instant now) {
        List<StoredResult> results = store.results(component, recent, now.plusSeconds(1));
        for (int i = results.size() - 1; i >= 0; i--) {
            if (results.get(i).status() != Status.UP && results.get(i).reason() != null) return results.get(i).reason();
        }
        return null;
    }

    /** Mean latency per 10-minute bucket over every location (the service: over every component). */
    static List<StatusView.LatencyPoint> latency(String component, List<MinuteStatus> minutes, Instant now) {
        long bucket = LATENCY_BUCKET.toSeconds();
        long end = Math.floorDiv(now.getEpochSecond(), bucket) * bucket + bucket;
        long start = end - LATENCY_SPAN.toSeconds();
        int n = (int) (LATENCY_SPAN.toSeconds() / bucket);
        long[] count = new long[n];
        long[] sum = new long[n];
        for (MinuteStatus m : minutes) {
            long s = m.minute().getEpochSecond();
            if (s < start || s >= end || (component != null && !component.equals(m.component()))) continue;
            int i = (int) ((s - start) / bucket);
            count[i] += m.latencyCount();
            sum[i] += m.latencySumMs();
        }
        List<StatusView.LatencyPoint> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new StatusView.LatencyPoint(Instant.ofEpochSecond(start + i * bucket), count[i] == 0 ? null : (double) sum[i] / count[i]));
        }
        return List.copyOf(out);
    }

    /** What the page calls a component: node/n1/tls is "n1: TLS handshake". */
    static String displayName(String component) {
        if (component.equals(UptimeHistory.SERVICE)) return "Beacon (all components)";
        if (component.equals("canary")) return "End-to-end relay (canary)";
        String[] p = component.split("/");
        if (p.length == 3 && p[0].equals("node")) {
            return switch (p[2]) {
                case "tls" -> "Node " + p[1] + ": TLS handshake";
                case "readyz" -> "Node " + p[1] + ": readiness";
                default -> component;
            };
        }
        return component;
    }

    private static StatusView.Indicator indicator(StatusView.ComponentView service, List<StatusView.ComponentView> components,
                                                  List<Incident> incidents) {
        StatusView.Indicator probes = StatusView.probeIndicator(service, components);
        // an open incident says at least what its impact says
        StatusView.Indicator declared = incidents.stream().filter(Incident::isOpen)
                .map(i -> StatusView.Indicator.values()[i.impact().ordinal()])
                .max(Comparator.naturalOrder()).orElse(StatusView.Indicator.NONE);
        return probes.compareTo(declared) >= 0 ? probes : declared;
    }

    static StatusView.IncidentView incident(Incident i) {
        return new StatusView.IncidentView(i.id(), i.title(), i.status(), i.impact(), List.copyOf(i.components()), i.startedAt(),
                i.resolvedAt(), i.autoOpened(), i.updates().stream().map(ViewBuilder::update).toList());
    }

    private static StatusView.UpdateView update(IncidentUpdate u) {
        return new StatusView.UpdateView(u.status(), u.body(), u.at());
    }

    static StatusView.MaintenanceView maintenance(Maintenance m) {
        return new StatusView.MaintenanceView(m.id(), m.title(), List.copyOf(m.components()), m.startsAt(), m.endsAt());
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
