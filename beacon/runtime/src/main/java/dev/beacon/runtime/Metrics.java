package dev.beacon.runtime;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * The registry a service serves on its admin port's {@code /metrics}, with what every process reports already bound:
 * uptime ({@code process_start_time_seconds}, which the status page reads), JVM memory, GC and threads, CPU, and
 * Netty's shared buffer pool. A service adds its own metrics (RelayMetrics, BridgeMetrics) to it.
 */
public final class Metrics {
    private Metrics() {
    }

    public static PrometheusMeterRegistry registry() {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new UptimeMetrics().bindTo(meters);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmGcMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new NettyAllocatorMetrics(PooledByteBufAllocator.DEFAULT).bindTo(meters);
        return meters;
    }
}
