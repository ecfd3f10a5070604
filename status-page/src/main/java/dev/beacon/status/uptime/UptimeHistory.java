package dev.beacon.status.uptime;

import dev.beacon.status.Status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The probe results and maintenance windows of a span of minutes, turned into one {@link Timeline} per component
 * and one for the service as a whole. Pure: no clock, no I/O; the caller reads the rows and passes them in.
 *
 * <p>The service: a minute is maintenance for the service only when every component is in maintenance; otherwise
 * components in maintenance are left out, and the service's minute is the worst verdict of the rest (bad when any
 * of them is DOWN after the majority rule, degraded when any is DEGRADED, no data when none of them has data).
 */
public final class UptimeHistory {
    /** The name of the service-wide timeline. */
    public static final String SERVICE = "service";

    private final Map<String, Timeline> components;
    private final Timeline service;

    private UptimeHistory(Map<String, Timeline> components, Timeline service) {
        this.components = components;
        this.service = service;
    }

    /** A history of the minutes starting in [from, to). */
    public static Builder builder(Instant from, Instant to) {
        return new Builder(from, to);
    }

    /** A result as {@link Builder#minutes} takes it: 1 + the status's ordinal (0 is "no report"). */
    public static byte code(Status result) {
        return (byte) (1 + result.ordinal());
    }

    /** Components in the order they were first named. */
    public List<String> components() {
        return List.copyOf(components.keySet());
    }

    public Timeline component(String name) {
        Timeline t = components.get(name);
        if (t == null) {
            throw new IllegalArgumentException("unknown component: " + name);
        }
        return t;
    }

    public Timeline service() {
        return service;
    }

    /** The service first, then each component. */
    public List<Timeline> timelines() {
        List<Timeline> all = new ArrayList<>(components.size() + 1);
        all.add(service);
        all.addAll(components.values());
        return Collections.unmodifiableList(all);
    }

    public static final class Builder {
        private static final Status[] RESULTS = Status.values();

        private final long firstMinute;
        private final int length;
        /** component -> location -> one byte per minute: 0 no report, else 1 + Status ordinal. */
        private final Map<String, Map<String, byte[]>> results = new LinkedHashMap<>();
        private final List<MaintenanceWindow> maintenance = new ArrayList<>();

        private Builder(Instant from, Instant to) {
            firstMinute = Minutes.ceil(from);
            long n = Minutes.ceil(to) - firstMinute;
            if (n < 0 || n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("bad span: " + from + " .. " + to);
            }
            length = (int) n;
        }

        /** Names a component, so it appears (as no data) even if no location reported it. */
        public Builder component(String component) {
            results.computeIfAbsent(Objects.requireNonNull(component, "component"), c -> new LinkedHashMap<>());
            return this;
        }

        /**
         * One location's result for the minute containing {@code minute}. A second result from the same location for
         * the same minute replaces the first (a location has one say per minute).
         */
        public Builder result(String component, String location, Instant minute, Status result) {
            long i = Minutes.containing(minute) - firstMinute;
            if (i < 0 || i >= length) {
                throw new IllegalArgumentException("result outside the span: " + minute);
            }
            byte[] perMinute = results.computeIfAbsent(Objects.requireNonNull(component, "component"),
                    c -> new LinkedHashMap<>()).computeIfAbsent(Objects.requireNonNull(location, "location"),
                    l -> new byte[length]);
            perMinute[(int) i] = (byte) (1 + result.ordinal());
            return this;
        }

        /**
         * One location's results for a run of minutes at once: {@code codes[i]} is the minute starting
         * {@code first} plus i minutes, encoded by {@link UptimeHistory#code} (0: no report, which leaves the
         * minute as it is). Minutes outside the span are ignored.
         */
        public Builder minutes(String component, String location, Instant first, byte[] codes) {
            long offset = Minutes.containing(first) - firstMinute;
            byte[] perMinute = results.computeIfAbsent(Objects.requireNonNull(component, "component"),
                    c -> new LinkedHashMap<>()).computeIfAbsent(Objects.requireNonNull(location, "location"),
                    l -> new byte[length]);
            int from = (int) Math.max(0, -offset);
            int to = (int) Math.min(codes.length, length - offset);
            for (int i = from; i < to; i++) {
                byte b = codes[i];
                if (b != 0) {
                    if (b < 0 || b > RESULTS.length) {
                        throw new IllegalArgumentException("not a result code: " + b);
                    }
                    perMinute[(int) (offset + i)] = b;
                }
            }
            return this;
        }

        public Builder maintenance(MaintenanceWindow window) {
            maintenance.add(Objects.requireNonNull(window, "window"));
            if (window.component() != null) {
                component(window.component());
            }
            return this;
        }

        public UptimeHistory build() {
            Map<String, Timeline> timelines = new LinkedHashMap<>();
            for (Map.Entry<String, Map<String, byte[]>> e : results.entrySet()) {
                timelines.put(e.getKey(), componentTimeline(e.getKey(), e.getValue().values()));
            }
            return new UptimeHistory(Collections.unmodifiableMap(timelines), serviceTimeline(timelines.values()));
        }

        private Timeline componentTimeline(String name, Collection<byte[]> locations) {
            byte[][] perLocation = locations.toArray(new byte[0][]);
            byte[] verdicts = new byte[length];
            int[] counts = new int[4];
            for (int i = 0; i < length; i++) {
                Arrays.fill(counts, 0);
                for (byte[] loc : perLocation) {
                    counts[loc[i]]++;
                }
                verdicts[i] = (byte) Verdict.ofMajority(counts[1 + Status.UP.ordinal()],
                        counts[1 + Status.DEGRADED.ordinal()], counts[1 + Status.DOWN.ordinal()]).ordinal();
            }
            byte[] states = verdicts.clone();
            for (MaintenanceWindow w : maintenance) {
                if (w.appliesTo(name)) {
                    int a = (int) Math.max(0, Math.min(length, Minutes.ceil(w.start()) - firstMinute));
                    int b = (int) Math.max(0, Math.min(length, Minutes.ceil(w.end()) - firstMinute));
                    Arrays.fill(states, a, Math.max(a, b), Timeline.MAINTENANCE);
                }
            }
            return new Timeline(name, firstMinute, verdicts, states);
        }

        private Timeline serviceTimeline(Collection<Timeline> components) {
            byte[] verdicts = new byte[length];
            byte[] states = new byte[length];
            if (components.isEmpty()) {
                return new Timeline(SERVICE, firstMinute, verdicts, states);
            }
            Timeline[] all = components.toArray(new Timeline[0]);
            for (int i = 0; i < length; i++) {
                byte worstVerdict = 0;
                byte worstCounted = 0;
                boolean allInMaintenance = true;
                for (Timeline t : all) {
                    byte v = t.verdictAt(i);
                    worstVerdict = (byte) Math.max(worstVerdict, v);
                    byte s = t.stateAt(i);
                    if (s != Timeline.MAINTENANCE) {
                        allInMaintenance = false;
                        // Verdict ordinals run NO_DATA < UP < DEGRADED < DOWN, so max is "worst".
                        worstCounted = (byte) Math.max(worstCounted, s);
                    }
                }
                verdicts[i] = worstVerdict;
                states[i] = allInMaintenance ? Timeline.MAINTENANCE : worstCounted;
            }
            return new Timeline(SERVICE, firstMinute, verdicts, states);
        }
    }

    static {
        // The byte encoding relies on this order; fail loudly if someone reorders the enums.
        if (Verdict.NO_DATA.ordinal() != 0 || Verdict.DOWN.ordinal() != 3 || Status.values().length != 3) {
            throw new AssertionError("Verdict/Status order changed");
        }
    }
}
