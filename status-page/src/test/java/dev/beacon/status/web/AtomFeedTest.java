package dev.beacon.status.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class AtomFeedTest {
    private static final String ATOM = "http://www.w3.org/2005/Atom";

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static String child(Element e, String name) {
        return e.getElementsByTagNameNS(ATOM, name).item(0).getTextContent();
    }

    @Test
    void theFeedIsAtomWithTheRequiredElementsAndAnEntryPerIncidentNewestFirst() throws Exception {
        Document d = parse(AtomFeed.render(Fixture.view(), "https://status.example.net"));
        Element feed = d.getDocumentElement();

        assertEquals(ATOM, feed.getNamespaceURI());
        assertEquals("feed", feed.getLocalName());
        assertEquals("https://status.example.net/history.atom", child(feed, "id"));
        assertEquals("Beacon status incident history", child(feed, "title"));
        assertEquals("2024-05-31T11:30:00Z", child(feed, "updated"), "the newest update of any incident");
        assertEquals("Beacon status", child((Element) feed.getElementsByTagNameNS(ATOM, "author").item(0), "name"));
        NodeList entries = feed.getElementsByTagNameNS(ATOM, "entry");
        assertEquals(2, entries.getLength());
        Element first = (Element) entries.item(0);
        assertEquals("https://status.example.net/#incident-8", child(first, "id"));
        assertEquals("Slow handshakes in Ashburn", child(first, "title"));
        assertEquals("2024-05-31T11:30:00Z", child(first, "updated"));
        Element resolved = (Element) entries.item(1);
        assertEquals("2024-05-20T08:52:00Z", child(resolved, "updated"));
        Element content = (Element) resolved.getElementsByTagNameNS(ATOM, "content").item(0);
        assertEquals("html", content.getAttribute("type"));
        assertTrue(content.getTextContent().contains("<strong>Resolved</strong> (2024-05-20 10:52 CEST): Handshakes succeed"));
    }

    @Test
    void aHostileTitleAndBodyStayTextAfterBothLayersOfEscaping() throws Exception {
        String xml = AtomFeed.render(Fixture.view(false, "<script>alert(1)</script>", "<b>x</b> & \u0001"), "https://s.example");

        assertFalse(xml.contains("<script>"));
        Element resolved = (Element) parse(xml).getDocumentElement().getElementsByTagNameNS(ATOM, "entry").item(1);
        assertEquals("<script>alert(1)</script>", child(resolved, "title"), "the XML parser gives the title back as text");
        String html = child(resolved, "content");
        assertTrue(html.contains("&lt;b&gt;x&lt;/b&gt; &amp; "), "the body is escaped HTML inside the html content");
        assertFalse(html.contains("<b>"));
    }
}
