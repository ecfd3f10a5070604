package dev.beacon.runtime;

/**
 * Netty's shared buffer-pool sizes for the product's processes, set by each main class before any Netty class loads
 * (docs/decisions/0010-memory-at-rest.md). Netty sizes its default pooled allocator to two arenas per core with 4 MiB
 * chunks, and every arena a thread touches keeps at least one chunk for good; in a node that pool serves only the
 * cluster messaging and the admin server, not the relay (which has its own allocator, one arena per event loop). One
 * arena of each kind with 1 MiB chunks (maxOrder 7: 8 KiB pages << 7) is enough for that traffic. A {@code -D} on the
 * command line wins: nothing is overwritten.
 */
public final class NettyDefaults {
    /** The system properties and the values applied when absent. */
    public static final java.util.Map<String, String> DEFAULTS = java.util.Map.of(
            "io.netty.allocator.numDirectArenas", "1",
            "io.netty.allocator.numHeapArenas", "1",
            "io.netty.allocator.maxOrder", "7");

    private NettyDefaults() {
    }

    public static void apply() {
        DEFAULTS.forEach((k, v) -> {
            if (System.getProperty(k) == null) System.setProperty(k, v);
        });
    }
}
