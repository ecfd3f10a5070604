package dev.beacon.status.uptime;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the page shows for one timeline (a component or the service) at one instant, in the viewer's zone.
 * "now" is passed in; only whole minutes before the minute containing "now" are counted.
 *
 * @param rolling the last 24 h, 7 d, 30 d and 90 d
 * @param months each calendar month from the one the timeline starts in to the current one (month to date)
 * @param days the last {@link #DAYS} days, oldest first, today (partial) last
 */
public record UptimeReport(String name, Map<RollingWindow, Tally> rolling, List<MonthlyUptime> months,
        List<DailyBar> days) {

    /** The sentence the page prints under the numbers. */
    public static final String FORMULA = "Uptime = good minutes / (good minutes + bad minutes), where a minute is bad"
            + " when a strict majority of the probe locations that reported it saw the service down (degraded counts"
            + " as good), and minutes with no report from any location (no data) or inside announced maintenance are"
            + " left out of both.";

    /** Bars in the daily chart. */
    public static final int DAYS = 90;

    public static UptimeReport of(Timeline timeline, ZoneId zone, Instant now) {
        return new UptimeReport(timeline.name(), rolling(timeline, now), months(timeline, zone, now),
                dailyBars(timeline, zone, now));
    }

    /** Each rolling window is [end − length, end) with end the start of the minute containing now. */
    public static Map<RollingWindow, Tally> rolling(Timeline timeline, Instant now) {
        Instant end = countedUntil(now);
        Map<RollingWindow, Tally> out = new EnumMap<>(RollingWindow.class);
        for (RollingWindow w : RollingWindow.values()) {
            out.put(w, timeline.tally(end.minus(w.length), end));
        }
        return Collections.unmodifiableMap(out);
    }

    /** Every calendar month (in zone) from the one containing the timeline's start to the one containing now. */
    public static List<MonthlyUptime> months(Timeline timeline, ZoneId zone, Instant now) {
        YearMonth first = YearMonth.from(timeline.from().atZone(zone));
        YearMonth last = YearMonth.from(now.atZone(zone));
        List<MonthlyUptime> out = new ArrayList<>();
        for (YearMonth m = first; !m.isAfter(last); m = m.plusMonths(1)) {
            out.add(month(timeline, m, zone, now));
        }
        return List.copyOf(out);
    }

    /** The current month to date, with the whole month's budget and the bad minutes so far. */
    public static MonthlyUptime monthToDate(Timeline timeline, ZoneId zone, Instant now) {
        return month(timeline, YearMonth.from(now.atZone(zone)), zone, now);
    }

    /**
     * One month, [local midnight of the 1st, local midnight of the next 1st) in zone; its tally stops at now, its
     * budget counts the whole month's maintenance (windows announced for later in the month included).
     */
    public static MonthlyUptime month(Timeline timeline, YearMonth month, ZoneId zone, Instant now) {
        Instant start = localMidnight(month.atDay(1), zone);
        Instant end = localMidnight(month.plusMonths(1).atDay(1), zone);
        Instant cut = min(end, max(start, countedUntil(now)));
        Tally toDate = timeline.tally(start, cut);
        long maintenance = toDate.maintenance() + timeline.tally(cut, end).maintenance();
        long minutes = ChronoUnit.MINUTES.between(start, end);
        return new MonthlyUptime(month, minutes, toDate, ErrorBudget.of(minutes, maintenance, toDate.bad()));
    }

    /** The last {@link #DAYS} local days ending with today; a day is [local midnight, next local midnight). */
    public static List<DailyBar> dailyBars(Timeline timeline, ZoneId zone, Instant now) {
        LocalDate today = LocalDate.ofInstant(now, zone);
        Instant until = countedUntil(now);
        List<DailyBar> out = new ArrayList<>(DAYS);
        LocalDate day = today.minusDays(DAYS - 1);
        Instant start = localMidnight(day, zone);
        for (int i = 0; i < DAYS; i++) {
            Instant next = localMidnight(day.plusDays(1), zone);
            out.add(new DailyBar(day, ChronoUnit.MINUTES.between(start, next), timeline.tally(start, min(next, until))));
            day = day.plusDays(1);
            start = next;
        }
        return List.copyOf(out);
    }

    /** Minutes before the one containing now are complete; the current minute is still being probed. */
    static Instant countedUntil(Instant now) {
        return Minutes.start(Minutes.containing(now));
    }

    /** The first instant of a local date (a zone that skips midnight starts the day at the first valid time). */
    static Instant localMidnight(LocalDate date, ZoneId zone) {
        ZonedDateTime z = date.atStartOfDay(zone);
        return z.toInstant();
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
