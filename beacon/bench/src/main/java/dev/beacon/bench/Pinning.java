package dev.beacon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where the benchmark's processes run. Pinned: the relay under test on one CPU, the load generator and the bench
 * server on another (taskset), so every set-up's relay gets the same fixed share of the machine. Unpinned: the
 * scheduler decides, as on a machine nobody tuned.
 */
final class Pinning {
    /** The CPUs this process may use at start (what the unpinned mode gives back), e.g. "0-1". */
    final String allowed;
    /** CPU of the load generator and the bench server when pinned. */
    final int loadCpu;
    /** CPU of the relay under test when pinned. */
    final int relayCpu;
    /** Why pinning cannot be done here, or null when it can. */
    final String unavailable;

    private Pinning(String allowed, int loadCpu, int relayCpu, String unavailable) {
        this.allowed = allowed;
        this.loadCpu = loadCpu;
        this.relayCpu = relayCpu;
        this.unavailable = unavailable;
    }

    /** Finds two CPUs this process may use and checks that taskset can put a process on each. */
    static Pinning detect() {
        String allowed = allowedList();
        List<Integer> cpus = parse(allowed);
        if (cpus.size() < 2) return new Pinning(allowed, -1, -1, "only " + cpus.size() + " CPU allowed (" + allowed + ")");
        int load = cpus.get(0);
        int relay = cpus.get(1);
        for (int cpu : new int[] {load, relay}) {
            String err = run(List.of("taskset", "-c", Integer.toString(cpu), "true"));
            if (err != null) return new Pinning(allowed, -1, -1, "taskset -c " + cpu + " failed: " + err);
        }
        return new Pinning(allowed, load, relay, null);
    }

    boolean available() {
        return unavailable == null;
    }

    /** The command prefix that starts a process on {@code cpu}. */
    static List<String> on(int cpu) {
        return List.of("taskset", "-c", Integer.toString(cpu));
    }

    /** Moves every thread of this process (the load generator) to {@code cpus} ("0", "0-1"); later threads inherit it. */
    static void self(String cpus) {
        String err = run(List.of("taskset", "-a", "-p", "-c", cpus, Long.toString(ProcessHandle.current().pid())));
        if (err != null) throw new IllegalStateException("taskset could not move the load generator to CPU " + cpus + ": " + err);
    }

    /** CPUs a process may run on, from /proc/PID/status (Cpus_allowed_list), e.g. "1". */
    static String of(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("Cpus_allowed_list:")) return l.substring(l.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // gone or unreadable
        }
        return "?";
    }

    private static String allowedList() {
        String s = of(ProcessHandle.current().pid());
        return s.equals("?") ? "0-" + (Runtime.getRuntime().availableProcessors() - 1) : s;
    }

    /** "0-2,5" to [0, 1, 2, 5]. */
    static List<Integer> parse(String list) {
        List<Integer> out = new ArrayList<>();
        for (String part : list.split(",")) {
            part = part.trim();
            if (part.isEmpty()) continue;
            int dash = part.indexOf('-');
            if (dash < 0) {
                out.add(Integer.parseInt(part));
            } else {
                for (int c = Integer.parseInt(part.substring(0, dash)); c <= Integer.parseInt(part.substring(dash + 1)); c++) out.add(c);
            }
        }
        return out;
    }

    /** Runs a command; null if it exited 0, else what it said. */
    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "timed out";
            }
            return p.exitValue() == 0 ? null : "exit " + p.exitValue() + (out.isEmpty() ? "" : ": " + out);
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
