package dev.beacon.status.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.status.uptime.Tally;
import dev.beacon.status.view.StatusView.Indicator;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class BadgeTest {
    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theUptimeBadgeReadsLikeShields() throws Exception {
        String svg = Badge.uptime(new Tally(43200 - 21, 0, 21, 0, 0), "uptime 30d");

        Document d = parse(svg);
        assertEquals("uptime 30d: 99.95%", d.getElementsByTagName("title").item(0).getTextContent());
        assertEquals("uptime 30d", d.getElementsByTagName("text").item(0).getTextContent());
        assertEquals("99.95%", d.getElementsByTagName("text").item(1).getTextContent());
        assertTrue(svg.contains("fill=\"" + Badge.GREEN + "\""));
    }

    @Test
    void noDataIsAGreyNoDataBadge() {
        String svg = Badge.uptime(new Tally(0, 0, 0, 43200, 0), "uptime 30d");

        assertTrue(svg.contains(">no data</text>"));
        assertTrue(svg.contains("fill=\"" + Badge.GREY + "\""));
    }

    @Test
    void theStatusBadgeSaysTheIndicatorAndGreysOutWhenStale() {
        assertTrue(Badge.status(Indicator.CRITICAL, false, "status").contains(">Major outage</text>"));
        assertTrue(Badge.status(Indicator.CRITICAL, false, "status").contains(Badge.RED));
        String stale = Badge.status(Indicator.NONE, true, "status");
        assertTrue(stale.contains(">All systems operational (stale)</text>"));
        assertTrue(stale.contains(Badge.GREY));
    }

    @Test
    void labelAndMessageAreEscaped() throws Exception {
        String svg = Badge.render("<script>alert(1)</script>", "\"/><a href=x>", Badge.GREEN);

        assertFalse(svg.contains("<script"));
        assertFalse(svg.contains("<a href"));
        Document d = parse(svg);
        assertEquals("<script>alert(1)</script>", d.getElementsByTagName("text").item(0).getTextContent());
    }

    @Test
    void longerTextMakesAWiderBadge() {
        assertTrue(Badge.textWidth("All systems operational") > Badge.textWidth("99.95%"));
        assertTrue(Badge.render("status", "All systems operational", Badge.GREEN).startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""));
    }
}
