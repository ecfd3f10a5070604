package dev.beacon.status;

import dev.beacon.status.store.Impact;
import dev.beacon.status.store.Incident;
import dev.beacon.status.store.IncidentStatus;
import dev.beacon.status.store.IncidentUpdate;
import dev.beacon.status.store.Maintenance;
import dev.beacon.status.store.ResultBuffer;
import dev.beacon.status.store.Store;
import dev.beacon.status.store.StoredResult;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Writes a realistic history into a store the way production does: results in time order through
 * {@link Store#record} in batches of the result buffer's size, and a purge every simulated hour followed by
 * {@link Store#compactIfDue} (so the embedded file is compacted once a simulated day), so raw rows are kept 7 days
 * and the minute and day roll-ups are what the recorder computed. Mostly up; some degraded spells; a few
 * outages, seen by one location (outvoted), two or all three. Seeded, so two runs write the same history.
 */
final class BenchHistory {
    /** The result buffer's batch: what a prober hands the store at most at once. */
    static final int BATCH = ResultBuffer.Options.DEFAULT.batchSize();
    /** Production purges hourly (retention.purgeInterval). */
    static final Duration PURGE_EVERY = Duration.ofHours(1);

    private final List<String> components;
    private final List<String> locations;
    private final Duration interval;
    private final Random random = new Random(11);
    /** Per component: minute (epoch minute) to the spell covering it. */
    private final List<Map<Long, Spell>> spells = new ArrayList<>();
    private final List<Spell> outages = new ArrayList<>();

    /** An outage (DOWN) or a slow spell (DEGRADED) of one component, seen by the locations in {@code seenBy}. */
    private record Spell(int component, Instant from, Instant to, boolean[] seenBy, Status status, String reason) {
        int seen() {
            int n = 0;
            for (boolean b : seenBy) if (b) n++;
            return n;
        }
    }

    /** What was written and how long it took; the compactions of the embedded file among it. */
    record Generated(long results, long refused, int incidents, int maintenances, Duration took, int compactions,
                     Duration compacting, Duration longestCompaction) {
    }

    BenchHistory(int components, int locations, Duration interval) {
        this.components = components(components);
        this.locations = locations(locations);
        this.interval = interval;
    }

    static List<String> components(int n) {
        List<String> out = new ArrayList<>();
        for (int node = 1; out.size() < n - 1; node++) {
            out.add("node/node-" + node + "/tls");
            if (out.size() < n - 1) out.add("node/node-" + node + "/readyz");
        }
        out.add("canary");
        return out;
    }

    static List<String> locations(int n) {
        List<String> names = List.of("eu-west", "us-east", "ap-south");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(i < names.size() ? names.get(i) : "location-" + (i + 1));
        return out;
    }

    /**
     * Generates from {@code now - days} until the wall clock (re-read as it goes, so the newest results are seconds
     * old when it returns), printing a progress line about every 10 seconds with the database's size so far.
     */
    Generated generate(Store store, int days, PrintStream progress, LongSupplier databaseBytes) {
        long started = System.nanoTime();
        Instant from = Instant.now().minus(Duration.ofDays(days)).truncatedTo(ChronoUnit.MINUTES);
        plan(from, Instant.now());
        long written = 0;
        long refused = 0;
        long lastPrint = started;
        Instant nextPurge = from.plus(PURGE_EVERY);
        List<StoredResult> batch = new ArrayList<>(BATCH);
        int compactions = 0;
        Duration compacting = Duration.ZERO;
        Duration longest = Duration.ZERO;
        long expected = Duration.ofDays(days).dividedBy(interval) * components.size() * locations.size();
        for (Instant round = from; round.isBefore(Instant.now()); round = round.plus(interval)) {
            for (int l = 0; l < locations.size(); l++) {
                // each location probes on its own schedule within the round, each component a little after the last
                Instant base = round.plusMillis(l * 7_000L + random.nextInt(1000));
                for (int c = 0; c < components.size(); c++) {
                    batch.add(result(l, c, base.plusMillis(c * 150L)));
                    if (batch.size() == BATCH) {
                        // written when it would have been, so a view sees 90 days written over 90 days
                        Store.Recorded r = store.record(batch, round.plus(interval).isBefore(Instant.now()) ? round : Instant.now());
                        written += r.stored();
                        refused += r.tooOld();
                        batch.clear();
                    }
                }
            }
            if (!round.isBefore(nextPurge)) {
                store.purge(round);
                Optional<Store.Compacted> c = store.compactIfDue(round); // as the service does after its purge
                if (c.isPresent()) {
                    compactions++;
                    compacting = compacting.plus(c.get().took());
                    if (c.get().took().compareTo(longest) > 0) longest = c.get().took();
                }
                nextPurge = nextPurge.plus(PURGE_EVERY);
            }
            if (System.nanoTime() - lastPrint > 10_000_000_000L) {
                lastPrint = System.nanoTime();
                System.out.flush();
                progress.printf("  generating: %s, %,d of about %,d results, %d s, database %.1f MB%n",
                        round.truncatedTo(ChronoUnit.DAYS).toString().substring(0, 10), written, expected,
                        (lastPrint - started) / 1_000_000_000L, databaseBytes.getAsLong() / 1e6);
            }
        }
        Store.Recorded r = store.record(batch);
        written += r.stored();
        refused += r.tooOld();
        store.purge(Instant.now());
        int incidents = incidents(store, from);
        int maintenances = maintenances(store, from);
        return new Generated(written, refused, incidents, maintenances, Duration.ofNanos(System.nanoTime() - started),
                compactions, compacting, longest);
    }

    /** About one outage per component every 6 days (2 to 20 minutes) and a slow spell every 3 days. */
    private void plan(Instant from, Instant to) {
        long minutes = Duration.between(from, to).toMinutes();
        for (int c = 0; c < components.size(); c++) {
            Map<Long, Spell> byMinute = new HashMap<>();
            spells.add(byMinute);
            for (int i = 0; i < Math.max(1, minutes / (6 * 1440)); i++) {
                Instant start = from.plus(Duration.ofMinutes(random.nextInt((int) minutes)));
                int length = 2 + (int) Math.round(Math.abs(random.nextGaussian()) * 6);
                // by how many locations: 40% one (outvoted), 40% all but one, 20% all
                double p = random.nextDouble();
                int seen = p < 0.4 ? 1 : p < 0.8 ? Math.max(1, locations.size() - 1) : locations.size();
                Spell s = new Spell(c, start, start.plus(Duration.ofMinutes(length)), pick(seen), Status.DOWN,
                        reason(c));
                put(byMinute, s);
                if (2 * s.seen() > locations.size() && length >= 2) outages.add(s);
            }
            for (int i = 0; i < Math.max(1, minutes / (3 * 1440)); i++) {
                Instant start = from.plus(Duration.ofMinutes(random.nextInt((int) minutes)));
                int length = 5 + random.nextInt(40);
                put(byMinute, new Spell(c, start, start.plus(Duration.ofMinutes(length)), pick(1 + random.nextInt(locations.size())),
                        Status.DEGRADED, null));
            }
        }
    }

    private boolean[] pick(int n) {
        boolean[] seen = new boolean[locations.size()];
        for (int k = 0; k < n; ) {
            int l = random.nextInt(seen.length);
            if (!seen[l]) {
                seen[l] = true;
                k++;
            }
        }
        return seen;
    }

    private String reason(int c) {
        String name = components.get(c);
        if (name.endsWith("/readyz")) return "/readyz answered 503";
        return random.nextBoolean() ? "connection refused" : "timeout after 5 s";
    }

    private static void put(Map<Long, Spell> byMinute, Spell s) {
        for (Instant m = s.from(); m.isBefore(s.to()); m = m.plus(1, ChronoUnit.MINUTES)) {
            byMinute.merge(m.getEpochSecond() / 60, s, (a, b) -> a.status() == Status.DOWN ? a : b); // an outage wins
        }
    }

    private StoredResult result(int l, int c, Instant ts) {
        Spell s = spells.get(c).get(ts.getEpochSecond() / 60);
        String component = components.get(c);
        String location = locations.get(l);
        if (s != null && s.seenBy()[l] && s.status() == Status.DOWN) {
            return new StoredResult(location, component, ts, Status.DOWN, null, s.reason());
        }
        if (s != null && s.seenBy()[l] && random.nextInt(3) > 0 || random.nextInt(1000) == 0) {
            return new StoredResult(location, component, ts, Status.DEGRADED, 1000 + random.nextInt(2500),
                    "slower than 1 s");
        }
        int latency = (component.equals("canary") ? 45 : 12) + l * 20 + (int) Math.abs(random.nextGaussian() * 8);
        return new StoredResult(location, component, ts, Status.UP, latency, null);
    }

    /** An auto-opened incident for each outage a majority saw, and three declared by hand; all resolved. */
    private int incidents(Store store, Instant from) {
        int n = 0;
        for (Spell s : outages) {
            String name = components.get(s.component());
            store.createIncident(new Incident(0, Set.of(name), name + " is down", IncidentStatus.RESOLVED, Impact.MAJOR,
                    s.from(), s.to(), true, List.of(
                    new IncidentUpdate(0, 0, IncidentStatus.INVESTIGATING, "Opened automatically: the probes saw "
                            + name + " down for 2 consecutive minutes.", s.from().plus(Duration.ofMinutes(3))),
                    new IncidentUpdate(0, 0, IncidentStatus.RESOLVED, "Resolved automatically.", s.to()))));
            n++;
        }
        Duration span = Duration.between(from, Instant.now());
        for (int i = 1; i <= 3; i++) {
            Instant start = from.plus(span.multipliedBy(i).dividedBy(4)).truncatedTo(ChronoUnit.MINUTES);
            store.createIncident(new Incident(0, Set.of(components.get(i % components.size())),
                    "Elevated error rate on " + components.get(i % components.size()), IncidentStatus.RESOLVED, Impact.MINOR,
                    start, start.plus(Duration.ofMinutes(45)), false, List.of(
                    new IncidentUpdate(0, 0, IncidentStatus.INVESTIGATING, "We are looking into elevated errors.", start),
                    new IncidentUpdate(0, 0, IncidentStatus.IDENTIFIED, "A bad deploy; rolling back.", start.plus(Duration.ofMinutes(20))),
                    new IncidentUpdate(0, 0, IncidentStatus.RESOLVED, "Rolled back; errors are back to normal.",
                            start.plus(Duration.ofMinutes(45))))));
            n++;
        }
        return n;
    }

    /** Two past windows (one on every component), one on a component, one announced for next week. */
    private int maintenances(Store store, Instant from) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS);
        Duration span = Duration.between(from, now);
        Instant a = from.plus(span.dividedBy(3));
        Instant b = from.plus(span.dividedBy(3).multipliedBy(2));
        store.createMaintenance(Maintenance.ofAll("Database upgrade", a, a.plus(Duration.ofHours(1))));
        store.createMaintenance(Maintenance.of(Set.of(components.get(0)), "Node certificate rotation", b,
                b.plus(Duration.ofMinutes(30))));
        store.createMaintenance(Maintenance.of(Set.of(components.get(components.size() - 1)), "Canary bridge move",
                now.minus(Duration.ofHours(30)), now.minus(Duration.ofHours(29))));
        store.createMaintenance(Maintenance.ofAll("Kernel updates", now.plus(Duration.ofDays(7)),
                now.plus(Duration.ofDays(7)).plus(Duration.ofHours(2))));
        return 4;
    }
}
