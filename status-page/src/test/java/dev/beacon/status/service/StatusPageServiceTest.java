package dev.beacon.status.service;

import static dev.beacon.status.Status.DOWN;
import static dev.beacon.status.Status.UP;
import static dev.beacon.status.service.Running.min;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.status.Status;
import dev.beacon.status.store.CertificateSeen;
import dev.beacon.status.store.IncidentStatus;
import dev.beacon.status.store.Maintenance;
import dev.beacon.status.uptime.RollingWindow;
import dev.beacon.status.uptime.Tally;
import dev.beacon.status.view.StatusView;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.h2.tools.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole service in-process against H2 in a temp dir, probing off, results written straight into the store. */
class StatusPageServiceTest {
    @TempDir
    Path dir;

    @Test
    void uptimeIsGoodMinutesOverCountedMinutesAfterTheMajorityRule() throws Exception {
        try (Running s = new Running(dir)) {
            for (int m = 0; m < 10; m++) s.minute("canary", min(m), UP, UP, UP);
            s.minute("canary", min(10), DOWN, UP, UP);   // 1 of 3 down: up
            s.minute("canary", min(11), DOWN, DOWN, UP); // 2 of 3 down: down
            s.minute("canary", min(12), UP);
            s.clock.set(min(13).plusSeconds(30));
            StatusView v = s.refresh();

            StatusView.ComponentView canary = v.components().get(0);
            assertEquals("canary", canary.id());
            Tally day = canary.rolling().get(RollingWindow.LAST_24_HOURS);
            assertEquals(12, day.good());
            assertEquals(1, day.bad());
            assertEquals(12.0 / 13, day.uptime().getAsDouble(), 1e-9);
            assertEquals(1, canary.month().budget().badMinutes());
            assertEquals(90, canary.days().size());
            assertEquals(1, canary.days().get(89).bar().tally().down());
            assertEquals(UP, canary.current());
            assertEquals(Status.UP, v.service().current());
            assertEquals(144, canary.latency().size());
            assertFalse(v.stale());
            assertEquals(min(12), v.dataAsOf());
            assertEquals(200, s.get(s.service.publicPort(), "/readyz").statusCode());
        }
    }

    @Test
    void twoDownMinutesOpenAnIncidentAndTwoGoodOnesResolveItOnceAcrossARestart() throws Exception {
        try (Running s = new Running(dir)) {
            for (int m = 0; m < 4; m++) s.minute("canary", min(m), UP);
            s.minute("canary", min(4), DOWN);
            s.clock.set(min(6).plusSeconds(5)); // minute 4 settled, minute 5 not yet
            assertTrue(s.refresh().incidents().isEmpty(), "one down minute opens nothing");

            s.minute("canary", min(5), DOWN);
            s.clock.set(min(7).plusSeconds(5));
            StatusView v = s.refresh();
            assertEquals(1, v.incidents().size());
            StatusView.IncidentView opened = v.incidents().get(0);
            assertTrue(opened.autoOpened());
            assertEquals(min(4), opened.startedAt());
            assertNull(opened.resolvedAt());
            assertEquals(java.util.List.of("canary"), opened.components());
            assertEquals(DOWN, v.components().get(0).current());
            assertEquals("connection refused", v.components().get(0).reason());
            assertEquals(StatusView.Indicator.CRITICAL, v.indicator());

            s.minute("canary", min(6), UP);
            s.minute("canary", min(7), UP);
            s.clock.set(min(9).plusSeconds(5));
            StatusView.IncidentView resolved = s.refresh().incidents().get(0);
            assertEquals(opened.id(), resolved.id());
            assertEquals(min(6), resolved.resolvedAt());
            assertEquals(IncidentStatus.RESOLVED, resolved.status());
        }
        try (Running again = new Running(dir)) { // replays the last minutes: the same outage, not a second incident
            again.clock.set(min(9).plusSeconds(30));
            assertEquals(1, again.refresh().incidents().size());
        }
    }

    @Test
    void anOpenIncidentIsResumedAfterARestartAndResolvedThere() throws Exception {
        try (Running s = new Running(dir)) {
            s.minute("canary", min(0), DOWN);
            s.minute("canary", min(1), DOWN);
            s.clock.set(min(3));
            assertNull(s.refresh().incidents().get(0).resolvedAt());
        }
        try (Running s = new Running(dir)) {
            s.clock.set(min(40)); // more than the replay after the outage: only the resumed detector knows it is open
            s.minute("canary", min(37), UP);
            s.minute("canary", min(38), UP);
            s.clock.set(min(40).plusSeconds(5));
            StatusView v = s.refresh();
            assertEquals(1, v.incidents().size());
            assertEquals(min(37), v.incidents().get(0).resolvedAt());
        }
    }

    @Test
    void maintenanceMinutesCountForNothingAndOpenNoIncident() throws Exception {
        try (Running s = new Running(dir)) {
            s.service.store().createMaintenance(Maintenance.ofAll("Upgrade", min(2), min(20)));
            s.service.store().createMaintenance(Maintenance.ofAll("Next week", min(60 * 24 * 7), min(60 * 24 * 7 + 30)));
            for (int m = 0; m < 8; m++) s.minute("canary", min(m), m >= 2 && m < 5 ? DOWN : UP);
            s.clock.set(min(9).plusSeconds(5));
            StatusView v = s.refresh();
            Tally day = v.components().get(0).rolling().get(RollingWindow.LAST_24_HOURS);
            assertEquals(0, day.bad());
            assertEquals(7, day.maintenance(), "minutes 2 to 8: the window up to the last whole minute");
            assertEquals(2, day.good());
            assertEquals(1.0, day.uptime().getAsDouble());
            assertTrue(v.incidents().isEmpty(), "down minutes inside maintenance open no incident");
            assertEquals(2, v.maintenance().size(), "the window under way and the one ahead");
            assertEquals("Upgrade", v.maintenance().get(0).title());
        }
    }

    @Test
    void theLastViewIsServedStaleWhileTheDatabaseIsAwayAndFreshWhenItIsBack() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Server h2 = Server.createTcpServer("-tcpPort", String.valueOf(port), "-baseDir", dir.toString(), "-ifNotExists").start();
        try (Running s = new Running(dir.resolve("unused"), "database.jdbcUrl=jdbc:h2:tcp://127.0.0.1:" + port + "/status")) {
            s.minute("canary", min(0), UP);
            s.clock.set(min(1).plusSeconds(5));
            StatusView good = s.refresh();
            assertFalse(good.stale());

            h2.stop();
            s.clock.set(min(1).plusSeconds(20));
            StatusView served = s.refresh();
            assertTrue(served.stale(), "the page says its numbers are old");
            assertEquals(good.generatedAt(), served.generatedAt());
            assertEquals(good.components(), served.components());
            assertSame(served, s.service.view());
            assertEquals(200, s.get(s.service.publicPort(), "/readyz").statusCode(), "the page is still served");

            h2 = Server.createTcpServer("-tcpPort", String.valueOf(port), "-baseDir", dir.toString(), "-ifNotExists").start();
            StatusView back = s.refresh();
            assertFalse(back.stale());
            assertNotNull(back.dataAsOf());
        } finally {
            h2.stop();
        }
    }

    @Test
    void noDataForTwoIntervalsMakesTheViewStale() throws Exception {
        try (Running s = new Running(dir)) {
            s.minute("canary", min(0), UP);
            s.clock.set(min(0).plus(Duration.ofMinutes(5)));
            StatusView v = s.refresh();
            assertTrue(v.stale());
            assertNull(v.components().get(0).current(), "no location reported lately");
        }
    }

    @Test
    void eachNodesCertificateExpiryIsOnThePageAndAWarningWhenFewerThan30DaysAreLeft() throws Exception {
        try (Running s = new Running(dir)) {
            s.minute("node/a/tls", min(0), UP);
            s.minute("node/b/tls", min(0), UP);
            s.service.store().certificatesSeen(List.of(
                    new CertificateSeen("node/a/tls", "loc0", min(0).plus(Duration.ofDays(60)), min(0)),
                    new CertificateSeen("node/b/tls", "loc0", min(0).plus(Duration.ofDays(12)).plusSeconds(30), min(0))));
            s.clock.set(min(1));
            StatusView v = s.refresh();
            assertEquals(min(0).plus(Duration.ofDays(60)), v.components().stream()
                    .filter(c -> c.id().equals("node/a/tls")).findFirst().orElseThrow().certificateNotAfter());
            String page = s.get(s.service.publicPort(), "/").body();
            assertTrue(page.contains("(59 days).</p>"), "node a: 59 whole days from min(1)");
            assertTrue(page.contains("(11 days). <strong>Overdue for renewal</strong>"), "node b");
        }
    }
}
