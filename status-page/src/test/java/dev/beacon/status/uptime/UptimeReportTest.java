package dev.beacon.status.uptime;

import static dev.beacon.status.Status.DOWN;
import static dev.beacon.status.Status.UP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rolling windows, calendar months and error budgets; every expected number below was worked out by hand. */
class UptimeReportTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final double EPS = 1e-6;

    private static Instant t(String iso) {
        return Instant.parse(iso);
    }

    @Test
    void rollingWindowsCountTheWholeMinutesBeforeNowAndNotTheCurrentOne() {
        // now 2024-05-31T12:00:30Z -> windows end at 12:00. Up everywhere except:
        //   30 min down 2024-05-31 10:00 (in all windows), 60 min 05-28 (from 7 d), 120 min 05-11 (from 30 d),
        //   240 min 04-01 (only 90 d), and the current minute 12:00 down (in no window).
        Instant now = t("2024-05-31T12:00:30Z");
        Instant from = t("2024-03-02T12:00:00Z"); // 90 days before 12:00
        UptimeHistory.Builder b = UptimeHistory.builder(from, t("2024-05-31T12:01:00Z"));
        Fill.range(b, "relay", "fra", from, t("2024-05-31T12:00:00Z"), UP);
        Fill.range(b, "relay", "fra", t("2024-05-31T10:00:00Z"), t("2024-05-31T10:30:00Z"), DOWN);
        Fill.range(b, "relay", "fra", t("2024-05-28T10:00:00Z"), t("2024-05-28T11:00:00Z"), DOWN);
        Fill.range(b, "relay", "fra", t("2024-05-11T10:00:00Z"), t("2024-05-11T12:00:00Z"), DOWN);
        Fill.range(b, "relay", "fra", t("2024-04-01T10:00:00Z"), t("2024-04-01T14:00:00Z"), DOWN);
        b.result("relay", "fra", t("2024-05-31T12:00:00Z"), DOWN);

        Map<RollingWindow, Tally> r = UptimeReport.rolling(b.build().component("relay"), now);
        // 24 h: 1,440 min, 30 bad -> 1,410 / 1,440 = 0.979167
        assertEquals(new Tally(1410, 0, 30, 0, 0), r.get(RollingWindow.LAST_24_HOURS));
        assertEquals(0.979167, r.get(RollingWindow.LAST_24_HOURS).uptime().getAsDouble(), EPS);
        // 7 d: 10,080 min, 30 + 60 = 90 bad -> 9,990 / 10,080 = 0.991071
        assertEquals(new Tally(9990, 0, 90, 0, 0), r.get(RollingWindow.LAST_7_DAYS));
        assertEquals(0.991071, r.get(RollingWindow.LAST_7_DAYS).uptime().getAsDouble(), EPS);
        // 30 d: 43,200 min, 90 + 120 = 210 bad -> 42,990 / 43,200 = 0.995139
        assertEquals(new Tally(42990, 0, 210, 0, 0), r.get(RollingWindow.LAST_30_DAYS));
        assertEquals(0.995139, r.get(RollingWindow.LAST_30_DAYS).uptime().getAsDouble(), EPS);
        // 90 d: 129,600 min, 210 + 240 = 450 bad -> 129,150 / 129,600 = 0.996528
        assertEquals(new Tally(129150, 0, 450, 0, 0), r.get(RollingWindow.LAST_90_DAYS));
        assertEquals(0.996528, r.get(RollingWindow.LAST_90_DAYS).uptime().getAsDouble(), EPS);
    }

    @Test
    void anOutageAcrossMidnightOfTheFirstIsSplitBetweenTheMonthsAtTheViewersLocalMidnight() {
        // Berlin's May starts 2024-04-30T22:00Z (CEST, UTC+2). Outage 21:50Z-22:20Z: 10 min April, 20 min May.
        Instant from = t("2024-03-31T22:00:00Z"); // 2024-04-01 00:00 Berlin
        Instant now = t("2024-05-10T00:00:00Z");
        UptimeHistory.Builder b = UptimeHistory.builder(from, now);
        Fill.range(b, "relay", "fra", from, now, UP);
        Fill.range(b, "relay", "fra", t("2024-04-30T21:50:00Z"), t("2024-04-30T22:20:00Z"), DOWN);
        Timeline relay = b.build().component("relay");

        List<MonthlyUptime> months = UptimeReport.months(relay, BERLIN, now);
        assertEquals(2, months.size());
        MonthlyUptime april = months.get(0);
        assertEquals(YearMonth.of(2024, 4), april.month());
        // 30 days x 1,440 = 43,200 min; 10 down -> 43,190 / 43,200 = 0.999769
        assertEquals(43200, april.minutesInMonth());
        assertEquals(new Tally(43190, 0, 10, 0, 0), april.tally());
        assertEquals(0.999769, april.tally().uptime().getAsDouble(), EPS);
        // budget: 43,200 x 0.1% = 43.2 allowed; 43.2 - 10 = 33.2 left
        assertEquals(new ErrorBudget(43200, 43.2, 10, 33.2), april.budget());

        MonthlyUptime may = months.get(1);
        assertEquals(YearMonth.of(2024, 5), may.month());
        // to date: 04-30T22:00Z .. 05-10T00:00Z = 9 d x 1,440 + 2 h x 60 = 13,080 min; 20 down, 13,060 up
        // 13,060 / 13,080 = 0.998471; budget over the whole 31-day month: 44,640 x 0.1% = 44.64; 44.64 - 20 = 24.64
        assertEquals(44640, may.minutesInMonth());
        assertEquals(new Tally(13060, 0, 20, 0, 0), may.tally());
        assertEquals(0.998471, may.tally().uptime().getAsDouble(), EPS);
        assertBudget(44640, 44.64, 20, 24.64, may.budget());
        assertEquals(may, UptimeReport.monthToDate(relay, BERLIN, now));

        // The same minutes seen from UTC: the whole outage is in April, and the span's first 2 h are March.
        List<MonthlyUptime> utc = UptimeReport.months(relay, ZoneOffset.UTC, now);
        assertEquals(3, utc.size());
        // March (UTC): 44,640 min, only 22:00-24:00 on the 31st in the span -> 120 up, 44,520 no data
        assertEquals(new Tally(120, 0, 0, 44520, 0), utc.get(0).tally());
        assertEquals(30, utc.get(1).tally().down());
        assertEquals(0, utc.get(2).tally().down());
    }

    @Test
    void errorBudgetOfA30DayMonthIsFortyThreePointTwoMinutesLessMaintenanceAndMayGoNegative() {
        // June 2024 (UTC): 30 x 1,440 = 43,200 min, 120 min maintenance, 50 min down outside it
        // allowed = (43,200 - 120) x 0.1% = 43.08; remaining = 43.08 - 50 = -6.92
        Instant from = t("2024-06-01T00:00:00Z");
        Instant end = t("2024-07-01T00:00:00Z");
        UptimeHistory.Builder b = UptimeHistory.builder(from, end);
        Fill.range(b, "relay", "fra", t("2024-06-05T10:00:00Z"), t("2024-06-05T10:50:00Z"), DOWN);
        Fill.range(b, "relay", "fra", t("2024-06-06T10:00:00Z"), t("2024-06-06T10:30:00Z"), DOWN); // in maintenance
        b.maintenance(MaintenanceWindow.forAll(t("2024-06-06T09:00:00Z"), t("2024-06-06T11:00:00Z")));
        MonthlyUptime june = UptimeReport.month(b.build().component("relay"), YearMonth.of(2024, 6), ZoneOffset.UTC,
                end);
        assertEquals(43200, june.minutesInMonth());
        assertBudget(43080, 43.08, 50, -6.92, june.budget());
    }

    @Test
    void errorBudgetOfA31DayMonthIsFortyFourPointSixFourMinutes() {
        // July 2024 (UTC): 31 x 1,440 = 44,640 min, no maintenance, 44 min down
        // allowed = 44,640 x 0.1% = 44.64; remaining = 44.64 - 44 = 0.64
        Instant from = t("2024-07-01T00:00:00Z");
        Instant end = t("2024-08-01T00:00:00Z");
        UptimeHistory.Builder b = UptimeHistory.builder(from, end);
        Fill.range(b, "relay", "fra", t("2024-07-31T23:16:00Z"), end, DOWN);
        MonthlyUptime july = UptimeReport.month(b.build().component("relay"), YearMonth.of(2024, 7), ZoneOffset.UTC,
                t("2024-08-02T00:00:00Z"));
        assertEquals(44640, july.minutesInMonth());
        assertBudget(44640, 44.64, 44, 0.64, july.budget());
    }

    @Test
    void monthToDateBudgetIsTheWholeMonthsAllowanceIncludingMaintenanceAnnouncedForLaterInTheMonth() {
        // now 2024-06-10T00:00Z; the span runs to the end of June so the 60-min window on the 20th is known.
        // allowed = (43,200 - 60) x 0.1% = 43.14; 5 down so far -> remaining 38.14; tally covers 9 x 1,440 = 12,960
        Instant from = t("2024-06-01T00:00:00Z");
        Instant now = t("2024-06-10T00:00:00Z");
        UptimeHistory.Builder b = UptimeHistory.builder(from, t("2024-07-01T00:00:00Z"));
        Fill.range(b, "relay", "fra", from, now, UP);
        Fill.range(b, "relay", "fra", t("2024-06-03T00:00:00Z"), t("2024-06-03T00:05:00Z"), DOWN);
        b.maintenance(MaintenanceWindow.forAll(t("2024-06-20T02:00:00Z"), t("2024-06-20T03:00:00Z")));
        MonthlyUptime june = UptimeReport.monthToDate(b.build().component("relay"), ZoneOffset.UTC, now);
        assertEquals(new Tally(12955, 0, 5, 0, 0), june.tally());
        assertBudget(43140, 43.14, 5, 38.14, june.budget());
    }

    @Test
    void aMonthWithoutAnyDataHasNoUptimeButStillItsFullBudget() {
        Instant from = t("2024-06-01T00:00:00Z");
        Instant end = t("2024-07-01T00:00:00Z");
        Timeline relay = UptimeHistory.builder(from, end).component("relay").build().component("relay");
        MonthlyUptime june = UptimeReport.month(relay, YearMonth.of(2024, 6), ZoneOffset.UTC, end);
        assertTrue(june.tally().uptime().isEmpty());
        assertEquals(43200, june.tally().noData());
        assertBudget(43200, 43.2, 0, 43.2, june.budget());
    }

    @Test
    void theFormulaTextNamesTheMajorityNoDataAndMaintenance() {
        String f = UptimeReport.FORMULA;
        assertTrue(f.startsWith("Uptime = good minutes / (good minutes + bad minutes)"), f);
        assertTrue(f.contains("strict majority"), f);
        assertTrue(f.contains("no data"), f);
        assertTrue(f.contains("maintenance"), f);
        assertEquals(1, f.split("\\. ").length, "one sentence");
    }

    static void assertBudget(long budgeted, double allowed, long bad, double remaining, ErrorBudget actual) {
        assertEquals(budgeted, actual.budgetedMinutes(), "budgeted minutes");
        assertEquals(allowed, actual.allowedBadMinutes(), 1e-9, "allowed bad minutes");
        assertEquals(bad, actual.badMinutes(), "bad minutes");
        assertEquals(remaining, actual.remainingMinutes(), 1e-9, "remaining minutes");
    }
}
