package dev.beacon.status.web;

import java.util.List;

/**
 * The page's colours, light and dark (dark from prefers-color-scheme), as CSS custom properties. Every text colour is
 * WCAG AA (contrast >= 4.5:1) on the backgrounds it is drawn on; PaletteTest computes each pair listed in
 * {@link #TEXT_ON_BACKGROUND}. Ratios (WCAG relative luminance), light / dark:
 * <pre>
 *   text on page         #1f2328 on #ffffff 15.8   #e6edf3 on #0d1117 16.0
 *   text on card         #1f2328 on #f6f8fa 14.8   #e6edf3 on #161b22 14.6
 *   muted on page        #59636e on #ffffff  6.1   #9198a1 on #0d1117  6.5
 *   muted on card        #59636e on #f6f8fa  5.7   #9198a1 on #161b22  5.9
 *   link on card         #0969da on #f6f8fa  4.9   #4493f8 on #161b22  5.6
 *   up on card           #1a7f37 on #f6f8fa  4.8   #3fb950 on #161b22  6.8
 *   degraded on card     #9a6700 on #f6f8fa  4.6   #d29922 on #161b22  6.9
 *   down on card         #d1242f on #f6f8fa  4.9   #f85149 on #161b22  5.2
 *   banner text on none  #ffffff on #1a7f37  5.1   #0d1117 on #3fb950  7.5
 *   banner on minor      #ffffff on #9a6700  4.9   #0d1117 on #d29922  7.5
 *   major on card        #bc4c00 on #f6f8fa  4.7   #db6d28 on #161b22  5.1
 *   banner on major      #ffffff on #bc4c00  5.0   #0d1117 on #db6d28  5.6
 *   banner on critical   #ffffff on #d1242f  5.2   #0d1117 on #f85149  5.6
 *   stale notice         #1f2328 on #fff8c5 14.7   #e6edf3 on #3b2e00 11.3
 * </pre>
 * The daily bars are graphics, not text (WCAG 1.4.11 asks 3:1 of them); their meaning is also in words in each tooltip.
 */
final class Palette {
    private Palette() {
    }

    /** One named colour in both schemes. */
    record Colour(String name, String light, String dark) {
        String css() {
            return "--" + name;
        }
    }

    static final Colour PAGE = new Colour("page", "#ffffff", "#0d1117");
    static final Colour CARD = new Colour("card", "#f6f8fa", "#161b22");
    static final Colour BORDER = new Colour("border", "#d1d9e0", "#3d444d");
    static final Colour TEXT = new Colour("text", "#1f2328", "#e6edf3");
    static final Colour MUTED = new Colour("muted", "#59636e", "#9198a1");
    static final Colour LINK = new Colour("link", "#0969da", "#4493f8");
    static final Colour UP = new Colour("up", "#1a7f37", "#3fb950");
    static final Colour DEGRADED = new Colour("degraded", "#9a6700", "#d29922");
    static final Colour MAJOR = new Colour("major", "#bc4c00", "#db6d28");
    static final Colour DOWN = new Colour("down", "#d1242f", "#f85149");
    static final Colour NO_DATA = new Colour("nodata", "#818b98", "#656c76");
    static final Colour BANNER_TEXT = new Colour("banner-text", "#ffffff", "#0d1117");
    static final Colour STALE = new Colour("stale", "#fff8c5", "#3b2e00");
    /** Bars between "fully up" and "down": some bad minutes, under 1% of the counted ones. */
    static final Colour BAR_MINOR = new Colour("bar-minor", "#d4a72c", "#bb8009");

    static final List<Colour> ALL = List.of(PAGE, CARD, BORDER, TEXT, MUTED, LINK, UP, DEGRADED, MAJOR, DOWN, NO_DATA,
            BANNER_TEXT, STALE, BAR_MINOR);

    /** A text colour and the background it is drawn on. */
    record Pair(Colour text, Colour background) {
    }

    /** Every text-on-background combination the page uses. */
    static final List<Pair> TEXT_ON_BACKGROUND = List.of(
            new Pair(TEXT, PAGE), new Pair(TEXT, CARD), new Pair(MUTED, PAGE), new Pair(MUTED, CARD),
            new Pair(LINK, PAGE), new Pair(LINK, CARD),
            new Pair(UP, CARD), new Pair(DEGRADED, CARD), new Pair(MAJOR, CARD), new Pair(DOWN, CARD),
            new Pair(UP, PAGE), new Pair(DEGRADED, PAGE), new Pair(MAJOR, PAGE), new Pair(DOWN, PAGE),
            new Pair(BANNER_TEXT, UP), new Pair(BANNER_TEXT, DEGRADED), new Pair(BANNER_TEXT, MAJOR),
            new Pair(BANNER_TEXT, DOWN), new Pair(TEXT, STALE));

    /** The custom properties for one scheme, e.g. {@code --page:#ffffff;--text:#1f2328;...}. */
    static String properties(boolean dark) {
        StringBuilder out = new StringBuilder();
        for (Colour c : ALL) {
            out.append(c.css()).append(':').append(dark ? c.dark() : c.light()).append(';');
        }
        return out.toString();
    }
}
