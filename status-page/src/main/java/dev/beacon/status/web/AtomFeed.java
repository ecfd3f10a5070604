package dev.beacon.status.web;

import dev.beacon.status.view.StatusView;
import dev.beacon.status.view.StatusView.IncidentView;
import dev.beacon.status.view.StatusView.UpdateView;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;

/**
 * The incident history as an Atom 1.0 feed (RFC 4287), one entry per incident, newest first. An entry's id is its
 * shortlink on the page, so it never changes; its updated is the incident's latest update; its content is the updates
 * as HTML (type="html": the HTML is escaped once more inside the XML).
 */
final class AtomFeed {
    private AtomFeed() {
    }

    static String render(StatusView view, String baseUrl) {
        List<IncidentView> incidents = view.incidents().stream()
                .sorted(Comparator.comparing(IncidentView::startedAt).reversed()).toList();
        Instant feedUpdated = incidents.stream().map(AtomFeed::updated).max(Comparator.naturalOrder()).orElse(view.generatedAt());
        StringBuilder x = new StringBuilder(8 * 1024);
        x.append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n")
                .append("<id>").append(e(baseUrl + "/history.atom")).append("</id>\n")
                .append("<title>").append(e(view.title() + " incident history")).append("</title>\n")
                .append("<updated>").append(rfc3339(feedUpdated)).append("</updated>\n")
                .append("<author><name>").append(e(view.title())).append("</name></author>\n")
                .append("<link rel=\"self\" type=\"application/atom+xml\" href=\"").append(e(baseUrl + "/history.atom")).append("\"/>\n")
                .append("<link rel=\"alternate\" type=\"text/html\" href=\"").append(e(baseUrl + "/")).append("\"/>\n");
        for (IncidentView i : incidents) {
            String link = baseUrl + "/#incident-" + i.id();
            x.append("<entry>\n<id>").append(e(link)).append("</id>\n")
                    .append("<title>").append(e(i.title())).append("</title>\n")
                    .append("<published>").append(rfc3339(i.startedAt())).append("</published>\n")
                    .append("<updated>").append(rfc3339(updated(i))).append("</updated>\n")
                    .append("<link rel=\"alternate\" type=\"text/html\" href=\"").append(e(link)).append("\"/>\n")
                    .append("<content type=\"html\">").append(e(content(view, i))).append("</content>\n</entry>\n");
        }
        return x.append("</feed>\n").toString();
    }

    /** The updates newest first as HTML; every string in it is escaped for HTML here and for XML by the caller. */
    private static String content(StatusView view, IncidentView i) {
        StringBuilder h = new StringBuilder();
        h.append("<p>Impact: ").append(Wording.word(i.impact())).append(". Status: ").append(Wording.word(i.status()));
        if (i.components() != null && !i.components().isEmpty()) {
            h.append(". Affected: ").append(Escape.markup(String.join(", ", HtmlPage.names(view, i.components()))));
        }
        h.append(".</p>");
        List<UpdateView> updates = i.updates() == null ? List.of()
                : i.updates().stream().sorted(Comparator.comparing(UpdateView::at).reversed()).toList();
        for (UpdateView u : updates) {
            h.append("<p><strong>").append(Wording.word(u.status())).append("</strong> (")
                    .append(Escape.markup(Wording.time(u.at(), view.zone()))).append("): ")
                    .append(Escape.markup(u.body())).append("</p>");
        }
        return h.toString();
    }

    static Instant updated(IncidentView i) {
        Instant latest = i.resolvedAt() != null ? i.resolvedAt() : i.startedAt();
        if (i.updates() != null) {
            for (UpdateView u : i.updates()) {
                if (u.at().isAfter(latest)) {
                    latest = u.at();
                }
            }
        }
        return latest;
    }

    private static String rfc3339(Instant at) {
        return DateTimeFormatter.ISO_INSTANT.format(at);
    }

    private static String e(String s) {
        return Escape.markup(s);
    }
}
