package dev.beacon.status.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.status.Status;
import dev.beacon.status.uptime.Tally;
import dev.beacon.status.view.StatusView;
import dev.beacon.status.view.StatusView.ComponentView;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlPageTest {
    private static final String XSS = "<script>alert(1)</script>";

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void anIncidentTitledWithAScriptTagIsShownAsTextAndNeverAsAScript() {
        StatusView view = Fixture.view(false, XSS, "<img src=x onerror=alert(2)> & \"quotes\"");
        String html = HtmlPage.render(view);

        assertFalse(html.toLowerCase().contains("<script"), "no raw <script> anywhere in the page");
        assertFalse(html.contains("<img"), "no raw tag from an update body");
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the title is shown, escaped");
        assertTrue(html.contains("&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quotes&quot;"));
    }

    @Test
    void componentNamesAndReasonsFromTheViewAreEscaped() {
        StatusView base = Fixture.view();
        ComponentView evil = Fixture.component("x", "<b>bold</b>", Status.DOWN, "\"><svg onload=alert(1)>", 10);
        StatusView view = new StatusView("<i>title</i>", base.generatedAt(), base.dataAsOf(), false, base.zone(),
                base.indicator(), base.service(), List.of(evil), List.of(), List.of(), "a < b");

        String html = HtmlPage.render(view);

        assertFalse(html.contains("<b>bold"));
        assertFalse(html.contains("<svg onload"));
        assertFalse(html.contains("<i>title"));
        assertTrue(html.contains("&lt;b&gt;bold&lt;/b&gt;"));
        assertTrue(html.contains("<title>&lt;i&gt;title&lt;/i&gt;</title>"));
        assertTrue(html.contains("a &lt; b"), "the formula too");
    }

    @Test
    void everyComponentHasNinetyBarsEachWithATooltipAndTheSameWordsInAListForScreenReaders() {
        StatusView view = Fixture.view();
        String html = HtmlPage.render(view);
        int shown = 1 + view.components().size();

        assertEquals(90 * shown, count(html, "<rect class=\"bar "), "90 bars per component and the service");
        Matcher tips = Pattern.compile("<rect class=\"bar [^\"]+\"[^>]*><title>([^<]+)</title></rect>").matcher(html);
        int withTitle = 0;
        while (tips.find()) {
            withTitle++;
        }
        assertEquals(90 * shown, withTitle, "every bar has a <title> tooltip");
        assertEquals(shown, count(html, "<details class=\"days\">"));
        assertTrue(html.contains("<title>2024-05-20 (Mon): 97.08% uptime, 42 min down; incidents: Relay in Frankfurt unreachable</title>"),
                "the outage day says its date, uptime, downtime minutes and incident");
        assertTrue(html.contains("<li>2024-05-20 (Mon): 97.08% uptime, 42 min down; incidents: Relay in Frankfurt unreachable</li>"),
                "and says it again in the screen-reader list");
    }

    @Test
    void aDayWithoutDataIsGreyAndSaysNoDataRatherThanAHundredPercent() {
        String html = HtmlPage.render(Fixture.view());

        assertTrue(html.contains("<rect class=\"bar b-nodata\""));
        assertTrue(html.contains("<title>2024-04-10 (Wed): no data; no incidents</title>"));
        assertEquals("b-nodata", HtmlPage.barClass(new Tally(0, 0, 0, 1440, 0)));
        assertEquals("b-nodata", HtmlPage.barClass(new Tally(0, 0, 0, 0, 1440)), "a day all maintenance has nothing counted");
        assertEquals("b-up", HtmlPage.barClass(new Tally(1000, 440, 0, 0, 0)), "degraded is good");
        assertEquals("b-minor", HtmlPage.barClass(new Tally(1430, 0, 10, 0, 0)));
        assertEquals("b-down", HtmlPage.barClass(new Tally(100, 0, 1340, 0, 0)));
    }

    @Test
    void aComponentWithoutCurrentDataOrWindowsSaysNoData() {
        StatusView base = Fixture.view();
        ComponentView c = base.components().get(3); // iad-1 /readyz: no location reported lately
        ComponentView empty = new ComponentView(c.id(), c.name(), null, null, Map.of(), null, List.of(), List.of(), null);
        StatusView view = new StatusView(base.title(), base.generatedAt(), base.dataAsOf(), false, base.zone(), base.indicator(),
                base.service(), List.of(empty), List.of(), List.of(), base.formula());

        String html = HtmlPage.render(view);
        String card = html.substring(html.indexOf("id=\"component-iad-1-readyz\""));
        card = card.substring(0, card.indexOf("</article>"));

        assertTrue(card.contains("<span class=\"state s-nodata\">No data</span>"));
        assertEquals(4, count(card, "<dd>no data</dd>"), "24 h, 7 d, 30 d and 90 d");
        assertTrue(card.contains("Latency, last 24 h: no data."));
    }

    @Test
    void theUptimeWindowsErrorBudgetAndSparklineAreShown() {
        String html = HtmlPage.render(Fixture.view());
        String card = html.substring(html.indexOf("id=\"component-fra-1-tls\""));
        card = card.substring(0, card.indexOf("</article>"));

        // the outage day: 1,398 of 1,440 -> 97.08%. 30 d: 42 bad of 43,200 -> 99.902...% floored to 99.90%; 90 d: 42 bad of 128,160 counted -> 99.967% -> 99.96%
        assertTrue(card.contains("<dt>24 h</dt><dd>100%</dd>"));
        assertTrue(card.contains("<dt>30 d</dt><dd>99.90%</dd>"), card);
        assertTrue(card.contains("<dt>90 d</dt><dd>99.96%</dd>"));
        // May: (44,640 - 60 maintenance) / 1000 = 44.58 allowed, 42 bad -> 2.58 left, shown to one decimal
        assertTrue(card.contains("Error budget for May 2024 (target 99.9%): <strong>2.6 min</strong> of 44.6 min remaining (42 bad min so far)."));
        assertTrue(card.contains("<polyline class=\"spark\""), "a sparkline");
        assertEquals(2, count(card, "<polyline"), "the 30-minute gap in latency breaks the line");
        assertTrue(card.contains("median 58 ms, max 252 ms"));
    }

    @Test
    void theBannerSaysTheIndicatorAndTheDataAsOfInTheViewsZone() {
        String html = HtmlPage.render(Fixture.view());

        assertTrue(html.contains("<section class=\"banner ind-minor\" aria-label=\"Overall status\"><p>Degraded performance</p>"));
        assertTrue(html.contains("<p class=\"asof\">Data as of <time datetime=\"2024-05-31T12:00:00Z\">2024-05-31 14:00 CEST</time>.</p>"));
        assertFalse(html.contains("Stale data"));
    }

    @Test
    void staleDataIsAnnouncedProminently() {
        String html = HtmlPage.render(Fixture.view(true, "t", "b"));

        assertTrue(html.contains("<p class=\"asof stale\" role=\"alert\"><strong>Stale data.</strong> Data as of "
                + "<time datetime=\"2024-05-31T12:00:00Z\">2024-05-31 14:00 CEST</time>"));
    }

    @Test
    void incidentsShowTheirUpdatesNewestFirstAndMaintenanceShowsWhatIsComing() {
        String html = HtmlPage.render(Fixture.view());
        String history = html.substring(html.indexOf("id=\"history-h\""));
        String incident = history.substring(history.indexOf("id=\"incident-7\""));

        assertTrue(incident.indexOf("Handshakes succeed") < incident.indexOf("A firewall change"));
        assertTrue(incident.indexOf("A firewall change") < incident.indexOf("The TLS handshake to fra-1 timed out"));
        assertTrue(incident.contains("Affected: fra-1 TLS handshake, End-to-end canary"), "component ids shown as names");
        assertTrue(html.contains("id=\"active-incident-8\""), "the open incident is also at the top");
        assertTrue(html.contains("Certificate rotation</strong> <span class=\"s-degraded\">In progress</span>"));
        assertTrue(html.contains("Database migration</strong> <span class=\"muted\">Scheduled</span>"));
        assertTrue(html.contains("All components"));
        assertFalse(html.contains("Kernel upgrade"), "finished maintenance is not upcoming");
        assertTrue(html.contains(Fixture.view().formula()));
    }

    @Test
    void thePageNeedsNothingButItself() {
        String html = HtmlPage.render(Fixture.view());

        assertEquals(1, count(html, "<style>"), "one inline style sheet");
        assertFalse(html.contains("<script"), "no JavaScript");
        assertFalse(html.contains("src=\"http"), "no external assets");
        assertFalse(html.contains("<link rel=\"stylesheet\""));
        assertTrue(html.contains("@media (prefers-color-scheme: dark)"));
        assertTrue(html.contains("@media (max-width:40rem)"), "a phone layout");
        assertTrue(html.contains("<meta name=\"viewport\""));
    }
}
