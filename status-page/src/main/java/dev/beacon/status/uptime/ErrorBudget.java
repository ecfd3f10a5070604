package dev.beacon.status.uptime;

/**
 * A calendar month's error budget against {@link #TARGET}: allowed = (minutes of the month − maintenance minutes)
 * × 0.1%, remaining = allowed − bad minutes (negative once the budget is spent).
 *
 * @param budgetedMinutes the month's minutes that are not maintenance (the whole month, also after "now")
 * @param allowedBadMinutes budgetedMinutes × (1 − TARGET), in minutes, not rounded
 * @param badMinutes down minutes so far
 * @param remainingMinutes allowedBadMinutes − badMinutes
 */
public record ErrorBudget(long budgetedMinutes, double allowedBadMinutes, long badMinutes, double remainingMinutes) {
    /** The availability target the budget is measured against. */
    public static final double TARGET = 0.999;

    /** The rule: 0.1% of the month's non-maintenance minutes may be bad. */
    public static ErrorBudget of(long monthMinutes, long maintenanceMinutes, long badMinutes) {
        long budgeted = monthMinutes - maintenanceMinutes;
        // Divide by 1000 instead of multiplying by 0.001 so 43200 minutes gives exactly the double 43.2.
        double allowed = budgeted / 1000.0;
        return new ErrorBudget(budgeted, allowed, badMinutes, allowed - badMinutes);
    }
}
