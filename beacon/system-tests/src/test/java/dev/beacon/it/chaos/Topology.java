package dev.beacon.it.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces joined pairwise by veth links, so that any single path can be cut (both ways or one way) and
 * healed. The test JVM stays in the root namespace ("load") and reaches every other one over its own link.
 *
 * <p>Addressing, static and inside the namespaces only: namespace i (1..) owns 10.B.0.i/32 on its loopback, the
 * address its processes bind and advertise; link k between namespaces i &lt; j is 10.B.k.0/30 (.1 on i's side, .2
 * on j's); namespace i reaches j's address through the i-j link only (a /32 route with the source pinned to i's
 * own address), so cutting that link cuts that path and no other. B = 200 + pid % 40 keeps two runs apart.
 *
 * <p>Names carry the JVM's pid ({@code bcx<pid>-<name>}, veths {@code bx<pid>.<i><j>}): {@link #close} and a
 * shutdown hook delete them; at start, namespaces of runs whose JVM is gone are deleted.
 */
public final class Topology implements AutoCloseable {
    static final String PREFIX = "bcx";
    /** The root namespace: the test JVM (wrappers, the bulk upstream, admin calls). */
    public static final String LOAD = "load";

    private final long pid = ProcessHandle.current().pid();
    private final int b = 200 + (int) (pid % 40);
    private final List<String> names;
    private final Map<String, Integer> links = new LinkedHashMap<>();
    private final List<String> activeRules = new ArrayList<>();
    private final boolean iptables;
    private final Thread hook = new Thread(this::deleteAll, "topology-cleanup");

    /** How a path is cut. */
    public enum Cut {
        /** Both directions: every packet on the link is dropped (a silent partition, TCP retransmits into nothing). */
        BOTH,
        /** Packets from {@code b} to {@code a} are dropped; {@code a} still sends to {@code b}. */
        INTO_A
    }

    /** {@code names}: the namespaces besides {@link #LOAD}, in order; their index (1..) is their address's last byte. */
    public Topology(List<String> names) throws IOException, InterruptedException {
        this.names = new ArrayList<>();
        this.names.add(LOAD);
        this.names.addAll(names);
        deleteStale();
        this.iptables = hasIptables();
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            build();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Whether the machine can run this: root, and {@code ip netns} works. A reason when not, null when it can. */
    public static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) return "the chaos tests need root (network namespaces, veth links)";
        try {
            String probe = PREFIX + "probe" + ProcessHandle.current().pid();
            Result add = run(List.of("ip", "netns", "add", probe));
            run(List.of("ip", "netns", "delete", probe));
            if (add.rc != 0) return "ip netns add failed: " + add.out;
            return null;
        } catch (IOException | InterruptedException e) {
            return "no ip command (iproute2): " + e.getMessage();
        }
    }

    /** Whether one-way cuts are real: they need iptables (beacon/system-tests/scripts/install-iptables.sh). */
    public boolean oneWayCuts() {
        return iptables;
    }

    public String ns(String name) {
        return PREFIX + pid + "-" + name;
    }

    /** {@code ip netns exec NS}: put before a command to run it in namespace {@code name}. */
    public List<String> exec(String name) {
        return List.of("ip", "netns", "exec", ns(name));
    }

    /** The address {@code name}'s processes bind: reachable from every other namespace over the direct link. */
    public String address(String name) {
        int i = index(name);
        if (i == 0) throw new IllegalArgumentException("the load namespace has no address of its own; use addressSeenBy");
        return "10." + b + ".0." + i;
    }

    /** The load namespace's address on its link to {@code name}: where processes in {@code name} reach the test JVM. */
    public String loadAddressFor(String name) {
        return "10." + b + "." + link(LOAD, name) + ".1";
    }

    private int index(String name) {
        int i = names.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no namespace " + name);
        return i;
    }

    private int link(String x, String y) {
        int i = index(x), j = index(y);
        Integer k = links.get(Math.min(i, j) + "-" + Math.max(i, j));
        if (k == null) throw new IllegalArgumentException("no link " + x + "-" + y);
        return k;
    }

    private String dev(int i, int j) {
        return "bx" + pid + "." + Integer.toString(i, 36) + Integer.toString(j, 36);
    }

    private void build() throws IOException, InterruptedException {
        for (int i = 1; i < names.size(); i++) {
            sh("ip", "netns", "add", ns(names.get(i)));
            sh("ip", "-n", ns(names.get(i)), "link", "set", "lo", "up");
            sh("ip", "-n", ns(names.get(i)), "addr", "add", "10." + b + ".0." + i + "/32", "dev", "lo");
        }
        int k = 0;
        for (int i = 0; i < names.size(); i++) {
            for (int j = i + 1; j < names.size(); j++) {
                k++;
                if (k > 254) throw new IllegalStateException("too many links");
                links.put(i + "-" + j, k);
                String di = dev(i, j), dj = dev(j, i);
                sh("ip", "link", "add", di, "type", "veth", "peer", "name", dj);
                if (i > 0) sh("ip", "link", "set", di, "netns", ns(names.get(i)));
                sh("ip", "link", "set", dj, "netns", ns(names.get(j)));
                sh(in(i, "ip", "addr", "add", "10." + b + "." + k + ".1/30", "dev", di));
                sh(in(j, "ip", "addr", "add", "10." + b + "." + k + ".2/30", "dev", dj));
                sh(in(i, "ip", "link", "set", di, "up"));
                sh(in(j, "ip", "link", "set", dj, "up"));
                // j's own address via the i-j link, and i's (when i has one) via the same link the other way
                sh(in(i, route(j, k, 2, i)));
                if (i > 0) sh(in(j, route(i, k, 1, j)));
            }
        }
    }

    private String[] route(int to, int k, int viaSide, int from) {
        List<String> r = new ArrayList<>(List.of("ip", "route", "replace", "10." + b + ".0." + to + "/32", "via", "10." + b + "." + k + "." + viaSide));
        if (from > 0) r.addAll(List.of("src", "10." + b + ".0." + from));
        return r.toArray(String[]::new);
    }

    private String[] in(int i, String... cmd) {
        List<String> c = new ArrayList<>();
        if (i > 0) c.addAll(List.of("ip", "netns", "exec", ns(names.get(i))));
        c.addAll(List.of(cmd));
        return c.toArray(String[]::new);
    }

    /**
     * Cuts the path between {@code a} and {@code b}. With iptables, packets are dropped on the link in {@code a}'s
     * namespace (in {@code b}'s when {@code a} is the load namespace, so the root's firewall is never touched); without
     * iptables the link goes down (both ways only).
     */
    public void cut(String a, String bName, Cut how) throws IOException, InterruptedException {
        int i = index(a), j = index(bName);
        String dev = dev(i, j);
        if (iptables && i == 0) {
            // never touch the root namespace's firewall: drop on the far end instead
            String far = dev(j, i);
            rule(j, "-I", "OUTPUT", "-o", far, "-j", "DROP");
            if (how == Cut.BOTH) rule(j, "-I", "INPUT", "-i", far, "-j", "DROP");
        } else if (iptables) {
            rule(i, "-I", "INPUT", "-i", dev, "-j", "DROP");
            if (how == Cut.BOTH) rule(i, "-I", "OUTPUT", "-o", dev, "-j", "DROP");
        } else {
            sh(in(i, "ip", "link", "set", dev, "down"));
            activeRules.add("down " + i + " " + j);
        }
    }

    private void rule(int i, String... r) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("iptables", "-w"));
        c.addAll(List.of(r));
        sh(in(i, c.toArray(String[]::new)));
        activeRules.add(i + "\t" + String.join("\t", r));
    }

    /** Undoes every cut. */
    public void healAll() throws IOException, InterruptedException {
        for (String r : List.copyOf(activeRules)) {
            if (r.startsWith("down ")) {
                String[] p = r.split(" ");
                int i = Integer.parseInt(p[1]), j = Integer.parseInt(p[2]);
                sh(in(i, "ip", "link", "set", dev(i, j), "up"));
                int k = links.get(Math.min(i, j) + "-" + Math.max(i, j));
                // setting a link down drops the routes through it: put them back
                sh(in(i, route(j, k, i < j ? 2 : 1, i)));
                if (j > 0) sh(in(j, route(i, k, i < j ? 1 : 2, j)));
            } else {
                String[] p = r.split("\t");
                List<String> c = new ArrayList<>(List.of("iptables", "-w", "-D"));
                for (int x = 2; x < p.length; x++) c.add(p[x]);
                sh(in(Integer.parseInt(p[0]), c.toArray(String[]::new)));
            }
            activeRules.remove(r);
        }
    }

    @Override
    public void close() {
        deleteAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran
        }
    }

    /**
     * Kills what still runs in the namespaces (when the test JVM is stopped before its cluster closed, its processes
     * would outlive it), then deletes them. Deleting a namespace destroys its veth ends, and a veth pair goes with either
     * end: nothing is left in the root.
     */
    private synchronized void deleteAll() {
        for (int i = names.size() - 1; i >= 1; i--) {
            try {
                for (String pid : run(List.of("ip", "netns", "pids", ns(names.get(i)))).out.split("\\s+")) {
                    if (pid.matches("\\d+")) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            } catch (IOException | InterruptedException ignored) {
                // nothing to kill
            }
        }
        for (int i = names.size() - 1; i >= 1; i--) {
            try {
                run(List.of("ip", "netns", "delete", ns(names.get(i))));
            } catch (IOException | InterruptedException ignored) {
                // best effort: deleteStale removes it on the next run
            }
        }
        for (int i = 1; i < names.size(); i++) {
            try {
                run(List.of("ip", "link", "delete", dev(0, i)));
            } catch (IOException | InterruptedException ignored) {
                // usually gone already with its peer
            }
        }
    }

    /** Namespaces (and root-side veths) left by a run whose JVM is gone (killed before its hook ran). */
    static void deleteStale() throws IOException, InterruptedException {
        Result list = run(List.of("ip", "netns", "list"));
        for (String line : list.out.split("\n")) {
            String n = line.split(" ")[0].trim();
            if (!n.startsWith(PREFIX) || n.startsWith(PREFIX + "probe")) continue;
            String digits = n.substring(PREFIX.length()).split("-")[0];
            if (!digits.matches("\\d+") || Files.exists(Path.of("/proc", digits))) continue;
            run(List.of("ip", "netns", "delete", n));
        }
        Result links = run(List.of("ip", "-o", "link", "show"));
        for (String line : links.out.split("\n")) {
            String[] f = line.split(":\\s+");
            if (f.length < 2) continue;
            String dev = f[1].split("@")[0];
            if (!dev.matches("bx\\d+\\..*")) continue;
            String digits = dev.substring(2, dev.indexOf('.'));
            if (!Files.exists(Path.of("/proc", digits))) run(List.of("ip", "link", "delete", dev));
        }
    }

    private static boolean hasIptables() {
        try {
            return run(List.of("iptables", "-w", "-S", "INPUT")).rc == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static void sh(String... cmd) throws IOException, InterruptedException {
        Result r = run(List.of(cmd));
        if (r.rc != 0) throw new IOException(String.join(" ", cmd) + " exited " + r.rc + ": " + r.out);
    }

    record Result(int rc, String out) {
    }

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + out);
        }
        return new Result(p.exitValue(), out);
    }
}
