package dev.beacon.status.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Set;

/**
 * A planned maintenance window [startsAt, endsAt) on some components, or on all of them (then components is
 * empty). id is 0 until stored.
 */
public record Maintenance(long id, Set<String> components, boolean allComponents, String title, Instant startsAt,
                          Instant endsAt) {
    public Maintenance {
        components = Incident.sortedNames(components);
        if (allComponents != components.isEmpty()) {
            throw new IllegalArgumentException(allComponents
                    ? "a window on all components names none" : "a window names its components, or is on all");
        }
        title = Incident.title(title);
        startsAt = Objects.requireNonNull(startsAt, "startsAt").truncatedTo(ChronoUnit.MICROS);
        endsAt = Objects.requireNonNull(endsAt, "endsAt").truncatedTo(ChronoUnit.MICROS);
        if (!endsAt.isAfter(startsAt)) {
            throw new IllegalArgumentException("a window ends after it starts: " + startsAt + " .. " + endsAt);
        }
    }

    public static Maintenance of(Set<String> components, String title, Instant startsAt, Instant endsAt) {
        return new Maintenance(0, components, false, title, startsAt, endsAt);
    }

    public static Maintenance ofAll(String title, Instant startsAt, Instant endsAt) {
        return new Maintenance(0, Set.of(), true, title, startsAt, endsAt);
    }

    /** Whether the window covers this component at this instant. */
    public boolean covers(String component, Instant at) {
        return (allComponents || components.contains(component)) && !at.isBefore(startsAt) && at.isBefore(endsAt);
    }
}
