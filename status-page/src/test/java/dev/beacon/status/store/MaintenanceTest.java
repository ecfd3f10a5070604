package dev.beacon.status.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Set;

class MaintenanceTest {
    private static final Instant T = Instant.parse("2026-03-01T02:00:00Z");

    @OnBothDatabases
    void windowsOnSomeComponentsAndOnAllRoundTrip(TestDatabase db) {
        try (Store store = db.open()) {
            Maintenance some = store.createMaintenance(Maintenance.of(Set.of("relay", "readyz"),
                    "Certificate rotation", T, T.plusSeconds(3600)));
            Maintenance all = store.createMaintenance(Maintenance.ofAll("Database upgrade", T.plusSeconds(7200),
                    T.plusSeconds(9000)));
            assertTrue(some.id() > 0 && all.id() > some.id());
            assertEquals(List.of(some, all), store.maintenances(T.minusSeconds(1), T.plusSeconds(86400)));
            List<Maintenance> read = store.maintenances(T, T.plusSeconds(1));
            assertEquals(List.of(some), read);
            assertEquals(Set.of("readyz", "relay"), read.get(0).components());
            assertTrue(store.maintenances(T.plusSeconds(8000), T.plusSeconds(8001)).get(0).covers("canary",
                    T.plusSeconds(8000)));
        }
    }

    @OnBothDatabases
    void aWindowIsListedWhenItOverlapsTheRangeAndNotWhenItEndsAtItsStart(TestDatabase db) {
        try (Store store = db.open()) {
            Maintenance w = store.createMaintenance(Maintenance.of(Set.of("relay"), "Move", T, T.plusSeconds(60)));
            assertEquals(List.of(w), store.maintenances(T.plusSeconds(59), T.plusSeconds(120)));
            assertEquals(List.of(), store.maintenances(T.plusSeconds(60), T.plusSeconds(120)));
            assertEquals(List.of(), store.maintenances(T.minusSeconds(60), T));
        }
    }

    @OnBothDatabases
    void aWindowCanBeMovedRescopedAndDeleted(TestDatabase db) {
        try (Store store = db.open()) {
            Maintenance w = store.createMaintenance(Maintenance.of(Set.of("relay"), "Move", T, T.plusSeconds(60)));
            Maintenance moved = new Maintenance(w.id(), Set.of(), true, "Move everything", T.plusSeconds(600),
                    T.plusSeconds(1200));
            assertEquals(moved, store.updateMaintenance(moved));
            assertEquals(List.of(moved), store.maintenances(T, T.plusSeconds(86400)));
            assertTrue(store.deleteMaintenance(w.id()));
            assertFalse(store.deleteMaintenance(w.id()));
            assertEquals(List.of(), store.maintenances(T, T.plusSeconds(86400)));
            assertThrows(IllegalArgumentException.class, () -> store.updateMaintenance(moved));
        }
    }
}
