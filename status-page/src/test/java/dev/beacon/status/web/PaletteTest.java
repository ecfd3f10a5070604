package dev.beacon.status.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** WCAG 2.x contrast of every text colour on the background it is drawn on, in both schemes. */
class PaletteTest {
    /** WCAG relative luminance of "#rrggbb". */
    static double luminance(String hex) {
        double[] c = new double[3];
        for (int i = 0; i < 3; i++) {
            double v = Integer.parseInt(hex.substring(1 + 2 * i, 3 + 2 * i), 16) / 255.0;
            c[i] = v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    }

    static double contrast(String a, String b) {
        double la = luminance(a);
        double lb = luminance(b);
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
    }

    @Test
    void theFormulaGivesTheKnownExtremes() {
        assertEquals(21.0, contrast("#000000", "#ffffff"), 1e-9);
        assertEquals(1.0, contrast("#777777", "#777777"), 1e-9);
        assertEquals(4.48, contrast("#777777", "#ffffff"), 0.01);
    }

    @Test
    void everyTextColourPassesAaOnItsBackgroundInLightMode() {
        for (Palette.Pair p : Palette.TEXT_ON_BACKGROUND) {
            double ratio = contrast(p.text().light(), p.background().light());
            assertTrue(ratio >= 4.5, p.text().name() + " on " + p.background().name() + " (light): " + ratio);
        }
    }

    @Test
    void everyTextColourPassesAaOnItsBackgroundInDarkMode() {
        for (Palette.Pair p : Palette.TEXT_ON_BACKGROUND) {
            double ratio = contrast(p.text().dark(), p.background().dark());
            assertTrue(ratio >= 4.5, p.text().name() + " on " + p.background().name() + " (dark): " + ratio);
        }
    }

    @Test
    void badgeTextPassesAaOnEveryBadgeColour() {
        for (String background : Badge.BACKGROUNDS) {
            double ratio = contrast(Badge.TEXT, background);
            assertTrue(ratio >= 4.5, "badge text on " + background + ": " + ratio);
        }
    }
}
