package dev.beacon.status.uptime;

import java.time.Instant;
import java.util.Objects;

/**
 * Announced maintenance, [start, end) in UTC, for one component or (component null) for all of them. Minutes that
 * start inside the window are left out of uptime and of the error budget, whatever the probes saw.
 */
public record MaintenanceWindow(String component, Instant start, Instant end) {
    public MaintenanceWindow {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (end.isBefore(start)) {
            throw new IllegalArgumentException("maintenance ends before it starts: " + start + " .. " + end);
        }
    }

    public static MaintenanceWindow forAll(Instant start, Instant end) {
        return new MaintenanceWindow(null, start, end);
    }

    public static MaintenanceWindow forComponent(String component, Instant start, Instant end) {
        return new MaintenanceWindow(Objects.requireNonNull(component, "component"), start, end);
    }

    public boolean appliesTo(String component) {
        return this.component == null || this.component.equals(component);
    }
}
