package dev.beacon.bridge.openbao;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OpenBaoMetricsTest {
    /** Dashboards and alerts query these names and tags (docs/bridge.md): renaming one breaks them silently. */
    @Test
    void namesAndTagsStayWhatDashboardsQueryAndEachMetricIsDescribed() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        OpenBaoMetrics m = new OpenBaoMetrics(r, new AtomicLong(42));
        new OpenBaoNodes(null, null, new OpenBaoConfig(), List::of, m); // registers its gauges
        m.requestAnswered("ok", -1);
        m.requestAnswered("no_leader", 1_000_000);
        m.leaderChanged(-1);
        m.leaderChanged(2_000_000);

        Set<String> names = new TreeSet<>();
        for (Meter meter : r.getMeters()) {
            Meter.Id id = meter.getId();
            names.add(id.getName() + id.getTags().stream().map(t -> "{" + t.getKey() + "}").distinct().reduce("", String::concat));
            assertNotNull(id.getDescription(), id.getName());
            assertFalse(id.getDescription().isBlank(), id.getName());
        }
        assertEquals(new TreeSet<>(List.of("bridge_openbao_nodes{state}", "bridge_openbao_leader_changes_total",
                "bridge_openbao_failover_detection_seconds", "bridge_openbao_held_request_seconds",
                "bridge_openbao_requests_total{outcome}", "bridge_openbao_buffered_bytes")), names);
        assertEquals(6, r.find("bridge_openbao_nodes").gauges().size(), "one series per state");
        assertEquals(2, r.get("bridge_openbao_leader_changes_total").counter().count(), "the first leader counts too");
        assertEquals(1, r.get("bridge_openbao_failover_detection_seconds").timer().count(), "timed only from a previous leader");
        assertEquals(1, r.get("bridge_openbao_held_request_seconds").timer().count(), "only held requests are timed");
        assertEquals(42, r.get("bridge_openbao_buffered_bytes").gauge().value());
    }
}
