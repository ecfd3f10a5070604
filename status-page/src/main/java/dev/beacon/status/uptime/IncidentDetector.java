package dev.beacon.status.uptime;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Opens an incident for one component after {@code openAfter} consecutive DOWN minutes and resolves it after
 * {@code resolveAfter} consecutive good (UP or DEGRADED) minutes. Fed minute verdicts in order; holds two counters.
 *
 * <p>NO_DATA minutes, and minutes never fed, neither extend nor break a run: DOWN, NO_DATA, DOWN is two consecutive
 * down minutes, because an unobserved minute is evidence of nothing. Maintenance is the caller's choice: feed
 * {@link Timeline#verdict}, or skip minutes in maintenance (which then count like no data).
 */
public final class IncidentDetector {
    public static final int DEFAULT_OPEN_AFTER = 2;
    public static final int DEFAULT_RESOLVE_AFTER = 2;

    private final String component;
    private final int openAfter;
    private final int resolveAfter;
    private boolean open;
    private int run;
    private long runStart;
    private long lastMinute = Long.MIN_VALUE;

    public IncidentDetector(String component) {
        this(component, DEFAULT_OPEN_AFTER, DEFAULT_RESOLVE_AFTER, false);
    }

    /** @param open true to resume an incident the caller persisted as open (e.g. after a restart) */
    public IncidentDetector(String component, int openAfter, int resolveAfter, boolean open) {
        if (openAfter < 1 || resolveAfter < 1) {
            throw new IllegalArgumentException("openAfter and resolveAfter must be at least 1");
        }
        this.component = Objects.requireNonNull(component, "component");
        this.openAfter = openAfter;
        this.resolveAfter = resolveAfter;
        this.open = open;
    }

    public boolean isOpen() {
        return open;
    }

    /**
     * The verdict of the minute containing {@code minute}; minutes must come in increasing order.
     *
     * @return the event this minute caused, if any
     */
    public Optional<IncidentEvent> accept(Instant minute, Verdict verdict) {
        long m = Minutes.containing(minute);
        if (m <= lastMinute) {
            throw new IllegalArgumentException("minutes out of order: " + minute + " after " + Minutes.start(lastMinute));
        }
        lastMinute = m;
        if (verdict == Verdict.NO_DATA) {
            return Optional.empty();
        }
        // While closed we count down minutes; while open we count good ones; the other kind resets the run.
        boolean counts = open ? verdict.isGood() : verdict == Verdict.DOWN;
        if (!counts) {
            run = 0;
            return Optional.empty();
        }
        if (run++ == 0) {
            runStart = m;
        }
        if (run < (open ? resolveAfter : openAfter)) {
            return Optional.empty();
        }
        IncidentEvent.Type type = open ? IncidentEvent.Type.RESOLVED : IncidentEvent.Type.OPENED;
        open = !open;
        run = 0;
        return Optional.of(new IncidentEvent(type, component, Minutes.start(runStart), Minutes.start(m)));
    }
}
