package dev.beacon.status.web;

import dev.beacon.status.uptime.DailyBar;
import dev.beacon.status.uptime.ErrorBudget;
import dev.beacon.status.uptime.MonthlyUptime;
import dev.beacon.status.uptime.RollingWindow;
import dev.beacon.status.uptime.Tally;
import dev.beacon.status.view.StatusView;
import dev.beacon.status.view.StatusView.ComponentView;
import dev.beacon.status.view.StatusView.DayView;
import dev.beacon.status.view.StatusView.IncidentView;
import dev.beacon.status.view.StatusView.LatencyPoint;
import dev.beacon.status.view.StatusView.MaintenanceView;
import dev.beacon.status.view.StatusView.UpdateView;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The public status page as one HTML document: no JavaScript, no external assets, one inline style sheet, light and
 * dark from prefers-color-scheme, one column on a phone. Every string from the view goes through {@link Escape}.
 */
final class HtmlPage {
    /** Width of one daily bar and of the gap after it, in SVG user units. */
    private static final int BAR = 4;
    private static final int GAP = 1;
    private static final int BAR_HEIGHT = 30;
    private static final int SPARK_WIDTH = 288;
    private static final int SPARK_HEIGHT = 40;

    private HtmlPage() {
    }

    static String render(StatusView view) {
        StringBuilder h = new StringBuilder(64 * 1024);
        ZoneId zone = view.zone();
        h.append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta name=\"color-scheme\" content=\"light dark\">\n")
                .append("<title>").append(e(view.title())).append("</title>\n")
                .append("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Incident history\" href=\"/history.atom\">\n")
                .append("<style>").append(css()).append("</style>\n</head>\n<body>\n<main>\n");

        h.append("<header><h1>").append(e(view.title())).append("</h1></header>\n");
        h.append("<section class=\"banner ind-").append(view.indicator().indicator).append("\" aria-label=\"Overall status\">")
                .append("<p>").append(e(view.indicator().description)).append("</p></section>\n");
        asOf(h, view);

        List<IncidentView> active = view.incidents().stream().filter(i -> !i.status().closes()).toList();
        if (!active.isEmpty()) {
            h.append("<section aria-labelledby=\"active-h\"><h2 id=\"active-h\">Active incidents</h2>\n");
            for (IncidentView i : active) {
                incident(h, view, i, "active-");
            }
            h.append("</section>\n");
        }
        List<MaintenanceView> upcoming = view.maintenance().stream().filter(m -> m.endsAt().isAfter(view.generatedAt()))
                .sorted(Comparator.comparing(MaintenanceView::startsAt)).toList();
        if (!upcoming.isEmpty()) {
            h.append("<section aria-labelledby=\"maint-h\"><h2 id=\"maint-h\">Scheduled maintenance</h2>\n<ul class=\"plain\">\n");
            for (MaintenanceView m : upcoming) {
                maintenance(h, view, m);
            }
            h.append("</ul></section>\n");
        }

        h.append("<section aria-labelledby=\"components-h\"><h2 id=\"components-h\">Components</h2>\n")
                .append("<p class=\"muted\">Uptime over rolling windows and the last 90 days; times in ")
                .append(e(zone.getId())).append(".</p>\n");
        component(h, view, view.service());
        for (ComponentView c : view.components()) {
            component(h, view, c);
        }
        h.append("</section>\n");

        h.append("<section aria-labelledby=\"history-h\"><h2 id=\"history-h\">Incident history</h2>\n");
        if (view.incidents().isEmpty()) {
            h.append("<p class=\"muted\">No incidents in the last 90 days.</p>\n");
        }
        for (IncidentView i : view.incidents().stream().sorted(Comparator.comparing(IncidentView::startedAt).reversed()).toList()) {
            incident(h, view, i, "");
        }
        h.append("</section>\n");

        h.append("<footer>\n<h2>How uptime is counted</h2>\n<p>").append(e(view.formula())).append("</p>\n")
                .append("<p class=\"muted\">Page generated ").append(time(view.generatedAt(), zone))
                .append(". Also as <a href=\"/api/v2/summary.json\">JSON</a> (Statuspage v2 format) and an ")
                .append("<a href=\"/history.atom\">Atom feed of incidents</a>.</p>\n</footer>\n");
        h.append("</main>\n</body>\n</html>\n");
        return h.toString();
    }

    /** Always says how old the data is; when stale, says it loudly, because the numbers may no longer be true. */
    private static void asOf(StringBuilder h, StatusView view) {
        String when = view.dataAsOf() == null ? "no probe results yet" : time(view.dataAsOf(), view.zone());
        if (view.stale()) {
            h.append("<p class=\"asof stale\" role=\"alert\"><strong>Stale data.</strong> Data as of ").append(when)
                    .append(": the status page has had no fresh probe results since then, so the current state may differ.</p>\n");
        } else {
            h.append("<p class=\"asof\">Data as of ").append(when).append(".</p>\n");
        }
    }

    private static void component(StringBuilder h, StatusView view, ComponentView c) {
        ZoneId zone = view.zone();
        h.append("<article class=\"component\" id=\"component-").append(e(c.id())).append("\">\n")
                .append("<div class=\"head\"><h3>").append(e(c.name())).append("</h3>")
                .append("<span class=\"state s-").append(Wording.stateClass(c.current())).append("\">")
                .append(e(c == view.service() && c.current() != null ? Wording.serviceState(view.probeIndicator()) : Wording.state(c.current()))).append("</span></div>\n");
        if (c.reason() != null && !c.reason().isBlank()) {
            h.append("<p class=\"reason\">").append(e(c.reason())).append("</p>\n");
        }
        h.append("<dl class=\"uptime\">");
        for (RollingWindow w : RollingWindow.values()) {
            Tally t = c.rolling() == null ? null : c.rolling().get(w);
            h.append("<div><dt>").append(Wording.window(w)).append("</dt><dd>")
                    .append(t == null ? "no data" : Wording.percent(t)).append("</dd></div>");
        }
        h.append("</dl>\n");
        bars(h, c);
        sparkline(h, c);
        budget(h, c.month());
        if (c.certificateNotAfter() != null) {
            long days = Duration.between(view.generatedAt(), c.certificateNotAfter()).toDays();
            h.append("<p class=\"muted certificate\">Certificate valid until ").append(time(c.certificateNotAfter(), zone))
                    .append(" (").append(days).append(days == 1 ? " day" : " days").append(").");
            // node certificates are renewed 30 days before they expire; fewer days left means the renewal did not happen
            if (days < 30) h.append(" <strong>Overdue for renewal</strong> (renewed 30 days ahead).");
            h.append("</p>\n");
        }
        h.append("</article>\n");
    }

    /** The 90 daily bars: an SVG for the eye (a tooltip per bar) and the same words in a list for screen readers. */
    private static void bars(StringBuilder h, ComponentView c) {
        List<DayView> days = c.days() == null ? List.of() : c.days();
        int width = Math.max(1, days.size() * (BAR + GAP) - GAP);
        h.append("<figure class=\"bars\">\n<svg viewBox=\"0 0 ").append(width).append(' ').append(BAR_HEIGHT)
                .append("\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"Daily uptime of ").append(e(c.name()))
                .append(" for the last ").append(days.size()).append(" days; each day in words in the list below\">\n");
        for (int i = 0; i < days.size(); i++) {
            String tip = tooltip(days.get(i));
            h.append("<rect class=\"bar ").append(barClass(days.get(i).bar().tally())).append("\" x=\"").append(i * (BAR + GAP))
                    .append("\" y=\"0\" width=\"").append(BAR).append("\" height=\"").append(BAR_HEIGHT)
                    .append("\"><title>").append(e(tip)).append("</title></rect>\n");
        }
        h.append("</svg>\n<figcaption><span>").append(days.size()).append(" days ago</span><span>Today</span></figcaption>\n</figure>\n");
        h.append("<details class=\"days\"><summary>Day by day (").append(days.size()).append(" days)</summary>\n<ol class=\"daylist\">\n");
        for (DayView d : days) {
            h.append("<li>").append(e(tooltip(d))).append("</li>\n");
        }
        h.append("</ol></details>\n");
    }

    /** One day in words: date, uptime, downtime minutes, the rest that is not plain up, and the incidents. */
    static String tooltip(DayView d) {
        DailyBar bar = d.bar();
        Tally t = bar.tally();
        StringBuilder s = new StringBuilder().append(bar.day()).append(" (")
                .append(bar.day().getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH)).append("): ");
        if (t.good() + t.bad() == 0) {
            s.append("no data");
            if (t.maintenance() > 0) {
                s.append(", ").append(t.maintenance()).append(" min maintenance");
            }
        } else {
            s.append(Wording.percent(t)).append(" uptime, ").append(t.down()).append(" min down");
            if (t.degraded() > 0) {
                s.append(", ").append(t.degraded()).append(" min degraded");
            }
            if (t.maintenance() > 0) {
                s.append(", ").append(t.maintenance()).append(" min maintenance");
            }
            if (t.noData() > 0) {
                s.append(", ").append(t.noData()).append(" min no data");
            }
        }
        List<String> titles = d.incidentTitles() == null ? List.of() : d.incidentTitles();
        s.append(titles.isEmpty() ? "; no incidents" : "; incidents: " + String.join(", ", titles));
        return s.toString();
    }

    /** Green without bad minutes, amber under 1% bad, orange under 5%, red beyond; grey without data. */
    static String barClass(Tally t) {
        if (t.good() + t.bad() == 0) {
            return "b-nodata";
        }
        if (t.bad() == 0) {
            return "b-up";
        }
        double uptime = (double) t.good() / (t.good() + t.bad());
        return uptime >= 0.99 ? "b-minor" : uptime >= 0.95 ? "b-major" : "b-down";
    }

    /** The last 24 hours of latency, one point per 10 minutes; gaps (no result) break the line. */
    private static void sparkline(StringBuilder h, ComponentView c) {
        List<LatencyPoint> points = c.latency() == null ? List.of() : c.latency();
        List<Double> values = points.stream().map(LatencyPoint::millis).filter(v -> v != null).sorted().toList();
        if (values.isEmpty()) {
            h.append("<p class=\"latency muted\">Latency, last 24 h: no data.</p>\n");
            return;
        }
        double max = Math.max(1, values.get(values.size() - 1));
        double median = values.get(values.size() / 2);
        String summary = "Latency, last 24 h: median " + Math.round(median) + " ms, max " + Math.round(values.get(values.size() - 1)) + " ms";
        h.append("<div class=\"latency\"><svg viewBox=\"0 0 ").append(SPARK_WIDTH).append(' ').append(SPARK_HEIGHT)
                .append("\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"").append(e(summary)).append("\"><title>")
                .append(e(summary)).append("</title>\n");
        double step = points.size() > 1 ? (double) SPARK_WIDTH / (points.size() - 1) : 0;
        List<String> segment = new ArrayList<>();
        for (int i = 0; i <= points.size(); i++) {
            Double v = i < points.size() ? points.get(i).millis() : null;
            if (v != null) {
                double y = SPARK_HEIGHT - 2 - (v / max) * (SPARK_HEIGHT - 4);
                segment.add(num(i * step) + "," + num(y));
            } else if (!segment.isEmpty()) {
                if (segment.size() == 1) {
                    String[] xy = segment.get(0).split(",");
                    h.append("<circle class=\"spark-dot\" cx=\"").append(xy[0]).append("\" cy=\"").append(xy[1]).append("\" r=\"1.5\"/>\n");
                } else {
                    h.append("<polyline class=\"spark\" points=\"").append(String.join(" ", segment)).append("\"/>\n");
                }
                segment.clear();
            }
        }
        h.append("</svg><p class=\"muted\">").append(e(summary)).append(".</p></div>\n");
    }

    /** This month's error budget against 99.9%, in minutes. */
    private static void budget(StringBuilder h, MonthlyUptime month) {
        if (month == null || month.budget() == null) {
            return;
        }
        ErrorBudget b = month.budget();
        String name = month.month().getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + " " + month.month().getYear();
        h.append("<p class=\"budget\">Error budget for ").append(name).append(" (target ")
                .append(java.math.BigDecimal.valueOf(ErrorBudget.TARGET * 100).setScale(1, java.math.RoundingMode.HALF_UP)).append("%): ");
        if (b.remainingMinutes() >= 0) {
            h.append("<strong>").append(Wording.minutes(b.remainingMinutes())).append("</strong> of ")
                    .append(Wording.minutes(b.allowedBadMinutes())).append(" remaining (")
                    .append(b.badMinutes()).append(" bad min so far).</p>\n");
        } else {
            h.append("<strong class=\"s-down\">exceeded by ").append(Wording.minutes(-b.remainingMinutes())).append("</strong> (")
                    .append(b.badMinutes()).append(" bad min of ").append(Wording.minutes(b.allowedBadMinutes()))
                    .append(" allowed).</p>\n");
        }
    }

    private static void incident(StringBuilder h, StatusView view, IncidentView i, String idPrefix) {
        ZoneId zone = view.zone();
        h.append("<article class=\"incident\" id=\"").append(idPrefix).append("incident-").append(i.id()).append("\">\n")
                .append("<h3>").append(e(i.title())).append("</h3>\n<p class=\"meta\">")
                .append("<span class=\"impact i-").append(i.impact().name().toLowerCase(Locale.ROOT)).append("\">Impact: ")
                .append(Wording.word(i.impact())).append("</span> · Status: ").append(Wording.word(i.status()));
        if (i.components() != null && !i.components().isEmpty()) {
            h.append(" · Affected: ").append(e(String.join(", ", names(view, i.components()))));
        }
        h.append(" · Started ").append(time(i.startedAt(), zone));
        if (i.resolvedAt() != null) {
            h.append(" · Resolved ").append(time(i.resolvedAt(), zone));
        }
        if (i.autoOpened()) {
            h.append(" · Opened automatically by the probes");
        }
        h.append("</p>\n");
        List<UpdateView> updates = i.updates() == null ? List.of()
                : i.updates().stream().sorted(Comparator.comparing(UpdateView::at).reversed()).toList();
        if (!updates.isEmpty()) {
            h.append("<ol class=\"updates\" reversed>\n");
            for (UpdateView u : updates) {
                h.append("<li><strong>").append(Wording.word(u.status())).append("</strong> <span class=\"muted\">")
                        .append(time(u.at(), zone)).append("</span><p>").append(e(u.body())).append("</p></li>\n");
            }
            h.append("</ol>\n");
        }
        h.append("</article>\n");
    }

    private static void maintenance(StringBuilder h, StatusView view, MaintenanceView m) {
        ZoneId zone = view.zone();
        boolean inProgress = !m.startsAt().isAfter(view.generatedAt());
        h.append("<li class=\"maintenance\" id=\"maintenance-").append(m.id()).append("\"><strong>").append(e(m.title())).append("</strong> <span class=\"")
                .append(inProgress ? "s-degraded" : "muted").append("\">").append(inProgress ? "In progress" : "Scheduled")
                .append("</span><br>").append(time(m.startsAt(), zone)).append(" to ").append(time(m.endsAt(), zone))
                .append(" · ").append(m.components() == null || m.components().isEmpty() ? "All components"
                        : e(String.join(", ", names(view, m.components())))).append("</li>\n");
    }

    /** Component names for ids (an incident or maintenance names its components by id; an unknown one is shown as is). */
    static List<String> names(StatusView view, List<String> ids) {
        Map<String, String> byId = new java.util.HashMap<>();
        byId.put(view.service().id(), view.service().name());
        view.components().forEach(c -> byId.put(c.id(), c.name()));
        return ids.stream().map(id -> byId.getOrDefault(id, id)).toList();
    }

    private static String time(Instant at, ZoneId zone) {
        return "<time datetime=\"" + at + "\">" + e(Wording.time(at, zone)) + "</time>";
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String e(String s) {
        return Escape.markup(s);
    }

    private static String css() {
        return ":root{" + Palette.properties(false) + "color-scheme:light dark}"
                + "@media (prefers-color-scheme: dark){:root{" + Palette.properties(true) + "}}"
                + "*{box-sizing:border-box}"
                + "body{margin:0;background:var(--page);color:var(--text);font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
                + "main{max-width:60rem;margin:0 auto;padding:1rem}"
                + "a{color:var(--link)}h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.25rem;margin:1.5rem 0 .5rem}"
                + "h3{font-size:1.05rem;margin:0}.muted{color:var(--muted)}"
                + ".banner{border-radius:.4rem;padding:.75rem 1rem;color:var(--banner-text);font-weight:600;font-size:1.15rem}"
                + ".banner p{margin:0}.ind-none{background:var(--up)}.ind-minor{background:var(--degraded)}"
                + ".ind-major{background:var(--major)}.ind-critical{background:var(--down)}"
                + ".asof{color:var(--muted);margin:.5rem 0 1rem}"
                + ".asof.stale{color:var(--text);background:var(--stale);border:2px solid var(--degraded);border-radius:.4rem;padding:.75rem 1rem;font-size:1.05rem}"
                + ".component,.incident{background:var(--card);border:1px solid var(--border);border-radius:.4rem;padding:.75rem 1rem;margin:.75rem 0}"
                + ".head{display:flex;justify-content:space-between;gap:.5rem;flex-wrap:wrap;align-items:baseline}"
                + ".state{font-weight:600}.s-up{color:var(--up)}.s-degraded{color:var(--degraded)}.s-down{color:var(--down)}"
                + ".s-nodata{color:var(--muted)}.reason{margin:.25rem 0;color:var(--muted)}"
                + ".uptime{display:grid;grid-template-columns:repeat(4,1fr);gap:.5rem;margin:.5rem 0}"
                + ".uptime div{margin:0}.uptime dt{color:var(--muted);font-size:.85rem}.uptime dd{margin:0;font-weight:600}"
                + ".bars{margin:.5rem 0}.bars svg{width:100%;height:2.2rem;display:block}"
                + ".bars figcaption{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem}"
                + ".b-up{fill:var(--up)}.b-minor{fill:var(--bar-minor)}.b-major{fill:var(--major)}.b-down{fill:var(--down)}"
                + ".b-nodata{fill:var(--nodata)}.bar:hover{opacity:.7}"
                + ".days summary{cursor:pointer;color:var(--link)}.daylist{font-size:.85rem;max-height:20rem;overflow:auto}"
                + ".latency svg{width:100%;height:2.5rem;display:block}.latency p{margin:0;font-size:.85rem}"
                + ".spark{fill:none;stroke:var(--link);stroke-width:1.5;vector-effect:non-scaling-stroke}.spark-dot{fill:var(--link)}"
                + ".budget{margin:.5rem 0 0}.meta{color:var(--muted);font-size:.9rem;margin:.25rem 0}"
                + ".i-minor{color:var(--degraded)}.i-major{color:var(--major)}.i-critical{color:var(--down)}"
                + ".updates{padding-left:1.25rem}.updates p{margin:.25rem 0 .75rem;white-space:pre-line}"
                + ".plain{list-style:none;padding:0}.maintenance{margin:.5rem 0}"
                + "footer{margin-top:2rem;border-top:1px solid var(--border)}"
                + "@media (max-width:40rem){main{padding:.5rem}.uptime{grid-template-columns:repeat(2,1fr)}"
                + ".bars svg{height:1.8rem}h1{font-size:1.3rem}}";
    }
}
