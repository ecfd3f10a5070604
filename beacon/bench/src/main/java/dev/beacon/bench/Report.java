package dev.beacon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One comparison (pinned or unpinned): every value of every round, medians with their spread, ratios and the
 * targets; printed, as Markdown, and as JSON. {@link #markdown(List, String)} and {@link #json(List)} put the
 * comparisons of one run together, the first being the main one.
 */
final class Report {
    static final List<String> SETUPS = List.of(Target.DIRECT, Target.BEACON, Target.FORWARD, Target.HAPROXY, Target.NGINX);
    /** A figure: its label, unit, whether higher is better, and per set-up the value of each round. */
    static final class Figure {
        final String key;
        final String label;
        final String unit;
        final boolean higherIsBetter;
        final Map<String, List<Double>> values = new LinkedHashMap<>();

        Figure(String key, String label, String unit, boolean higherIsBetter) {
            this.key = key;
            this.label = label;
            this.unit = unit;
            this.higherIsBetter = higherIsBetter;
        }

        Double median(String setup) {
            List<Double> v = values.get(setup);
            if (v == null || v.isEmpty()) return null;
            List<Double> s = new ArrayList<>(v);
            s.removeIf(d -> d.isNaN());
            if (s.isEmpty()) return null;
            Collections.sort(s);
            int n = s.size();
            return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        }

        /** The measured (non-NaN) values of a set-up, in round order. */
        List<Double> measured(String setup) {
            List<Double> v = new ArrayList<>(values.getOrDefault(setup, List.of()));
            v.removeIf(d -> d.isNaN());
            return v;
        }

        /** "median (min-max)", or the value alone when there is one; "-" when not measured. */
        String cell(String setup) {
            List<Double> v = measured(setup);
            if (v.isEmpty()) return "-";
            if (v.size() == 1) return fmt(v.get(0));
            return fmt(median(setup)) + " (" + fmt(Collections.min(v)) + "–" + fmt(Collections.max(v)) + ")";
        }

        Double ratio(String a, String b) {
            Double x = median(a);
            Double y = median(b);
            return x == null || y == null || y == 0 ? null : x / y;
        }
    }

    /**
     * A target from the issue: {@code figure}'s beacon-side value against a reference, within a factor, and/or at
     * most {@code absoluteMax}. {@code strict}: strictly better (below or above), not merely as good.
     */
    record Check(String text, String figure, String setup, String reference, double factor, boolean higherIsBetter, Double absoluteMax,
            boolean strict) {
        Check(String text, String figure, String setup, String reference, double factor, boolean higherIsBetter, Double absoluteMax) {
            this(text, figure, setup, reference, factor, higherIsBetter, absoluteMax, false);
        }
    }

    final Map<String, Figure> figures = new LinkedHashMap<>();
    final Map<String, String> machine = new LinkedHashMap<>();
    final Map<String, String> ciphers = new LinkedHashMap<>();
    final List<Check> checks = new ArrayList<>();
    /**
     * The physical floor of relay CPU per GB, per round (s/GB, under the set-up key "floor"): two AES-128-GCM passes
     * at openssl speed's 16 KiB rate on one core. Not a set-up, so not in {@link #figures}.
     */
    final Figure floor = new Figure("floor", "Physical floor: AES-128-GCM decrypt + encrypt per GB, one core", "s/GB", false);
    /** The openssl speed rate behind each round's floor, bytes per second. */
    final List<Double> floorBytesPerSecond = new ArrayList<>();
    /** The command that measured the floor, as run (with its taskset when pinned). */
    String floorCommand;
    String command = "";
    int rounds;
    /** "pinned" or "unpinned". */
    String mode = "unpinned";
    /** What ran where in this comparison, for the reader. */
    String placement = "";
    /** Said once under the machine line, e.g. why the pinned comparison could not run; null when nothing is. */
    String note;

    Figure figure(String key, String label, String unit, boolean higherIsBetter) {
        return figures.computeIfAbsent(key, k -> new Figure(k, label, unit, higherIsBetter));
    }

    void add(String key, String setup, double value) {
        Figure f = figures.get(key);
        f.values.computeIfAbsent(setup, s -> new ArrayList<>()).add(value);
    }

    /**
     * Evaluated check: the medians, whether the target is met (null when not measured), and how many rounds met it
     * on their own ({@code roundsMet} of {@code roundsCompared}).
     */
    record Outcome(Check check, Double value, Double ref, Boolean met, String detail, int roundsMet, int roundsCompared) {
    }

    /** Rounds that must meet a target besides its median: all but one from 3 rounds on, all of them below that. */
    static int roundsNeeded(int compared) {
        return compared >= 3 ? compared - 1 : compared;
    }

    private static boolean meets(Check c, double v, Double ref) {
        boolean ok = true;
        if (c.reference() != null) {
            double ratio = v / ref;
            ok = c.higherIsBetter() ? (c.strict() ? ratio > c.factor() : ratio >= c.factor())
                    : (c.strict() ? ratio < c.factor() : ratio <= c.factor());
        }
        if (c.absoluteMax() != null) ok &= c.strict() ? v < c.absoluteMax() : v <= c.absoluteMax();
        return ok;
    }

    List<Outcome> outcomes() {
        List<Outcome> out = new ArrayList<>();
        for (Check c : checks) {
            Figure f = figures.get(c.figure());
            Double v = f == null ? null : f.median(c.setup());
            Double ref = f == null || c.reference() == null ? null : f.median(c.reference());
            if (v == null || (c.reference() != null && ref == null) || (c.reference() == null && c.absoluteMax() == null)) {
                out.add(new Outcome(c, v, ref, null, "not measured", 0, 0));
                continue;
            }
            boolean met = meets(c, v, ref);
            StringBuilder d = new StringBuilder();
            if (c.reference() != null) {
                d.append(String.format(Locale.ROOT, "%s %s / %s %s = %.2f", fmt(v), f.unit, fmt(ref), f.unit, v / ref));
            }
            if (c.absoluteMax() != null) {
                if (d.length() > 0) d.append("; ");
                d.append(fmt(v)).append(' ').append(f.unit).append(c.strict() ? " vs < " : " vs <= ").append(fmt(c.absoluteMax()));
            }
            // round by round: round i of the set-up against round i of the reference
            List<Double> a = f.values.getOrDefault(c.setup(), List.of());
            List<Double> b = c.reference() == null ? null : f.values.getOrDefault(c.reference(), List.of());
            int compared = 0;
            int ok = 0;
            for (int i = 0; i < a.size(); i++) {
                double x = a.get(i);
                if (Double.isNaN(x)) continue;
                Double y = null;
                if (b != null) {
                    if (i >= b.size() || b.get(i).isNaN() || b.get(i) == 0) continue;
                    y = b.get(i);
                }
                compared++;
                if (meets(c, x, y)) ok++;
            }
            met &= ok >= roundsNeeded(compared);
            d.append(String.format(Locale.ROOT, "; %d of %d rounds", ok, compared));
            out.add(new Outcome(c, v, ref, met, d.toString(), ok, compared));
        }
        return out;
    }

    /** This comparison's table and targets. */
    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| Figure | unit | direct | beacon | beacon, one hop | haproxy | nginx | beacon/direct | beacon/haproxy | beacon/nginx | one hop/beacon |\n");
        b.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        for (Figure f : figures.values()) {
            if (f.values.isEmpty()) continue;
            b.append("| ").append(f.label).append(" | ").append(f.unit);
            for (String s : SETUPS) b.append(" | ").append(f.cell(s));
            b.append(" | ").append(ratio(f.ratio(Target.BEACON, Target.DIRECT)));
            b.append(" | ").append(ratio(f.ratio(Target.BEACON, Target.HAPROXY)));
            b.append(" | ").append(ratio(f.ratio(Target.BEACON, Target.NGINX)));
            b.append(" | ").append(ratio(f.ratio(Target.FORWARD, Target.BEACON))).append(" |\n");
        }
        b.append("\nTargets (").append(mode).append("):\n\n| Target | measured (medians; rounds meeting it alone) | met |\n|---|---|---|\n");
        for (Outcome o : outcomes()) {
            b.append("| ").append(o.check().text()).append(" | ").append(o.detail()).append(" | ")
                    .append(o.met() == null ? "n/a" : o.met() ? "yes" : "**no**").append(" |\n");
        }
        if (!floor.measured("floor").isEmpty()) {
            b.append("\nPhysical floor of relay CPU per GB (a blind relay decrypts and re-encrypts every byte once): ")
                    .append(floor.cell("floor")).append(" s/GB, 2 x 1e9 / the 16,384-byte AES-128-GCM rate of `").append(floorCommand)
                    .append("` (").append(fmt(median(floorBytesPerSecond) / 1e9)).append(" GB/s), measured in every round; ")
                    .append("\"Relay CPU per GB / floor\" divides each round's relay CPU per GB by that round's floor ")
                    .append("(one hop: both nodes' CPU, so its own floor is 2x).\n");
            if (!floor.measured("sockets").isEmpty()) {
                b.append("\nSocket floor: ").append(floor.cell("sockets")).append(" s/GB, the CPU a second HAProxy (one thread, 256 KiB buffers, on the relay's core when pinned) spent per GB ")
                        .append("passing the same 16 streams through in plain TCP (the client's TLS goes on to the server untouched), so it only receives ")
                        .append("and sends: what the sockets cost a user-space relay on this kernel, which no relay avoids. ")
                        .append("\"Relay CPU per GB / (floor + socket floor)\" divides each round's relay CPU per GB by the sum of that round's two floors.\n");
            }
        } else if (floorCommand != null) {
            b.append("\nPhysical floor of relay CPU per GB: not measured (`").append(floorCommand).append("` did not run or gave no 16,384-byte rate).\n");
        }
        if (!ciphers.isEmpty()) {
            b.append("\nNegotiated on the client's connection: ");
            List<String> parts = new ArrayList<>();
            ciphers.forEach((k, v) -> parts.add(k + " " + v));
            b.append(String.join(", ", parts)).append(".\n");
        }
        return b.toString();
    }

    /** The machine line: what ran, on what. */
    String machineLine() {
        return "Measured " + machine.get("date") + " on " + machine.get("cpus") + " cores (" + machine.get("cpu") + "), Linux "
                + machine.get("kernel") + ", " + machine.get("jdk") + "; " + machine.getOrDefault("haproxy", "no haproxy")
                + (machine.containsKey("haproxy_tls") ? " (" + machine.get("haproxy_tls") + ")" : "") + "; "
                + machine.getOrDefault("nginx", "no nginx") + (machine.containsKey("nginx_tls") ? " (" + machine.get("nginx_tls") + ")" : "")
                + "; beacon, load generator and bench server: TLS " + machine.get("tls") + ", " + machine.get("transport") + ".";
    }

    /** Every comparison of one run, the first as the main table, with the machine line and a link to the plot. */
    static String markdown(List<Report> modes, String plotLink) {
        Report first = modes.get(0);
        StringBuilder b = new StringBuilder();
        b.append(first.machineLine()).append("\n\n");
        int n = first.rounds;
        b.append(n).append(n == 1 ? " round" : " rounds").append(", every set-up in turns (reversed in even rounds). Each cell is the median over the rounds")
                .append(n > 1 ? " with the spread (min-max)" : "").append("; ratios are of medians. A target is met when its median meets it and ")
                .append("at least all rounds but one do on their own (all rounds when there are fewer than 3). Command: `")
                .append(first.command).append("`\n\n");
        if (first.note != null) b.append(first.note).append("\n\n");
        if (plotLink != null) b.append("Every round's value, per figure and set-up: [").append(plotLink).append("](").append(plotLink).append(")\n\n");
        boolean main = true;
        for (Report r : modes) {
            b.append("### ").append(r.mode.equals("pinned") ? "Pinned" : "Unpinned").append(main && modes.size() > 1 ? " (the main comparison)" : "")
                    .append("\n\n").append(r.placement).append("\n\n").append(r.markdown()).append("\n");
            main = false;
        }
        return b.toString();
    }

    /** This comparison as JSON: placement, figures (medians, every round, ratios), targets, ciphers. */
    ObjectNode jsonNode(ObjectMapper m) {
        ObjectNode o = m.createObjectNode();
        o.put("placement", placement);
        ObjectNode cs = o.putObject("ciphers");
        ciphers.forEach(cs::put);
        ObjectNode figs = o.putObject("figures");
        for (Figure f : figures.values()) {
            ObjectNode fo = figs.putObject(f.key);
            fo.put("label", f.label).put("unit", f.unit).put("higher_is_better", f.higherIsBetter);
            ObjectNode med = fo.putObject("median");
            ObjectNode min = fo.putObject("min");
            ObjectNode max = fo.putObject("max");
            ObjectNode raw = fo.putObject("rounds");
            for (String s : SETUPS) {
                Double v = f.median(s);
                if (v != null) {
                    med.put(s, round(v));
                    min.put(s, round(Collections.min(f.measured(s))));
                    max.put(s, round(Collections.max(f.measured(s))));
                }
                if (f.values.containsKey(s)) {
                    ArrayNode a = raw.putArray(s);
                    f.values.get(s).forEach(x -> a.add(x.isNaN() ? null : round(x)));
                }
            }
            ObjectNode r = fo.putObject("ratios");
            putRatio(r, "beacon/direct", f.ratio(Target.BEACON, Target.DIRECT));
            putRatio(r, "beacon/haproxy", f.ratio(Target.BEACON, Target.HAPROXY));
            putRatio(r, "beacon/nginx", f.ratio(Target.BEACON, Target.NGINX));
            putRatio(r, "beacon_1hop/beacon", f.ratio(Target.FORWARD, Target.BEACON));
        }
        if (floorCommand != null) {
            ObjectNode fl = o.putObject("floor");
            fl.put("what", "relay CPU seconds per GB that a blind relay cannot go below: AES-128-GCM decrypt + encrypt, one core, 2 x 1e9 / bytes_per_second");
            fl.put("command", floorCommand);
            Double med = floor.median("floor");
            if (med != null) {
                fl.put("s_per_gb", round(med));
                fl.put("s_per_gb_min", round(Collections.min(floor.measured("floor"))));
                fl.put("s_per_gb_max", round(Collections.max(floor.measured("floor"))));
            } else {
                fl.putNull("s_per_gb");
            }
            ArrayNode fr = fl.putArray("rounds_s_per_gb");
            floor.values.getOrDefault("floor", List.of()).forEach(x -> fr.add(x.isNaN() ? null : round(x)));
            Double sock = floor.median("sockets");
            if (sock != null) {
                fl.put("sockets_what", "relay CPU seconds per GB of HAProxy passing the same streams through in plain TCP (receive and send only)");
                fl.put("sockets_s_per_gb", round(sock));
                ArrayNode sr = fl.putArray("rounds_sockets_s_per_gb");
                floor.values.get("sockets").forEach(x -> sr.add(x.isNaN() ? null : round(x)));
            }
            ArrayNode fb = fl.putArray("rounds_bytes_per_second");
            floorBytesPerSecond.forEach(x -> fb.add(x.isNaN() ? null : (double) Math.round(x)));
        }
        ArrayNode targets = o.putArray("targets");
        for (Outcome oc : outcomes()) {
            ObjectNode t = targets.addObject();
            t.put("target", oc.check().text()).put("measured", oc.detail()).put("rounds_met", oc.roundsMet()).put("rounds_compared", oc.roundsCompared());
            if (oc.met() == null) t.putNull("met"); else t.put("met", oc.met());
        }
        return o;
    }

    /**
     * Every comparison of one run: the main one's figures, targets and ciphers at the top level (as before there
     * were two), and each comparison under "modes".
     */
    static String json(List<Report> modes) throws IOException {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Report first = modes.get(0);
        ObjectNode root = m.createObjectNode();
        ObjectNode mach = root.putObject("machine");
        first.machine.forEach(mach::put);
        root.put("command", first.command);
        root.put("rounds", first.rounds);
        root.put("main", first.mode);
        root.put("met_rule", "median meets the target and at least rounds-1 rounds do (all rounds when fewer than 3)");
        ObjectNode main = first.jsonNode(m);
        root.setAll(main);
        ObjectNode ms = root.putObject("modes");
        for (Report r : modes) ms.set(r.mode, r == first ? main : r.jsonNode(m));
        return m.writeValueAsString(root) + "\n";
    }

    /** Replaces the part of {@code doc} between the bench markers (or appends it). */
    static void writeInto(Path doc, String markdown) throws IOException {
        String begin = "<!-- bench:begin (written by the benchmark; do not edit by hand) -->";
        String end = "<!-- bench:end -->";
        if (doc.toAbsolutePath().getParent() != null) Files.createDirectories(doc.toAbsolutePath().getParent());
        String text = Files.exists(doc) ? Files.readString(doc) : "# Performance\n";
        int i = text.indexOf(begin);
        int j = text.indexOf(end);
        String block = begin + "\n" + markdown + end;
        text = i >= 0 && j > i ? text.substring(0, i) + block + text.substring(j + end.length()) : text + "\n" + block + "\n";
        Files.writeString(doc, text);
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.removeIf(d -> d.isNaN());
        if (s.isEmpty()) return Double.NaN;
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static void putRatio(ObjectNode o, String k, Double v) {
        if (v != null) o.put(k, Math.round(v * 1000) / 1000.0);
    }

    private static double round(double v) {
        return Math.abs(v) >= 100 ? Math.round(v * 10) / 10.0 : Math.round(v * 1000) / 1000.0;
    }

    static String fmt(Double v) {
        if (v == null || v.isNaN()) return "-";
        double a = Math.abs(v);
        if (a >= 1000) return String.format(Locale.ROOT, "%,.0f", v);
        if (a >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ratio(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }
}
