package dev.beacon.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class BridgeMetricsTest {
    /** Dashboards and alerts query these names and tags (docs/bridge.md): renaming one breaks them silently. */
    @Test
    void namesAndTagsStayWhatDashboardsQueryAndEachMetricIsDescribed() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        BridgeMetrics m = new BridgeMetrics(r, () -> 3);
        m.nodesHeld(List.of("n1", "n2"));
        m.streamsSpliced.increment();

        Set<String> seen = new TreeSet<>();
        for (Meter meter : r.getMeters()) {
            Meter.Id id = meter.getId();
            seen.add(id.getName() + id.getTags().stream().map(t -> "{" + t.getKey() + "=" + t.getValue() + "}").reduce("", String::concat));
            assertNotNull(id.getDescription(), id.getName());
            assertFalse(id.getDescription().isBlank(), id.getName());
        }
        assertEquals(new TreeSet<>(List.of("bridge_streams_total{result=spliced}", "bridge_streams_total{result=upstream_unreachable}",
                "bridge_streams_total{result=refused}", "bridge_beacon_connections{node=n1}", "bridge_beacon_connections{node=n2}",
                "bridge_idle_data_connections")), seen);
        assertEquals(3, r.get("bridge_idle_data_connections").gauge().value());

        m.nodesHeld(List.of("n2"));
        assertEquals(List.of("n2"), r.find("bridge_beacon_connections").gauges().stream().map(g -> g.getId().getTag("node")).toList(),
                "a released node's series goes");
    }
}
