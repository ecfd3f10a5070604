package dev.beacon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The per-round values as an SVG, so a reader sees the noise behind each median: one small panel per figure, in
 * each a column per set-up, a dot per round (one colour per comparison, pinned and unpinned side by side) and a
 * tick at the median. Hand-written SVG: no plotting library.
 */
final class Plot {
    private static final int COLS = 3;
    private static final int W = 340;
    private static final int H = 200;
    private static final int PAD_L = 52;
    private static final int PAD_T = 42;
    private static final int PAD_B = 30;
    private static final int PAD_R = 10;
    private static final String[] COLOURS = {"#1f5fbf", "#e07b00"};
    private static final Map<String, String> SHORT = Map.of(Target.DIRECT, "direct", Target.BEACON, "beacon",
            Target.FORWARD, "1 hop", Target.HAPROXY, "haproxy", Target.NGINX, "nginx");

    private Plot() {
    }

    /** Where the plot goes for a report written to {@code markdown}: images/NAME-rounds.svg beside it. */
    static Path pathFor(Path markdown) {
        String name = markdown.getFileName().toString().replaceFirst("\\.md$", "");
        Path dir = markdown.toAbsolutePath().getParent();
        return dir.resolve("images").resolve(name + "-rounds.svg");
    }

    static void write(Path out, List<Report> modes) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, svg(modes));
    }

    static String svg(List<Report> modes) {
        Set<String> keys = new LinkedHashSet<>();
        for (Report r : modes) r.figures.forEach((k, f) -> {
            if (!f.values.isEmpty()) keys.add(k);
        });
        int rows = (keys.size() + COLS - 1) / COLS;
        int width = COLS * W;
        int height = 40 + rows * H;
        StringBuilder b = new StringBuilder();
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        // legend
        int lx = 10;
        b.append(text(lx, 18, "Every round's value (dots) and the median (tick), per figure and set-up:", "start", 12));
        lx += 470;
        for (int m = 0; m < modes.size(); m++) {
            b.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"14\" r=\"4\" fill=\"%s\"/>", lx, COLOURS[m % COLOURS.length]));
            b.append(text(lx + 8, 18, modes.get(m).mode, "start", 12));
            lx += 90;
        }
        b.append('\n');
        int i = 0;
        for (String k : keys) {
            panel(b, modes, k, (i % COLS) * W, 40 + (i / COLS) * H);
            i++;
        }
        b.append("</svg>\n");
        return b.toString();
    }

    private static void panel(StringBuilder b, List<Report> modes, String key, int x0, int y0) {
        Report.Figure label = null;
        List<String> setups = new ArrayList<>();
        double lo = 0;
        double hi = 0;
        for (Report r : modes) {
            Report.Figure f = r.figures.get(key);
            if (f == null) continue;
            if (label == null) label = f;
            for (String s : Report.SETUPS) {
                List<Double> v = f.measured(s);
                if (v.isEmpty()) continue;
                if (!setups.contains(s)) setups.add(s);
                for (double d : v) {
                    lo = Math.min(lo, d);
                    hi = Math.max(hi, d);
                }
            }
        }
        setups.sort((a, c) -> Report.SETUPS.indexOf(a) - Report.SETUPS.indexOf(c));
        if (hi == lo) hi = lo + 1;
        hi = hi + (hi - lo) * 0.08;
        int px = x0 + PAD_L;
        int py = y0 + PAD_T;
        int pw = W - PAD_L - PAD_R;
        int ph = H - PAD_T - PAD_B;
        String title = label.label;
        b.append(text(x0 + 8, y0 + 18, title.length() > 60 ? title.substring(0, 59) + "…" : title, "start", 11)).append('\n');
        b.append(text(x0 + 8, y0 + 32, label.unit + (label.higherIsBetter ? ", higher is better" : ", lower is better"), "start", 10)).append('\n');
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>%n", px, py, pw, ph));
        // y axis: bottom, middle, top
        for (int t = 0; t <= 2; t++) {
            double v = lo + (hi - lo) * t / 2;
            double y = py + ph - (v - lo) / (hi - lo) * ph;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", px, px + pw, y, y));
            b.append(text(px - 4, (int) y + 4, Report.fmt(v), "end", 10)).append('\n');
        }
        if (setups.isEmpty()) return;
        double col = (double) pw / setups.size();
        for (int si = 0; si < setups.size(); si++) {
            String s = setups.get(si);
            double cx = px + col * (si + 0.5);
            b.append(text((int) cx, py + ph + 14, SHORT.getOrDefault(s, s), "middle", 10)).append('\n');
            for (int m = 0; m < modes.size(); m++) {
                Report.Figure f = modes.get(m).figures.get(key);
                if (f == null) continue;
                List<Double> v = f.measured(s);
                if (v.isEmpty()) continue;
                double mx = cx + (modes.size() == 1 ? 0 : (m - (modes.size() - 1) / 2.0) * col * 0.4);
                String colour = COLOURS[m % COLOURS.length];
                for (int r = 0; r < v.size(); r++) {
                    double y = py + ph - (v.get(r) - lo) / (hi - lo) * ph;
                    double jitter = (r - (v.size() - 1) / 2.0) * 2.0; // rounds side by side, so equal values stay visible
                    b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\" fill-opacity=\"0.7\"><title>%s %s round %d: %s %s</title></circle>",
                            mx + jitter, y, colour, esc(modes.get(m).mode), esc(SHORT.getOrDefault(s, s)), r + 1, Report.fmt(v.get(r)), esc(f.unit)));
                }
                double my = py + ph - (f.median(s) - lo) / (hi - lo) * ph;
                b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                        mx - Math.min(col * 0.17, 16), mx + Math.min(col * 0.17, 16), my, my, colour));
            }
        }
    }

    private static String text(int x, int y, String s, String anchor, int size) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" font-size=\"%d\">%s</text>", x, y, anchor, size, esc(s));
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
