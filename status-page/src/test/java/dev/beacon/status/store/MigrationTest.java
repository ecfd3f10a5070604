package dev.beacon.status.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationTest {
    private static final List<String> TABLES = List.of("probe_result", "probe_minute", "probe_day", "store_state",
            "incident", "incident_component", "incident_update", "maintenance", "maintenance_component", "node_certificate");

    /** Every migration the module ships. */
    private static final long MIGRATIONS = migrations();

    private static final String APPLIED =
            "SELECT count(*) FROM flyway_schema_history WHERE success AND version IS NOT NULL";

    @OnBothDatabases
    void migrationsCreateEveryTableOnAnEmptyDatabase(TestDatabase db) throws SQLException {
        try (Store ignored = db.open()) {
            for (String table : TABLES) {
                assertTrue(count(db, "SELECT count(*) FROM " + table) >= 0, table);
            }
            assertEquals(MIGRATIONS, count(db, APPLIED));
        }
    }

    @OnBothDatabases
    void migrationsRunAgainOnAMigratedDatabaseAndKeepItsRows(TestDatabase db) throws SQLException {
        try (Store store = db.open()) {
            store.record(List.of(Results.up("fra", "relay", Results.T0, 12)));
        }
        try (Store store = db.open()) {
            assertEquals(1, store.results("relay", Results.T0, Results.T0.plusSeconds(1)).size());
            assertEquals(MIGRATIONS, count(db, APPLIED));
        }
    }

    @OnBothDatabases
    void aDatabaseOfTheFirstReleaseIsUpgradedInPlaceAndKeepsItsHistory(TestDatabase db) throws SQLException {
        org.flywaydb.core.Flyway.configure().dataSource(db.url(), db.user(), db.password())
                .locations("classpath:db/migration").target("1").load().migrate();
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password()); Statement s = c.createStatement()) {
            s.execute("INSERT INTO probe_day (component, day_utc, status, up_minutes, degraded_minutes, down_minutes, probes,"
                    + " latency_count, latency_sum_ms, latency_max_ms) VALUES ('relay', DATE '2026-03-01', 'UP', 1440, 0, 0, 2880, 2880, 28800, 40)");
        }
        try (Store store = db.open()) {
            assertEquals(MIGRATIONS, count(db, APPLIED));
            assertEquals(1440, store.days(java.time.LocalDate.of(2026, 3, 1), java.time.LocalDate.of(2026, 3, 2)).get(0).upMinutes());
            assertEquals(List.of(), store.daysWrittenSince(Instant.EPOCH), "a day written before the upgrade has no time");
        }
    }

    @Test
    void theEmbeddedDatabaseIsOneFileInItsDataDirectory(@TempDir Path dataDir) throws Exception {
        try (Store store = Store.open(Store.h2Url(dataDir), "sa", "")) {
            store.record(List.of(Results.up("fra", "relay", Instant.now(), 12)));
        }
        try (Stream<Path> files = Files.list(dataDir)) {
            assertEquals(List.of("status.mv.db"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void anH2UrlGetsThePostgresqlModeItNeedsAndAnotherModeIsRefused(@TempDir Path dataDir) {
        try (Store store = Store.open("jdbc:h2:file:" + dataDir.resolve("plain"), "sa", "")) {
            store.record(List.of(Results.up("fra", "relay", Results.T0, 12)));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Store.open("jdbc:h2:file:" + dataDir.resolve("x") + ";MODE=MySQL", "sa", ""));
        assertTrue(e.getMessage().contains("MODE=PostgreSQL"), e.getMessage());
    }

    static long count(TestDatabase db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long migrations() {
        try (var files = java.nio.file.Files.list(Path.of("src/main/resources/db/migration"))) {
            return files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
