package dev.beacon.it.chaos;

import dev.beacon.it.BridgeReplica;
import dev.beacon.it.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What each process holds over a soak, sampled: RSS, open fds and threads from /proc, heap and Netty pool bytes from
 * the admin /metrics (nodes and bridge replicas). Written as a CSV (one row per sample and series), an SVG plot (each
 * series scaled to its own maximum) and a least-squares slope per hour for every series.
 */
final class Footprint {
    /** series ("n1 rss_bytes") -> samples (minutes since start, value). */
    private final Map<String, List<double[]>> series = new TreeMap<>();
    private final long start = System.nanoTime();

    void sample(ChaosCluster c) {
        double minutes = (System.nanoTime() - start) / 60e9;
        c.pids().forEach((name, pid) -> {
            Path status = Path.of("/proc", Long.toString(pid), "status");
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmRSS:")) add(name + " rss_bytes", minutes, Double.parseDouble(line.replaceAll("\\D", "")) * 1024);
                    if (line.startsWith("Threads:")) add(name + " threads", minutes, Double.parseDouble(line.replaceAll("\\D", "")));
                }
                try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                    add(name + " open_fds", minutes, fds.count());
                }
            } catch (IOException | RuntimeException e) {
                // the process is gone or frozen mid-read: no point this minute
            }
        });
        for (NodeProcess n : c.nodes) {
            try {
                if (n.alive()) metrics(n.id, ChaosCluster.adminGet(n.host, n.adminPort, "/metrics"), minutes);
            } catch (Exception ignored) {
                // a frozen or restarting node: no point this minute
            }
        }
        for (Map.Entry<String, BridgeReplica> e : c.bridges.entrySet()) {
            BridgeReplica r = e.getValue();
            try {
                if (r.alive()) metrics(r.name, c.replicaMetrics(e.getKey()), minutes);
            } catch (Exception ignored) {
                // as above
            }
        }
    }

    private void metrics(String name, String text, double minutes) {
        double heap = 0, oldGen = 0, nettyDirect = 0, nettyHeap = 0, liveAfterGc = -1;
        boolean any = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) continue;
            double v;
            try {
                v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } catch (NumberFormatException e) {
                continue;
            }
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                heap += v;
                any = true;
                if (line.contains("Old Gen")) oldGen += v;
            } else if (line.startsWith("jvm_gc_live_data_size_bytes")) {
                liveAfterGc = v; // the old generation after the last major collection: heap after GC
            } else if (line.startsWith("netty_allocator_memory_used{")) {
                if (line.contains("memory_type=\"direct\"")) nettyDirect += v; else nettyHeap += v;
            }
        }
        if (!any) return;
        add(name + " heap_used_bytes", minutes, heap);
        add(name + " old_gen_used_bytes", minutes, oldGen);
        if (liveAfterGc > 0) add(name + " heap_after_gc_bytes", minutes, liveAfterGc);
        add(name + " netty_direct_bytes", minutes, nettyDirect);
        add(name + " netty_heap_bytes", minutes, nettyHeap);
    }

    private synchronized void add(String name, double minutes, double v) {
        series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {minutes, v});
    }

    /** Least-squares slope per hour, over samples after {@code skipMinutes} (start-up and warm-up excluded). */
    synchronized Map<String, Double> slopesPerHour(double skipMinutes) {
        Map<String, Double> out = new LinkedHashMap<>();
        series.forEach((name, pts) -> {
            List<double[]> p = pts.stream().filter(x -> x[0] >= skipMinutes).toList();
            if (p.size() < 3) return;
            double mx = p.stream().mapToDouble(x -> x[0]).average().orElse(0), my = p.stream().mapToDouble(x -> x[1]).average().orElse(0);
            double num = 0, den = 0;
            for (double[] x : p) {
                num += (x[0] - mx) * (x[1] - my);
                den += (x[0] - mx) * (x[0] - mx);
            }
            out.put(name, den == 0 ? 0 : num / den * 60);
        });
        return out;
    }

    synchronized void writeCsv(Path file) throws IOException {
        StringBuilder sb = new StringBuilder("minutes,process,metric,value\n");
        series.forEach((name, pts) -> {
            String[] pm = name.split(" ", 2);
            for (double[] x : pts) sb.append(String.format(Locale.ROOT, "%.2f,%s,%s,%.0f%n", x[0], pm[0], pm[1], x[1]));
        });
        Files.writeString(file, sb.toString());
    }

    /** One panel per metric, one line per process, each panel scaled to its own maximum. */
    synchronized void writeSvg(Path file, String title) throws IOException {
        Map<String, Map<String, List<double[]>>> byMetric = new TreeMap<>();
        series.forEach((name, pts) -> {
            String[] pm = name.split(" ", 2);
            byMetric.computeIfAbsent(pm[1], k -> new TreeMap<>()).put(pm[0], pts);
        });
        double maxX = series.values().stream().flatMap(List::stream).mapToDouble(x -> x[0]).max().orElse(1);
        int w = 900, ph = 180, gap = 40;
        int h = gap + byMetric.size() * (ph + gap);
        String[] colours = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", w, h));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append("<text x=\"10\" y=\"20\" font-size=\"14\">").append(escape(title)).append("</text>\n");
        int y0 = gap;
        for (Map.Entry<String, Map<String, List<double[]>>> m : byMetric.entrySet()) {
            double maxY = m.getValue().values().stream().flatMap(List::stream).mapToDouble(x -> x[1]).max().orElse(1);
            if (maxY <= 0) maxY = 1;
            sb.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\">%s (max %s; x: 0-%.0f min)</text>%n", y0 + 12, escape(m.getKey()), human(maxY), maxX));
            sb.append(String.format(Locale.ROOT, "<rect x=\"60\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>%n", y0 + 18, 620, ph - 20));
            int c = 0, legend = 0;
            for (Map.Entry<String, List<double[]>> p : m.getValue().entrySet()) {
                String colour = colours[c++ % colours.length];
                StringBuilder pts = new StringBuilder();
                for (double[] x : p.getValue()) {
                    double px = 60 + 620 * x[0] / Math.max(maxX, 1e-9);
                    double py = y0 + 18 + (ph - 20) * (1 - x[1] / maxY);
                    pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                }
                sb.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"1.5\" points=\"").append(pts).append("\"/>\n");
                sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", 700 + (legend / 7) * 100, y0 + 30 + (legend % 7) * 14, colour, escape(p.getKey())));
                legend++;
            }
            y0 += ph + gap;
        }
        sb.append("</svg>\n");
        Files.writeString(file, sb.toString());
    }

    static String human(double v) {
        if (v >= 1 << 20) return String.format(Locale.ROOT, "%.1f MiB", v / (1 << 20));
        return String.format(Locale.ROOT, "%.0f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;");
    }
}
