package dev.beacon.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The physical floor of relay CPU per GB: a blind relay must decrypt and re-encrypt every byte once, so no relay
 * can spend less than two AES-128-GCM passes over it (the suite every set-up negotiates). Measured on this machine,
 * in the same run, with {@code openssl speed -evp aes-128-gcm} at 16 KiB (a full TLS record), on the relay's core
 * when pinned: floor = 2 x 1e9 / bytes per second, in CPU seconds per GB.
 */
final class Floor {
    static final int BYTES = 16384;

    private Floor() {
    }

    /** The command, after an optional taskset prefix. */
    static List<String> command() {
        return List.of("openssl", "speed", "-mr", "-evp", "aes-128-gcm", "-seconds", "1", "-bytes", Integer.toString(BYTES));
    }

    /** AES-128-GCM bytes per second at 16 KiB, or NaN when openssl is missing or says nothing parseable. */
    static double bytesPerSecond(List<String> prefix) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(command());
        String out = run(cmd);
        double v = out == null ? Double.NaN : parse(out);
        if (Double.isNaN(v) && out != null) {
            // an openssl without -bytes or -seconds (older than 1.1.1): its default sizes include 16384
            List<String> old = new ArrayList<>(prefix);
            old.addAll(List.of("openssl", "speed", "-evp", "aes-128-gcm"));
            String o = run(old);
            v = o == null ? Double.NaN : parse(o);
        }
        return v;
    }

    /** CPU seconds per GB for one decrypt plus one encrypt of every byte. */
    static double secondsPerGb(double bytesPerSecond) {
        return bytesPerSecond > 0 ? 2 * 1e9 / bytesPerSecond : Double.NaN;
    }

    /**
     * The 16384-byte rate from {@code openssl speed} output, in bytes per second. Reads the machine-readable line
     * ({@code +F:n:AES-128-GCM:v1:v2...} with {@code +H:size1:size2...}) if there is one, else the table (a header
     * line "type ... 16384 bytes ..." and a row "AES-128-GCM ... 5622005.76k ...", in 1000s of bytes per second).
     */
    static double parse(String out) {
        List<String> sizes = null;
        for (String line : out.split("\\R")) {
            String l = line.trim();
            if (l.startsWith("+H:")) sizes = List.of(l.substring(3).split(":"));
            if (l.startsWith("+F:") && sizes != null) {
                String[] f = l.split(":");
                // +F, index, name, values...
                for (int i = 0; i < sizes.size() && 3 + i < f.length; i++) {
                    if (sizes.get(i).trim().equals(Integer.toString(BYTES)) && f[2].toUpperCase().contains("AES-128-GCM")) {
                        return positive(f[3 + i]);
                    }
                }
            }
        }
        int column = -1;
        for (String line : out.split("\\R")) {
            String l = line.trim();
            if (l.startsWith("type")) {
                // "type  16 bytes  64 bytes ... 16384 bytes": the values follow the name in this order
                String[] t = l.substring(4).trim().split("\\s+bytes\\s*");
                column = -1;
                for (int i = 0; i < t.length; i++) if (t[i].trim().equals(Integer.toString(BYTES))) column = i;
            } else if (column >= 0 && l.toUpperCase().startsWith("AES-128-GCM")) {
                String[] v = l.substring("AES-128-GCM".length()).trim().split("\\s+");
                if (column < v.length) {
                    String s = v[column];
                    double scale = 1;
                    if (s.endsWith("k")) {
                        scale = 1000;
                        s = s.substring(0, s.length() - 1);
                    }
                    double x = positive(s);
                    return x * scale;
                }
            }
        }
        return Double.NaN;
    }

    private static double positive(String s) {
        try {
            double v = Double.parseDouble(s.trim());
            return v > 0 && Double.isFinite(v) ? v : Double.NaN;
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** Runs a command for at most 60 s; its output (stdout and stderr), or null when it could not run or failed. */
    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
