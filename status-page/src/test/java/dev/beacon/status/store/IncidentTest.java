package dev.beacon.status.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

class IncidentTest {
    private static final Instant T = Instant.parse("2026-03-01T12:00:00.123456Z");

    @OnBothDatabases
    void anIncidentRoundTripsWithItsComponentsAndUpdates(TestDatabase db) {
        try (Store store = db.open()) {
            Incident draft = new Incident(0, Set.of("relay", "canary"), "Relay handshakes fail in fra",
                    IncidentStatus.INVESTIGATING, Impact.MAJOR, T, null, true,
                    List.of(new IncidentUpdate(0, 0, IncidentStatus.INVESTIGATING, "Probes from fra fail.", T)));
            Incident stored = store.createIncident(draft);
            assertTrue(stored.id() > 0);
            assertEquals(Set.of("canary", "relay"), stored.components());
            assertEquals("Relay handshakes fail in fra", stored.title());
            assertEquals(Impact.MAJOR, stored.impact());
            assertEquals(T, stored.startedAt());
            assertTrue(stored.autoOpened());
            assertTrue(stored.isOpen());
            assertEquals(1, stored.updates().size());
            assertEquals("Probes from fra fail.", stored.updates().get(0).body());
            assertEquals(Optional.of(stored), store.incident(stored.id()));
            assertEquals(Optional.empty(), store.incident(stored.id() + 1000));
        }
    }

    @OnBothDatabases
    void aResolvingUpdateClosesTheIncidentAndALaterInvestigatingOneReopensIt(TestDatabase db) {
        try (Store store = db.open()) {
            Incident i = store.createIncident(Incident.open(Set.of("relay"), "Relay down", IncidentStatus.
                    INVESTIGATING, Impact.CRITICAL, T, false));
            store.addUpdate(i.id(), IncidentStatus.IDENTIFIED, "A bad certificate rotation.", T.plusSeconds(60));
            IncidentUpdate resolved = store.addUpdate(i.id(), IncidentStatus.RESOLVED, "Rolled back.",
                    T.plusSeconds(600));
            assertTrue(resolved.id() > 0);
            Incident closed = store.incident(i.id()).orElseThrow();
            assertEquals(IncidentStatus.RESOLVED, closed.status());
            assertEquals(T.plusSeconds(600), closed.resolvedAt());
            assertEquals(List.of(IncidentStatus.IDENTIFIED, IncidentStatus.RESOLVED),
                    closed.updates().stream().map(IncidentUpdate::status).toList());
            assertEquals(List.of(), store.openIncidents());

            store.addUpdate(i.id(), IncidentStatus.POSTMORTEM, "What happened.", T.plusSeconds(9000));
            assertEquals(T.plusSeconds(600), store.incident(i.id()).orElseThrow().resolvedAt(),
                    "a postmortem keeps the time it was resolved");

            store.addUpdate(i.id(), IncidentStatus.INVESTIGATING, "It is back.", T.plusSeconds(10000));
            Incident reopened = store.incident(i.id()).orElseThrow();
            assertNull(reopened.resolvedAt());
            assertEquals(List.of(reopened), store.openIncidents());
            assertThrows(IllegalArgumentException.class,
                    () -> store.addUpdate(i.id() + 1000, IncidentStatus.RESOLVED, "x", T));
        }
    }

    @OnBothDatabases
    void anEditReplacesTitleComponentsAndImpactButKeepsTheUpdates(TestDatabase db) {
        try (Store store = db.open()) {
            Incident i = store.createIncident(Incident.open(Set.of("relay"), "Relay slow", IncidentStatus
                    .INVESTIGATING, Impact.MINOR, T, true));
            store.addUpdate(i.id(), IncidentStatus.INVESTIGATING, "Looking.", T.plusSeconds(5));
            Incident edited = store.updateIncident(new Incident(i.id(), Set.of("relay", "readyz"),
                    "Relay and readyz slow", IncidentStatus.MONITORING, Impact.MAJOR, T, null, false, List.of()));
            assertEquals(Set.of("readyz", "relay"), edited.components());
            assertEquals("Relay and readyz slow", edited.title());
            assertEquals(Impact.MAJOR, edited.impact());
            assertFalse(edited.autoOpened());
            assertEquals(1, edited.updates().size());
            assertThrows(IllegalArgumentException.class, () -> store.updateIncident(new Incident(i.id() + 1000,
                    Set.of("relay"), "x", IncidentStatus.MONITORING, Impact.NONE, T, null, false, List.of())));
        }
    }

    @OnBothDatabases
    void incidentsAreListedNewestFirstWhenTheyOverlapTheRange(TestDatabase db) {
        try (Store store = db.open()) {
            Incident old = store.createIncident(new Incident(0, Set.of("relay"), "Old", IncidentStatus.RESOLVED,
                    Impact.MINOR, T.minusSeconds(7200), T.minusSeconds(3600), false, List.of()));
            Incident overlapping = store.createIncident(new Incident(0, Set.of("relay"), "Overlapping",
                    IncidentStatus.RESOLVED, Impact.MINOR, T.minusSeconds(600), T.plusSeconds(600), false,
                    List.of()));
            Incident open = store.createIncident(Incident.open(Set.of("canary"), "Open", IncidentStatus
                    .MONITORING, Impact.NONE, T.plusSeconds(1200), false));
            assertEquals(List.of(open, overlapping), store.incidents(T, T.plusSeconds(3600)));
            assertEquals(List.of(open, overlapping, old), store.incidents(T.minusSeconds(86400),
                    T.plusSeconds(86400)));
            assertEquals(List.of(open), store.openIncidents());
        }
    }
}
