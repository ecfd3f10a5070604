package dev.beacon.status.web;

/**
 * Escaping for every string that comes from the view (component names, reasons, incident titles and bodies) or from a
 * request, before it goes into HTML, XML (Atom, SVG) or an attribute. One function: escaping the five characters is
 * correct in text and in quoted attributes of all three.
 */
final class Escape {
    private Escape() {
    }

    /** The text with &amp;, &lt;, &gt;, " and ' replaced by entities, and control characters XML forbids dropped. */
    static String markup(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    // XML 1.0 forbids C0 controls other than tab, newline and carriage return: an Atom reader would reject the feed.
                    if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
