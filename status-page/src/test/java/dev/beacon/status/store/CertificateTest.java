package dev.beacon.status.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The node certificates the TLS probes saw: the newest sighting of any location is the one the page shows. */
class CertificateTest {
    private static final Instant OLD = Instant.parse("2026-06-01T00:00:00Z");
    private static final Instant RENEWED = Instant.parse("2026-08-30T00:00:00Z");
    private static final Instant T = Instant.parse("2026-05-01T12:00:00Z");

    @OnBothDatabases
    void aRenewalSeenByOneLocationReplacesTheOldCertificateAndALateOlderSightingDoesNotBringItBack(TestDatabase db) {
        try (Store store = db.open()) {
            store.certificatesSeen(List.of(new CertificateSeen("node/a/tls", "fra", OLD, T),
                    new CertificateSeen("node/a/tls", "iad", OLD, T.plusSeconds(1)),
                    new CertificateSeen("node/b/tls", "fra", OLD, T)));
            store.certificatesSeen(List.of(new CertificateSeen("node/a/tls", "iad", RENEWED, T.plusSeconds(60))));
            // fra's prober replays an older sighting after a database outage
            store.certificatesSeen(List.of(new CertificateSeen("node/a/tls", "iad", OLD, T.plusSeconds(30))));
            Map<String, CertificateSeen> seen = store.certificates();
            assertEquals(RENEWED, seen.get("node/a/tls").notAfter());
            assertEquals("iad", seen.get("node/a/tls").location());
            assertEquals(OLD, seen.get("node/b/tls").notAfter());
            assertEquals(2, seen.size());
        }
    }
}
