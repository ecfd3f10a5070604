package dev.beacon.status.uptime;

import java.time.YearMonth;

/**
 * One calendar month in the viewer's zone, from local midnight of the 1st to local midnight of the next 1st.
 *
 * @param minutesInMonth the month's real length (a Europe/Berlin March is 44,580 minutes, its October 44,700)
 * @param tally the month's minutes up to "now" (all of them for a past month)
 * @param budget the month's error budget; for the current month this is the budget to date
 */
public record MonthlyUptime(YearMonth month, long minutesInMonth, Tally tally, ErrorBudget budget) {
}
