package dev.beacon.runtime;

import java.util.List;

/**
 * The JVM flags the product's processes are shipped with, sized in docs/decisions/0010-memory-at-rest.md: the same
 * list as the container images' ENTRYPOINT and the Helm charts' command, here for the processes {@code local} mode
 * starts (and the tests that start product jars the way a self-hoster does).
 */
public final class JvmFlags {
    private JvmFlags() {
    }

    /** A beacon node: heap up to 256 MiB, Netty direct memory up to 128 MiB. */
    public static final List<String> NODE = flags("256m", "128m");
    /** A bridge: heap up to 192 MiB (request bodies up to openbao.maxBufferedBytes, 64 MiB, are held there), direct 64 MiB. */
    public static final List<String> BRIDGE = flags("192m", "64m");

    /**
     * Serial GC (at this heap size G1's own structures cost about 40 MiB of native memory, Serial's under 1 MiB), a heap
     * that starts at 16 MiB and grows to {@code maxHeap}, bounded direct memory (Netty's pools count against it),
     * bounded code cache and metaspace, exit on OutOfMemoryError (a restart beats a half-working relay), JIT thresholds
     * five times the default (the compilers spent half of a node's CPU to ready on start-up code that never runs again:
     * docs/decisions/0014-start-to-ready.md), and the C
     * heap trimmed every 5 s (the JIT's start-up burst frees some 30 MiB of malloc arenas that glibc would otherwise
     * keep). The last flag exists from JDK 17.0.9 on; a JVM that does not know it is started without it.
     */
    public static List<String> flags(String maxHeap, String maxDirect) {
        List<String> f = new java.util.ArrayList<>(List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx" + maxHeap,
                "-XX:MaxDirectMemorySize=" + maxDirect, "-XX:ReservedCodeCacheSize=64m", "-XX:MaxMetaspaceSize=96m",
                "-XX:+ExitOnOutOfMemoryError", "-XX:CompileThresholdScaling=5"));
        if (knows("TrimNativeHeapInterval")) f.add("-XX:TrimNativeHeapInterval=5000");
        return List.copyOf(f);
    }

    /** Whether this JVM (the one that starts the product's processes, normally the same build) has the option. */
    private static boolean knows(String option) {
        try {
            java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption(option);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
