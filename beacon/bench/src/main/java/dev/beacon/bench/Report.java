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

/** Every value of every round, medians, ratios and the targets: printed, as Markdown, and as JSON. */
final class Report {
    static final List<String> SETUPS = List.of(Target.DIRECT, Target.BEACON, Target.FORWARD, Target.HAPROXY);

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

        Double ratio(String a, String b) {
            Double x = median(a);
            Double y = median(b);
            return x == null || y == null || y == 0 ? null : x / y;
        }
    }

    /** A target from the issue: {@code figure}'s beacon-side value against a reference, within a factor. */
    record Check(String text, String figure, String setup, String reference, double factor, boolean higherIsBetter, Double absoluteMax) {
    }

    final Map<String, Figure> figures = new LinkedHashMap<>();
    final Map<String, String> machine = new LinkedHashMap<>();
    final Map<String, String> ciphers = new LinkedHashMap<>();
    final List<Check> checks = new ArrayList<>();
    String command = "";
    int rounds;

    Figure figure(String key, String label, String unit, boolean higherIsBetter) {
        return figures.computeIfAbsent(key, k -> new Figure(k, label, unit, higherIsBetter));
    }

    void add(String key, String setup, double value) {
        Figure f = figures.get(key);
        f.values.computeIfAbsent(setup, s -> new ArrayList<>()).add(value);
    }

    /** Evaluated check: the measured ratio (or value) and whether it meets the target; null when not measured. */
    record Outcome(Check check, Double value, Double ref, Boolean met, String detail) {
    }

    List<Outcome> outcomes() {
        List<Outcome> out = new ArrayList<>();
        for (Check c : checks) {
            Figure f = figures.get(c.figure());
            Double v = f == null ? null : f.median(c.setup());
            Double ref = f == null || c.reference() == null ? null : f.median(c.reference());
            if (v == null || (c.reference() != null && ref == null)) {
                out.add(new Outcome(c, v, ref, null, "not measured"));
                continue;
            }
            boolean met = true;
            StringBuilder d = new StringBuilder();
            if (c.reference() != null) {
                double ratio = v / ref;
                met = c.higherIsBetter() ? ratio >= c.factor() : ratio <= c.factor();
                d.append(String.format(Locale.ROOT, "%s %s / %s %s = %.2f", fmt(v), f.unit, fmt(ref), f.unit, ratio));
            }
            if (c.absoluteMax() != null) {
                met &= v < c.absoluteMax();
                if (d.length() > 0) d.append("; ");
                d.append(fmt(v)).append(' ').append(f.unit).append(" vs < ").append(fmt(c.absoluteMax()));
            }
            out.add(new Outcome(c, v, ref, met, d.toString()));
        }
        return out;
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("Measured ").append(machine.get("date")).append(" on ").append(machine.get("cpus")).append(" cores (")
                .append(machine.get("cpu")).append("), ").append(machine.get("jdk")).append(", Linux ").append(machine.get("kernel"))
                .append(", ").append(machine.getOrDefault("haproxy", "no haproxy")).append(", TLS ").append(machine.get("tls"))
                .append(". Medians of ").append(rounds).append(" rounds in turns. Command: `").append(command).append("`\n\n");
        b.append("| Figure | unit | direct | beacon | beacon, one hop | haproxy | beacon/direct | beacon/haproxy | one hop/beacon |\n");
        b.append("|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
        for (Figure f : figures.values()) {
            if (f.values.isEmpty()) continue;
            b.append("| ").append(f.label).append(" | ").append(f.unit);
            for (String s : SETUPS) b.append(" | ").append(fmt(f.median(s)));
            b.append(" | ").append(ratio(f.ratio(Target.BEACON, Target.DIRECT)));
            b.append(" | ").append(ratio(f.ratio(Target.BEACON, Target.HAPROXY)));
            b.append(" | ").append(ratio(f.ratio(Target.FORWARD, Target.BEACON))).append(" |\n");
        }
        b.append("\nTargets:\n\n| Target | measured | met |\n|---|---|---|\n");
        for (Outcome o : outcomes()) {
            b.append("| ").append(o.check().text()).append(" | ").append(o.detail()).append(" | ")
                    .append(o.met() == null ? "n/a" : o.met() ? "yes" : "**no**").append(" |\n");
        }
        if (!ciphers.isEmpty()) {
            b.append("\nNegotiated on the client's connection: ");
            List<String> parts = new ArrayList<>();
            ciphers.forEach((k, v) -> parts.add(k + " " + v));
            b.append(String.join(", ", parts)).append(".\n");
        }
        return b.toString();
    }

    String json() throws IOException {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        ObjectNode mach = root.putObject("machine");
        machine.forEach(mach::put);
        root.put("command", command);
        root.put("rounds", rounds);
        ObjectNode cs = root.putObject("ciphers");
        ciphers.forEach(cs::put);
        ObjectNode figs = root.putObject("figures");
        for (Figure f : figures.values()) {
            ObjectNode o = figs.putObject(f.key);
            o.put("label", f.label).put("unit", f.unit).put("higher_is_better", f.higherIsBetter);
            ObjectNode med = o.putObject("median");
            ObjectNode raw = o.putObject("rounds");
            for (String s : SETUPS) {
                Double v = f.median(s);
                if (v != null) med.put(s, round(v));
                if (f.values.containsKey(s)) {
                    ArrayNode a = raw.putArray(s);
                    f.values.get(s).forEach(x -> a.add(x.isNaN() ? null : round(x)));
                }
            }
            ObjectNode r = o.putObject("ratios");
            putRatio(r, "beacon/direct", f.ratio(Target.BEACON, Target.DIRECT));
            putRatio(r, "beacon/haproxy", f.ratio(Target.BEACON, Target.HAPROXY));
            putRatio(r, "beacon_1hop/beacon", f.ratio(Target.FORWARD, Target.BEACON));
        }
        ArrayNode targets = root.putArray("targets");
        for (Outcome o : outcomes()) {
            ObjectNode t = targets.addObject();
            t.put("target", o.check().text()).put("measured", o.detail());
            if (o.met() == null) t.putNull("met"); else t.put("met", o.met());
        }
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
