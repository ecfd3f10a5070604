package dev.beacon.status.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * An incident on one or more components. id is 0 until stored; updates are oldest first and are written through
 * {@link Store#addUpdate}, not through {@link Store#updateIncident}.
 *
 * @param resolvedAt null while the incident is open
 * @param autoOpened true when the status page opened it itself from failing probes
 */
public record Incident(long id, Set<String> components, String title, IncidentStatus status, Impact impact,
                       Instant startedAt, Instant resolvedAt, boolean autoOpened, List<IncidentUpdate> updates) {
    /** Longest title (the schema's VARCHAR(200)). */
    public static final int MAX_TITLE = 200;

    public Incident {
        components = sortedNames(components);
        title = title(title);
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(impact, "impact");
        startedAt = Objects.requireNonNull(startedAt, "startedAt").truncatedTo(ChronoUnit.MICROS);
        resolvedAt = resolvedAt == null ? null : resolvedAt.truncatedTo(ChronoUnit.MICROS);
        updates = List.copyOf(updates == null ? List.of() : updates);
    }

    /** A new incident to hand to {@link Store#createIncident}. */
    public static Incident open(Set<String> components, String title, IncidentStatus status, Impact impact,
                                Instant startedAt, boolean autoOpened) {
        return new Incident(0, components, title, status, impact, startedAt, null, autoOpened, List.of());
    }

    public boolean isOpen() {
        return resolvedAt == null;
    }

    static Set<String> sortedNames(Set<String> names) {
        Set<String> sorted = new TreeSet<>();
        for (String n : Objects.requireNonNull(names, "components")) {
            sorted.add(StoredResult.name("component", n));
        }
        return java.util.Collections.unmodifiableSet(sorted);
    }

    static String title(String title) {
        Objects.requireNonNull(title, "title");
        if (title.isBlank() || title.length() > MAX_TITLE) {
            throw new IllegalArgumentException("title must be 1 to " + MAX_TITLE + " characters");
        }
        return title;
    }
}
