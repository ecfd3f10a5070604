package dev.beacon.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
    /** What dashboards and the status page read from every service, whichever service it is. */
    @Test
    void everyServicesRegistryReportsUptimeJvmAndNettyBuffers() {
        String scrape = Metrics.registry().scrape();
        for (String m : List.of("process_start_time_seconds", "process_uptime_seconds", "jvm_memory_used_bytes",
                "jvm_gc_", "jvm_threads_live_threads", "system_cpu_count", "netty_allocator_memory_used")) {
            assertTrue(scrape.contains(m), m + " missing from:\n" + scrape);
        }
    }
}
