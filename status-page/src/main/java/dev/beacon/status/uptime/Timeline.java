package dev.beacon.status.uptime;

import java.time.Instant;

/**
 * One component's (or the whole service's) minutes over a span: the verdict of each minute and whether it lies in
 * maintenance. One byte per minute, so 90 days is 130 KB and a tally is one linear pass without allocation.
 */
public final class Timeline {
    /** State byte of a minute in maintenance; the other states are {@link Verdict} ordinals. */
    static final byte MAINTENANCE = 4;
    private static final Verdict[] VERDICTS = Verdict.values();

    private final String name;
    private final long firstMinute;
    private final byte[] verdicts;
    private final byte[] states;

    Timeline(String name, long firstMinute, byte[] verdicts, byte[] states) {
        this.name = name;
        this.firstMinute = firstMinute;
        this.verdicts = verdicts;
        this.states = states;
    }

    /** The component's name, or {@link UptimeHistory#SERVICE} for the service as a whole. */
    public String name() {
        return name;
    }

    /** Start of the first minute this timeline knows. */
    public Instant from() {
        return Minutes.start(firstMinute);
    }

    /** End (exclusive) of the last minute this timeline knows. */
    public Instant to() {
        return Minutes.start(firstMinute + verdicts.length);
    }

    /** The majority verdict of the minute containing t, ignoring maintenance; NO_DATA outside the span. */
    public Verdict verdict(Instant t) {
        long i = Minutes.containing(t) - firstMinute;
        return i < 0 || i >= verdicts.length ? Verdict.NO_DATA : VERDICTS[verdicts[(int) i]];
    }

    /** Whether the minute containing t is in maintenance; false outside the span (nothing is known there). */
    public boolean inMaintenance(Instant t) {
        long i = Minutes.containing(t) - firstMinute;
        return i >= 0 && i < states.length && states[(int) i] == MAINTENANCE;
    }

    byte verdictAt(int index) {
        return verdicts[index];
    }

    byte stateAt(int index) {
        return states[index];
    }

    /**
     * The minutes starting in [from, to), by what they count as. Minutes outside the span count as no data
     * (not as maintenance: windows are only known inside the span).
     */
    public Tally tally(Instant from, Instant to) {
        long a = Minutes.ceil(from);
        long b = Minutes.ceil(to);
        if (b <= a) {
            return Tally.EMPTY;
        }
        long lo = Math.max(a, firstMinute);
        long hi = Math.min(b, firstMinute + states.length);
        long[] counts = new long[5];
        for (int i = (int) (lo - firstMinute), end = (int) (hi - firstMinute); i < end; i++) {
            counts[states[i]]++;
        }
        long inside = Math.max(0, hi - lo);
        long outside = (b - a) - inside;
        return new Tally(counts[Verdict.UP.ordinal()], counts[Verdict.DEGRADED.ordinal()],
                counts[Verdict.DOWN.ordinal()], counts[Verdict.NO_DATA.ordinal()] + outside, counts[MAINTENANCE]);
    }
}
