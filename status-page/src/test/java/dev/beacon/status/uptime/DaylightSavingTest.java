package dev.beacon.status.uptime;

import static dev.beacon.status.Status.DEGRADED;
import static dev.beacon.status.Status.DOWN;
import static dev.beacon.status.Status.UP;
import static dev.beacon.status.uptime.UptimeReportTest.assertBudget;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Daily bars and monthly totals in the viewer's zone across DST changes; expected numbers worked out by hand. */
class DaylightSavingTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final double EPS = 1e-6;

    private static Instant t(String iso) {
        return Instant.parse(iso);
    }

    private static DailyBar bar(List<DailyBar> bars, String day) {
        return bars.stream().filter(b -> b.day().equals(LocalDate.parse(day))).findFirst().orElseThrow();
    }

    private static MonthlyUptime month(List<MonthlyUptime> months, int year, int month) {
        return months.stream().filter(m -> m.month().equals(YearMonth.of(year, month))).findFirst().orElseThrow();
    }

    @Test
    void berlinSpringForwardDayIs1380MinutesAndItsMarchIs44580() {
        // Berlin skips 02:00-03:00 on 2024-03-31: the day is [03-30T23:00Z, 03-31T22:00Z) = 23 h = 1,380 min.
        // That day: 30 min down, 15 degraded, 60 with no report; up = 1,380 - 30 - 15 - 60 = 1,275.
        Instant from = t("2024-01-16T23:00:00Z"); // 2024-01-17 00:00 Berlin, the first of 90 bars
        Instant now = t("2024-04-15T10:00:00Z");
        UptimeHistory.Builder b = UptimeHistory.builder(from, now);
        Fill.range(b, "relay", "fra", from, t("2024-03-31T10:00:00Z"), UP);
        Fill.range(b, "relay", "fra", t("2024-03-31T11:00:00Z"), now, UP);
        Fill.range(b, "relay", "fra", t("2024-03-31T08:00:00Z"), t("2024-03-31T08:30:00Z"), DOWN);
        Fill.range(b, "relay", "fra", t("2024-03-31T09:00:00Z"), t("2024-03-31T09:15:00Z"), DEGRADED);
        Timeline relay = b.build().component("relay");

        List<DailyBar> bars = UptimeReport.dailyBars(relay, BERLIN, now);
        assertEquals(90, bars.size());
        assertEquals(LocalDate.parse("2024-01-17"), bars.get(0).day()); // 2024-04-15 minus 89 days
        assertEquals(LocalDate.parse("2024-04-15"), bars.get(89).day());
        DailyBar dst = bar(bars, "2024-03-31");
        assertEquals(1380, dst.minutesInDay());
        assertEquals(new Tally(1275, 15, 30, 60, 0), dst.tally());
        // (1,275 + 15) / (1,290 + 30) = 1,290 / 1,320 = 0.977273
        assertEquals(0.977273, dst.tally().uptime().getAsDouble(), EPS);
        assertEquals(1440, bar(bars, "2024-03-30").minutesInDay());
        // today: Berlin midnight 04-14T22:00Z to now 10:00Z = 12 h = 720 min so far
        assertEquals(1440, bars.get(89).minutesInDay());
        assertEquals(new Tally(720, 0, 0, 0, 0), bars.get(89).tally());

        // March in Berlin: 31 x 1,440 - 60 = 44,580 min; up = 44,580 - 105 = 44,475
        MonthlyUptime march = month(UptimeReport.months(relay, BERLIN, now), 2024, 3);
        assertEquals(44580, march.minutesInMonth());
        assertEquals(new Tally(44475, 15, 30, 60, 0), march.tally());
        // allowed 44,580 x 0.1% = 44.58; 44.58 - 30 = 14.58
        assertBudget(44580, 44.58, 30, 14.58, march.budget());
    }

    @Test
    void berlinFallBackDayIs1500MinutesAndItsOctoberIs44700() {
        // Berlin repeats 02:00-03:00 on 2024-10-27: the day is [10-26T22:00Z, 10-27T23:00Z) = 25 h = 1,500 min.
        // A 100-min outage 00:30Z-02:10Z runs through the change (02:30 CEST .. 03:10 CET local).
        Instant from = t("2024-09-30T22:00:00Z"); // 2024-10-01 00:00 Berlin
        Instant now = t("2024-11-05T12:00:00Z");
        UptimeHistory.Builder b = UptimeHistory.builder(from, now);
        Fill.range(b, "relay", "fra", from, now, UP);
        Fill.range(b, "relay", "fra", t("2024-10-27T00:30:00Z"), t("2024-10-27T02:10:00Z"), DOWN);
        Timeline relay = b.build().component("relay");

        List<DailyBar> bars = UptimeReport.dailyBars(relay, BERLIN, now);
        DailyBar dst = bar(bars, "2024-10-27");
        assertEquals(1500, dst.minutesInDay());
        // 1,400 / 1,500 = 0.933333
        assertEquals(new Tally(1400, 0, 100, 0, 0), dst.tally());
        assertEquals(0.933333, dst.tally().uptime().getAsDouble(), EPS);
        // 90 bars from 2024-08-08; the days before the history began are no data, not up
        assertEquals(LocalDate.parse("2024-08-08"), bars.get(0).day());
        assertEquals(new Tally(0, 0, 0, 1440, 0), bars.get(0).tally());
        assertTrue(bars.get(0).tally().uptime().isEmpty());

        // October in Berlin: 31 x 1,440 + 60 = 44,700 min; 44,600 / 44,700 = 0.997763
        MonthlyUptime october = month(UptimeReport.months(relay, BERLIN, now), 2024, 10);
        assertEquals(44700, october.minutesInMonth());
        assertEquals(new Tally(44600, 0, 100, 0, 0), october.tally());
        assertEquals(0.997763, october.tally().uptime().getAsDouble(), EPS);
        // allowed 44.7; 44.7 - 100 = -55.3 (spent)
        assertBudget(44700, 44.7, 100, -55.3, october.budget());
    }

    @Test
    void newYorkFallBackDayIs1500MinutesAndNovemberToDateCountsTheRepeatedHourOnce() {
        // New York repeats 01:00-02:00 on 2024-11-03: day [11-03T04:00Z, 11-04T05:00Z) = 25 h = 1,500 min.
        // Outage 05:30Z-06:30Z = 01:30 EDT .. 01:30 EST local: 60 real minutes.
        Instant from = t("2024-11-01T04:00:00Z"); // 2024-11-01 00:00 EDT
        Instant now = t("2024-11-10T17:00:00Z");
        UptimeHistory.Builder b = UptimeHistory.builder(from, now);
        Fill.range(b, "relay", "iad", from, now, UP);
        Fill.range(b, "relay", "iad", t("2024-11-03T05:30:00Z"), t("2024-11-03T06:30:00Z"), DOWN);
        Timeline relay = b.build().component("relay");

        DailyBar dst = bar(UptimeReport.dailyBars(relay, NEW_YORK, now), "2024-11-03");
        assertEquals(1500, dst.minutesInDay());
        // 1,440 / 1,500 = 0.96
        assertEquals(new Tally(1440, 0, 60, 0, 0), dst.tally());
        assertEquals(0.96, dst.tally().uptime().getAsDouble(), EPS);

        // November to date: 11-01T04:00Z .. 11-10T17:00Z = 9 x 1,440 + 13 x 60 = 13,740 min; 13,680 up
        // 13,680 / 13,740 = 0.995633; month = 30 x 1,440 + 60 = 43,260 min -> allowed 43.26; 43.26 - 60 = -16.74
        MonthlyUptime november = UptimeReport.monthToDate(relay, NEW_YORK, now);
        assertEquals(YearMonth.of(2024, 11), november.month());
        assertEquals(43260, november.minutesInMonth());
        assertEquals(new Tally(13680, 0, 60, 0, 0), november.tally());
        assertEquals(0.995633, november.tally().uptime().getAsDouble(), EPS);
        assertBudget(43260, 43.26, 60, -16.74, november.budget());
    }

    @Test
    void newYorkSpringForwardDayIs1380MinutesAndItsMarchIs44580() {
        // New York skips 02:00-03:00 on 2024-03-10: day [03-10T05:00Z, 03-11T04:00Z) = 23 h = 1,380 min.
        Instant from = t("2024-03-01T05:00:00Z"); // 2024-03-01 00:00 EST
        Instant now = t("2024-04-02T12:00:00Z");
        UptimeHistory.Builder b = UptimeHistory.builder(from, now);
        Fill.range(b, "relay", "iad", from, now, UP);
        Timeline relay = b.build().component("relay");

        DailyBar dst = bar(UptimeReport.dailyBars(relay, NEW_YORK, now), "2024-03-10");
        assertEquals(1380, dst.minutesInDay());
        assertEquals(new Tally(1380, 0, 0, 0, 0), dst.tally());
        // March: 31 x 1,440 - 60 = 44,580 min, all up -> 1.0; allowed 44.58
        MonthlyUptime march = month(UptimeReport.months(relay, NEW_YORK, now), 2024, 3);
        assertEquals(44580, march.minutesInMonth());
        assertEquals(new Tally(44580, 0, 0, 0, 0), march.tally());
        assertEquals(1.0, march.tally().uptime().getAsDouble(), EPS);
        assertBudget(44580, 44.58, 0, 44.58, march.budget());
    }
}
