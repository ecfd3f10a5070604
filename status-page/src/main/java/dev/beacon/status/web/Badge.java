package dev.beacon.status.web;

import dev.beacon.status.uptime.Tally;
import dev.beacon.status.view.StatusView.Indicator;
import java.util.List;

/**
 * Shields-style SVG badges ("status | All systems operational", "uptime 30d | 99.95%"): a grey label, a coloured
 * message, white text (>= 4.5:1 on every badge colour, see PaletteTest). Label and message are escaped: the label can
 * come from the request (?label=).
 */
final class Badge {
    static final String TEXT = "#ffffff";
    static final String LABEL = "#555555";   // 7.5:1
    static final String GREEN = "#1a7f37";   // 5.1:1
    static final String YELLOW = "#9a6700";  // 4.9:1
    static final String ORANGE = "#bc4c00";  // 5.0:1
    static final String RED = "#d1242f";     // 5.2:1
    static final String GREY = "#59636e";    // 6.1:1
    static final List<String> BACKGROUNDS = List.of(LABEL, GREEN, YELLOW, ORANGE, RED, GREY);

    private static final int PAD = 6;
    private static final int HEIGHT = 20;

    private Badge() {
    }

    /** The overall status; stale data is grey, because the badge cannot vouch for the present. */
    static String status(Indicator indicator, boolean stale, String label) {
        if (stale) {
            return render(label, indicator.description + " (stale)", GREY);
        }
        String colour = switch (indicator) {
            case NONE -> GREEN;
            case MINOR -> YELLOW;
            case MAJOR -> ORANGE;
            case CRITICAL -> RED;
        };
        return render(label, indicator.description, colour);
    }

    /** A window's uptime: green from 99.9%, yellow from 99%, orange from 95%, red below, grey without data. */
    static String uptime(Tally t, String label) {
        String message = t == null ? "no data" : Wording.percent(t);
        return render(label, message, uptimeColour(t));
    }

    static String uptimeColour(Tally t) {
        if (t == null || t.uptime().isEmpty()) {
            return GREY;
        }
        double u = t.uptime().getAsDouble();
        return u >= 0.999 ? GREEN : u >= 0.99 ? YELLOW : u >= 0.95 ? ORANGE : RED;
    }

    static String render(String label, String message, String colour) {
        int lw = textWidth(label) + 2 * PAD;
        int mw = textWidth(message) + 2 * PAD;
        int w = lw + mw;
        String l = Escape.markup(label);
        String m = Escape.markup(message);
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + HEIGHT + "\" role=\"img\" aria-label=\""
                + l + ": " + m + "\"><title>" + l + ": " + m + "</title>"
                + "<clipPath id=\"r\"><rect width=\"" + w + "\" height=\"" + HEIGHT + "\" rx=\"3\" fill=\"#fff\"/></clipPath>"
                + "<g clip-path=\"url(#r)\"><rect width=\"" + lw + "\" height=\"" + HEIGHT + "\" fill=\"" + LABEL + "\"/>"
                + "<rect x=\"" + lw + "\" width=\"" + mw + "\" height=\"" + HEIGHT + "\" fill=\"" + colour + "\"/></g>"
                + "<g fill=\"" + TEXT + "\" text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\">"
                + "<text x=\"" + (lw / 2.0) + "\" y=\"14\">" + l + "</text>"
                + "<text x=\"" + (lw + mw / 2.0) + "\" y=\"14\">" + m + "</text></g></svg>\n";
    }

    /** Approximate width of Verdana 11px, the shields font: close enough that the text never overflows its box. */
    static int textWidth(String s) {
        double w = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("ijlft.,:;|!' ()1I".indexOf(c) >= 0) {
                w += 4.2;
            } else if ("mwMW%@".indexOf(c) >= 0) {
                w += 10.5;
            } else if (Character.isUpperCase(c) || Character.isDigit(c)) {
                w += 7.5;
            } else {
                w += 6.8;
            }
        }
        return (int) Math.ceil(w);
    }
}
