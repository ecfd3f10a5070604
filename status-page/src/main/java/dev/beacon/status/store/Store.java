package dev.beacon.status.store;

import dev.beacon.status.Status;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.flywaydb.core.Flyway;

/**
 * The status page's storage: probe results, their minute and day roll-ups, incidents and maintenance windows, in
 * H2 (one file, PostgreSQL mode) or PostgreSQL, over plain JDBC. Every method blocks: call it from a worker pool.
 * Failures are {@link StoreException}s; to keep probing while the database is away, record through a
 * {@link ResultBuffer}.
 *
 * <p>Roll-ups are recomputed, not incremented: a write re-reads the raw rows of each minute it touched and the
 * minute rows of each day it touched, so a replayed batch leaves them exactly as before. Writes from one Store are
 * serialized; two processes writing one database can race on a day row, and the next write of that day repairs it.
 */
public final class Store implements Recorder, AutoCloseable {
    private static final String[] RESULT_COLUMNS =
            {"location", "component", "ts", "status", "latency_ms", "reason"};
    private static final String[] MINUTE_COLUMNS = {"component", "location", "minute_utc", "status", "probes", "up",
            "degraded", "down", "latency_count", "latency_sum_ms", "latency_max_ms"};
    private static final String[] DAY_COLUMNS = {"component", "day_utc", "status", "up_minutes", "degraded_minutes",
            "down_minutes", "probes", "latency_count", "latency_sum_ms", "latency_max_ms", "written_at"};
    private static final String COUNTS = "sum(CASE WHEN status = 'UP' THEN 1 ELSE 0 END), "
            + "sum(CASE WHEN status = 'DEGRADED' THEN 1 ELSE 0 END), sum(CASE WHEN status = 'DOWN' THEN 1 ELSE 0 END)";

    private final Dialect dialect;
    private final Pool pool;
    private final Retention retention;
    private final ReentrantLock writes = new ReentrantLock();
    /** Every transaction holds its read side; {@link #compact} its write side, so it runs alone. */
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private final boolean embeddedFile;
    /** When {@link #compactIfDue} last compacted (its caller's clock); null before the first time. */
    private Instant lastCompacted;
    private final String upsertResult;
    private final String upsertMinute;
    private final String upsertDay;
    private final String upsertCertificate;

    private Store(Dialect dialect, Pool pool, Retention retention, boolean embeddedFile) {
        this.dialect = dialect;
        this.embeddedFile = embeddedFile;
        this.pool = pool;
        this.retention = retention;
        this.upsertResult = dialect.upsert("probe_result", 3, RESULT_COLUMNS);
        this.upsertMinute = dialect.upsert("probe_minute", 3, MINUTE_COLUMNS);
        this.upsertDay = dialect.upsert("probe_day", 2, DAY_COLUMNS);
        this.upsertCertificate = dialect.upsert("node_certificate", 2, new String[] {"component", "location", "not_after", "seen_at"});
    }

    /** {@link #open(String, String, String, Retention)} with the default retention. */
    public static Store open(String jdbcUrl, String user, String password) {
        return open(jdbcUrl, user, password, Retention.DEFAULT);
    }

    /**
     * Connects and migrates the schema to the newest version (a no-op on a migrated database).
     *
     * @param jdbcUrl {@code jdbc:postgresql://...} or {@code jdbc:h2:file:...}; an H2 URL gets the settings it needs
     *                appended (see {@link #h2Url})
     * @throws StoreException when the database cannot be reached or migrated
     */
    public static Store open(String jdbcUrl, String user, String password, Retention retention) {
        if (retention.minutes().compareTo(retention.raw().plusDays(1)) < 0) {
            throw new IllegalArgumentException("retention.minutes must be at least retention.raw + 1 day: a late "
                    + "result's day is recomputed from its minutes");
        }
        Dialect dialect = Dialect.of(jdbcUrl);
        String url = dialect.normalize(jdbcUrl);
        try {
            Flyway.configure()
                    .dataSource(url, user, password)
                    .locations("classpath:db/migration")
                    .failOnMissingLocations(true)
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            throw new StoreException("migrating the status store failed", e);
        }
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        if (dialect == Dialect.POSTGRESQL) {
            // A database that stops answering must fail a write, not hang a worker forever (the driver's default).
            properties.setProperty("connectTimeout", "5");
            properties.setProperty("socketTimeout", "60");
            properties.setProperty("ApplicationName", "beacon-status-page");
        }
        return new Store(dialect, new Pool(url, properties, 4), retention,
                url.regionMatches(true, 0, "jdbc:h2:file:", 0, "jdbc:h2:file:".length()));
    }

    /** The embedded database: one file, {@code status.mv.db}, in dataDir. */
    public static String h2Url(java.nio.file.Path dataDir) {
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("status") + Dialect.H2_SETTINGS;
    }

    public Retention retention() {
        return retention;
    }

    // ---- probe results and roll-ups ----

    /** What {@link #record} did: stored results, and those refused as older than the purged horizon. */
    public record Recorded(int stored, int tooOld) {
    }

    /**
     * Stores the results (a result whose (location, component, ts) is already stored replaces it) and recomputes
     * the minute and day roll-ups they touch, in one transaction. Results older than the raw purge horizon are
     * refused and counted, since their minute can no longer be recomputed from complete raw rows.
     */
    @Override
    public Recorded record(List<StoredResult> results) {
        return record(results, Instant.now());
    }

    /**
     * {@link #record(List)} as if written at {@code writtenAt} (the day roll-ups' {@code written_at}): for a tool
     * that replays history as it would have been written (the bench), so readers see days written when they happened.
     */
    public Recorded record(List<StoredResult> results, Instant writtenAt) {
        if (results.isEmpty()) {
            return new Recorded(0, 0);
        }
        Map<List<Object>, StoredResult> byKey = new LinkedHashMap<>();
        for (StoredResult r : results) {
            byKey.put(List.of(r.location(), r.component(), r.ts()), r); // the last of a batch wins, as in a replay
        }
        writes.lock();
        try {
            return transaction("recording " + byKey.size() + " probe results", c -> {
                Instant horizon = rawPurgedBefore(c);
                List<StoredResult> keep = new ArrayList<>();
                for (StoredResult r : byKey.values()) {
                    if (horizon == null || !r.ts().isBefore(horizon)) {
                        keep.add(r);
                    }
                }
                writeResults(c, keep);
                Set<Instant> minutes = new TreeSet<>();
                Map<LocalDate, Set<String>> days = new TreeMap<>();
                for (StoredResult r : keep) {
                    minutes.add(r.minute());
                    days.computeIfAbsent(day(r.ts()), d -> new TreeSet<>()).add(r.component());
                }
                for (Instant minute : minutes) {
                    rollUpMinute(c, minute);
                }
                for (Map.Entry<LocalDate, Set<String>> day : days.entrySet()) {
                    rollUpDay(c, day.getKey(), day.getValue(), writtenAt);
                }
                return new Recorded(keep.size(), byKey.size() - keep.size());
            });
        } finally {
            writes.unlock();
        }
    }

    private void writeResults(Connection c, List<StoredResult> results) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(upsertResult)) {
            for (StoredResult r : results) {
                ps.setString(1, r.location());
                ps.setString(2, r.component());
                ps.setObject(3, utc(r.ts()));
                ps.setString(4, r.status().name());
                setInteger(ps, 5, r.latencyMs());
                ps.setString(6, r.reason());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void rollUpMinute(Connection c, Instant minute) throws SQLException {
        String sql = "SELECT component, location, count(*), " + COUNTS
                + ", count(latency_ms), coalesce(sum(latency_ms), 0), max(latency_ms)"
                + " FROM probe_result WHERE ts >= ? AND ts < ? GROUP BY component, location";
        try (PreparedStatement select = c.prepareStatement(sql);
             PreparedStatement upsert = c.prepareStatement(upsertMinute)) {
            select.setObject(1, utc(minute));
            select.setObject(2, utc(minute.plus(1, ChronoUnit.MINUTES)));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    long degraded = rs.getLong(5);
                    long down = rs.getLong(6);
                    upsert.setString(1, rs.getString(1));
                    upsert.setString(2, rs.getString(2));
                    upsert.setObject(3, utc(minute));
                    upsert.setString(4, Status.worstOf(degraded, down).name());
                    upsert.setLong(5, rs.getLong(3));
                    upsert.setLong(6, rs.getLong(4));
                    upsert.setLong(7, degraded);
                    upsert.setLong(8, down);
                    upsert.setLong(9, rs.getLong(7));
                    upsert.setLong(10, rs.getLong(8));
                    setInteger(upsert, 11, integer(rs, 9));
                    upsert.addBatch();
                }
            }
            upsert.executeBatch();
        }
    }

    private void rollUpDay(Connection c, LocalDate day, Set<String> components, Instant writtenAt) throws SQLException {
        // The day's rows of every component, filtered here: with "component IN (...)" in the WHERE, H2 scanned the
        // primary key over the component's whole history (every write got slower as the history grew).
        String sql = "SELECT component, " + COUNTS
                + ", sum(probes), sum(latency_count), sum(latency_sum_ms), max(latency_max_ms) FROM probe_minute"
                + " WHERE minute_utc >= ? AND minute_utc < ? GROUP BY component";
        try (PreparedStatement select = c.prepareStatement(sql);
             PreparedStatement upsert = c.prepareStatement(upsertDay)) {
            select.setObject(1, day.atStartOfDay());
            select.setObject(2, day.plusDays(1).atStartOfDay());
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    if (!components.contains(rs.getString(1))) {
                        continue;
                    }
                    long degraded = rs.getLong(3);
                    long down = rs.getLong(4);
                    upsert.setString(1, rs.getString(1));
                    upsert.setObject(2, day);
                    upsert.setString(3, Status.worstOf(degraded, down).name());
                    upsert.setLong(4, rs.getLong(2));
                    upsert.setLong(5, degraded);
                    upsert.setLong(6, down);
                    upsert.setLong(7, rs.getLong(5));
                    upsert.setLong(8, rs.getLong(6));
                    upsert.setLong(9, rs.getLong(7));
                    setInteger(upsert, 10, integer(rs, 8));
                    upsert.setObject(11, utc(writtenAt));
                    upsert.addBatch();
                }
            }
            upsert.executeBatch();
        }
    }

    /** Raw results of one component in [from, to), oldest first: for a probe's detail view and for checks. */
    public List<StoredResult> results(String component, Instant from, Instant to) {
        return query("reading probe results",
                "SELECT location, component, ts, status, latency_ms, reason FROM probe_result"
                        + " WHERE component = ? AND ts >= ? AND ts < ? ORDER BY ts, location",
                ps -> {
                    ps.setString(1, component);
                    ps.setObject(2, utc(from));
                    ps.setObject(3, utc(to));
                },
                rs -> new StoredResult(rs.getString(1), rs.getString(2), instant(rs, 3),
                        Status.valueOf(rs.getString(4)), integer(rs, 5), rs.getString(6)));
    }

    /** Minute roll-ups of every component and location with minute in [from, to), by component, location, minute. */
    public List<MinuteStatus> minutes(Instant from, Instant to) {
        return minutes(null, from, to);
    }

    /** Minute roll-ups of one component (null: all) with minute in [from, to), by component, location, minute. */
    public List<MinuteStatus> minutes(String component, Instant from, Instant to) {
        return query("reading minute roll-ups",
                "SELECT component, location, minute_utc, status, probes, up, degraded, down, latency_count,"
                        + " latency_sum_ms, latency_max_ms FROM probe_minute WHERE minute_utc >= ? AND minute_utc < ?"
                        + (component == null ? "" : " AND component = ?")
                        + " ORDER BY component, location, minute_utc",
                ps -> {
                    ps.setObject(1, utc(from));
                    ps.setObject(2, utc(to));
                    if (component != null) {
                        ps.setString(3, component);
                    }
                },
                rs -> new MinuteStatus(rs.getString(1), rs.getString(2), instant(rs, 3),
                        Status.valueOf(rs.getString(4)), rs.getInt(5), rs.getInt(6), rs.getInt(7),
                        rs.getInt(8), rs.getInt(9), rs.getLong(10), integer(rs, 11)));
    }

    /**
     * The UTC days whose roll-up of any component was recomputed at or after {@code since} by the clock of the
     * writer that recomputed it (a day's minute rows change only together with its day row), oldest first.
     */
    public List<LocalDate> daysWrittenSince(Instant since) {
        return query("reading which days changed",
                "SELECT DISTINCT day_utc FROM probe_day WHERE written_at >= ? ORDER BY day_utc",
                ps -> ps.setObject(1, utc(since)),
                rs -> rs.getObject(1, LocalDate.class));
    }

    /** Records the certificates the locations saw; an older sighting than the stored one is ignored. */
    public void certificatesSeen(Collection<CertificateSeen> seen) {
        if (seen.isEmpty()) return;
        transaction("recording node certificates", c -> {
            for (CertificateSeen s : seen) {
                Instant stored = null;
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT seen_at FROM node_certificate WHERE component = ? AND location = ?")) {
                    ps.setString(1, s.component());
                    ps.setString(2, s.location());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) stored = instant(rs, 1);
                    }
                }
                if (stored != null && stored.isAfter(s.seenAt())) continue;
                try (PreparedStatement ps = c.prepareStatement(upsertCertificate)) {
                    ps.setString(1, s.component());
                    ps.setString(2, s.location());
                    ps.setObject(3, utc(s.notAfter()));
                    ps.setObject(4, utc(s.seenAt()));
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Per component, the certificate seen most recently by any location (a renewal shows as soon as one saw it). */
    public Map<String, CertificateSeen> certificates() {
        Map<String, CertificateSeen> newest = new TreeMap<>();
        for (CertificateSeen s : query("reading node certificates",
                "SELECT component, location, not_after, seen_at FROM node_certificate", ps -> { },
                rs -> new CertificateSeen(rs.getString(1), rs.getString(2), instant(rs, 3), instant(rs, 4)))) {
            newest.merge(s.component(), s, (a, b) -> a.seenAt().isAfter(b.seenAt()) ? a : b);
        }
        return newest;
    }

    /** Receives minute verdict inputs one row at a time (see {@link #scanMinutes}). */
    @FunctionalInterface
    public interface MinuteSink {
        void minute(String component, String location, Instant minute, Status status);
    }

    /**
     * The status of every (component, location, minute) with minute in [from, to), handed to the sink row by row
     * without building a list: 90 days are about two million rows. PostgreSQL streams them (a fetch size inside a
     * transaction); the sink runs on the calling thread.
     */
    public void scanMinutes(Instant from, Instant to, MinuteSink sink) {
        transaction("reading minute roll-ups", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT component, location, minute_utc, status"
                    + " FROM probe_minute WHERE minute_utc >= ? AND minute_utc < ?")) {
                ps.setFetchSize(10_000);
                ps.setObject(1, utc(from));
                ps.setObject(2, utc(to));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        sink.minute(rs.getString(1), rs.getString(2), instant(rs, 3), Status.valueOf(rs.getString(4)));
                    }
                }
                return null;
            }
        });
    }

    /** Day roll-ups of every component with day in [from, to), by component and day. */
    public List<DayRollup> days(LocalDate from, LocalDate to) {
        return days(null, from, to);
    }

    /** Day roll-ups of one component (null: all) with day in [from, to), by component and day. */
    public List<DayRollup> days(String component, LocalDate from, LocalDate to) {
        return query("reading day roll-ups",
                "SELECT component, day_utc, status, up_minutes, degraded_minutes, down_minutes, probes,"
                        + " latency_count, latency_sum_ms, latency_max_ms FROM probe_day"
                        + " WHERE day_utc >= ? AND day_utc < ?" + (component == null ? "" : " AND component = ?")
                        + " ORDER BY component, day_utc",
                ps -> {
                    ps.setObject(1, from);
                    ps.setObject(2, to);
                    if (component != null) {
                        ps.setString(3, component);
                    }
                },
                rs -> new DayRollup(rs.getString(1), rs.getObject(2, LocalDate.class),
                        Status.valueOf(rs.getString(3)), rs.getInt(4), rs.getInt(5), rs.getInt(6),
                        rs.getInt(7), rs.getInt(8), rs.getLong(9), integer(rs, 10)));
    }

    // ---- retention ----

    /** What {@link #purge} deleted. */
    public record Purged(int results, int minutes, int days) {
    }

    /**
     * Deletes raw results older than retention.raw (cut at a whole minute, so no minute is left half-purged),
     * minute roll-ups older than retention.minutes and day roll-ups older than retention.days, relative to now.
     * Safe to call repeatedly and concurrently with writes; incidents and maintenance windows are kept.
     */
    public Purged purge(Instant now) {
        Instant rawCutoff = now.minus(retention.raw()).truncatedTo(ChronoUnit.MINUTES);
        Instant minuteCutoff = now.minus(retention.minutes()).truncatedTo(ChronoUnit.MINUTES);
        LocalDate dayCutoff = day(now.minus(retention.days()));
        writes.lock();
        try {
            return transaction("purging old probe results", c -> {
                int results = delete(c, "DELETE FROM probe_result WHERE ts < ?", utc(rawCutoff));
                int minutes = delete(c, "DELETE FROM probe_minute WHERE minute_utc < ?", utc(minuteCutoff));
                int days = delete(c, "DELETE FROM probe_day WHERE day_utc < ?", dayCutoff);
                try (PreparedStatement ps = c.prepareStatement("UPDATE store_state SET raw_purged_before = ?"
                        + " WHERE id = 1 AND (raw_purged_before IS NULL OR raw_purged_before < ?)")) {
                    ps.setObject(1, utc(rawCutoff));
                    ps.setObject(2, utc(rawCutoff));
                    ps.executeUpdate();
                }
                return new Purged(results, minutes, days);
            });
        } finally {
            writes.unlock();
        }
    }

    private static int delete(Connection c, String sql, Object cutoff) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, cutoff);
            return ps.executeUpdate();
        }
    }

    private static Instant rawPurgedBefore(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT raw_purged_before FROM store_state WHERE id = 1")) {
            return rs.next() ? instant(rs, 1) : null;
        }
    }

    // ---- compaction of the embedded file ----

    /** How often {@link #compactIfDue} compacts the embedded H2 file. */
    public static final Duration COMPACT_EVERY = Duration.ofDays(1);
    /** How long {@link #compact} waits for running transactions (a view refresh reads for seconds) to end. */
    static final Duration COMPACT_WAIT = Duration.ofSeconds(60);

    /** What {@link #compact} did: the file's size before and after, and how long the store was held. */
    public record Compacted(long bytesBefore, long bytesAfter, Duration took) {
    }

    /**
     * {@link #compact} when the last compaction by this Store was {@link #COMPACT_EVERY} ago or more by now, or
     * there was none yet; call it after {@link #purge}. Empty when not due or not an embedded H2 file.
     *
     * @throws StoreException when compacting failed (it is tried again at the next call)
     */
    public Optional<Compacted> compactIfDue(Instant now) {
        if (!embeddedFile) {
            return Optional.empty();
        }
        writes.lock();
        try {
            if (lastCompacted != null && now.isBefore(lastCompacted.plus(COMPACT_EVERY))) {
                return Optional.empty();
            }
            Optional<Compacted> done = compact();
            lastCompacted = now;
            return done;
        } finally {
            writes.unlock();
        }
    }

    /**
     * Rewrites the embedded H2 file with only its live data, compressed, and reopens it: H2's
     * {@code SHUTDOWN COMPACT}, which writes a new file beside the old one and renames it over it (a crash
     * meanwhile leaves the old file, which H2 cleans up at the next open). H2 keeps the space of deleted and
     * rewritten rows while the file is open (the hourly purge, and the minute and day roll-ups rewritten on every
     * write), so without this the file grows several times larger than its data. Every other call of this Store
     * waits meanwhile (about a second for 90 days of 5 components from 3 locations; it grows with the data).
     * Nothing to do for PostgreSQL (autovacuum's job) or any H2 URL but {@code jdbc:h2:file:}.
     *
     * @throws StoreException when the store stays busy for {@link #COMPACT_WAIT} or compacting fails
     */
    public Optional<Compacted> compact() {
        if (!embeddedFile) {
            return Optional.empty();
        }
        try {
            if (!gate.writeLock().tryLock(COMPACT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new StoreException("compacting the database: other calls kept it busy for "
                        + COMPACT_WAIT.toSeconds() + " s", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("compacting the database: interrupted", e);
        }
        try {
            long started = System.nanoTime();
            long before;
            Connection c = pool.borrow(); // held, so the database stays open while the idle ones close
            try {
                pool.closeIdle();
                before = fileSize(c);
                try (Statement s = c.createStatement()) {
                    s.execute("SHUTDOWN COMPACT");
                }
            } finally {
                pool.release(c, true); // closed by the shutdown
            }
            long after;
            c = pool.borrow(); // reopens the database, so the next call does not wait for it
            boolean suspect = true;
            try {
                after = fileSize(c);
                suspect = false;
            } finally {
                pool.release(c, suspect);
            }
            return Optional.of(new Compacted(before, after, Duration.ofNanos(System.nanoTime() - started)));
        } catch (SQLException e) {
            throw new StoreException("compacting the database failed", e);
        } finally {
            gate.writeLock().unlock();
        }
    }

    private static long fileSize(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT setting_value FROM information_schema.settings"
                     + " WHERE setting_name = 'info.FILE_SIZE'")) {
            return rs.next() ? Long.parseLong(rs.getString(1)) : -1;
        }
    }

    // ---- incidents ----

    /** Stores a new incident (its id is ignored) with its components and any updates it carries. */
    public Incident createIncident(Incident draft) {
        return transaction("creating an incident", c -> {
            long id;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO incident (title, status, impact, started_at,"
                    + " resolved_at, auto_opened) VALUES (?, ?, ?, ?, ?, ?)", new String[] {"id"})) {
                bindIncident(ps, draft);
                ps.executeUpdate();
                id = generatedId(ps);
            }
            writeNames(c, "incident_component", "incident_id", id, draft.components());
            for (IncidentUpdate u : draft.updates()) {
                insertUpdate(c, id, u.status(), u.body(), u.at());
            }
            return loadIncident(c, id).orElseThrow();
        });
    }

    /**
     * Replaces an incident's title, components, status, impact, times and flag (not its updates).
     *
     * @throws IllegalArgumentException when no incident has its id
     */
    public Incident updateIncident(Incident incident) {
        return transaction("updating incident " + incident.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE incident SET title = ?, status = ?, impact = ?,"
                    + " started_at = ?, resolved_at = ?, auto_opened = ? WHERE id = ?")) {
                bindIncident(ps, incident);
                ps.setLong(7, incident.id());
                if (ps.executeUpdate() == 0) {
                    throw new IllegalArgumentException("no incident " + incident.id());
                }
            }
            delete(c, "DELETE FROM incident_component WHERE incident_id = ?", incident.id());
            writeNames(c, "incident_component", "incident_id", incident.id(), incident.components());
            return loadIncident(c, incident.id()).orElseThrow();
        });
    }

    /**
     * Posts an update; the incident takes its status. Resolved or postmortem closes an open incident at the
     * update's time; any other status reopens a closed one.
     *
     * @throws IllegalArgumentException when no incident has this id
     */
    public IncidentUpdate addUpdate(long incidentId, IncidentStatus status, String body, Instant at) {
        IncidentUpdate update = new IncidentUpdate(0, incidentId, status, body, at);
        return transaction("posting an update on incident " + incidentId, c -> {
            String resolved = status.closes() ? "coalesce(resolved_at, ?)" : "NULL";
            try (PreparedStatement ps = c.prepareStatement("UPDATE incident SET status = ?, resolved_at = "
                    + resolved + " WHERE id = ?")) {
                ps.setString(1, status.sql());
                int i = 2;
                if (status.closes()) {
                    ps.setObject(i++, utc(update.at()));
                }
                ps.setLong(i, incidentId);
                if (ps.executeUpdate() == 0) {
                    throw new IllegalArgumentException("no incident " + incidentId);
                }
            }
            long id = insertUpdate(c, incidentId, status, update.body(), update.at());
            return new IncidentUpdate(id, incidentId, status, update.body(), update.at());
        });
    }

    public Optional<Incident> incident(long id) {
        return transaction("reading incident " + id, c -> loadIncident(c, id));
    }

    /** Incidents open at any time in [from, to), newest first, with their components and updates. */
    public List<Incident> incidents(Instant from, Instant to) {
        return transaction("listing incidents", c -> loadIncidents(c,
                "started_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)", utc(to), utc(from)));
    }

    /** Incidents not yet resolved, newest first: what the page heads with, and what auto-open checks first. */
    public List<Incident> openIncidents() {
        return transaction("listing open incidents", c -> loadIncidents(c, "resolved_at IS NULL"));
    }

    private static void bindIncident(PreparedStatement ps, Incident i) throws SQLException {
        ps.setString(1, i.title());
        ps.setString(2, i.status().sql());
        ps.setString(3, i.impact().sql());
        ps.setObject(4, utc(i.startedAt()));
        ps.setObject(5, i.resolvedAt() == null ? null : utc(i.resolvedAt()), java.sql.Types.TIMESTAMP);
        ps.setBoolean(6, i.autoOpened());
    }

    private static long insertUpdate(Connection c, long incidentId, IncidentStatus status, String body, Instant at)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO incident_update (incident_id, status, body,"
                + " posted_at) VALUES (?, ?, ?, ?)", new String[] {"id"})) {
            ps.setLong(1, incidentId);
            ps.setString(2, status.sql());
            ps.setString(3, body);
            ps.setObject(4, utc(at));
            ps.executeUpdate();
            return generatedId(ps);
        }
    }

    private static Optional<Incident> loadIncident(Connection c, long id) throws SQLException {
        return loadIncidents(c, "id = ?", id).stream().findFirst();
    }

    private static List<Incident> loadIncidents(Connection c, String where, Object... params) throws SQLException {
        String ids = "SELECT id FROM incident WHERE " + where;
        Map<Long, Set<String>> components = names(c, "SELECT incident_id, component FROM incident_component"
                + " WHERE incident_id IN (" + ids + ")", params);
        Map<Long, List<IncidentUpdate>> updates = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, incident_id, status, body, posted_at FROM"
                + " incident_update WHERE incident_id IN (" + ids + ") ORDER BY posted_at, id")) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    updates.computeIfAbsent(rs.getLong(2), k -> new ArrayList<>()).add(new IncidentUpdate(
                            rs.getLong(1), rs.getLong(2), IncidentStatus.ofSql(rs.getString(3)), rs.getString(4),
                            instant(rs, 5)));
                }
            }
        }
        List<Incident> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, title, status, impact, started_at, resolved_at,"
                + " auto_opened FROM incident WHERE " + where + " ORDER BY started_at DESC, id DESC")) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    out.add(new Incident(id, components.getOrDefault(id, Set.of()), rs.getString(2),
                            IncidentStatus.ofSql(rs.getString(3)), Impact.ofSql(rs.getString(4)), instant(rs, 5),
                            instant(rs, 6), rs.getBoolean(7), updates.getOrDefault(id, List.of())));
                }
            }
        }
        return out;
    }

    // ---- maintenance windows ----

    /** Stores a new window (its id is ignored). */
    public Maintenance createMaintenance(Maintenance draft) {
        return transaction("creating a maintenance window", c -> {
            long id;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO maintenance (title, all_components,"
                    + " starts_at, ends_at) VALUES (?, ?, ?, ?)", new String[] {"id"})) {
                bindMaintenance(ps, draft);
                ps.executeUpdate();
                id = generatedId(ps);
            }
            writeNames(c, "maintenance_component", "maintenance_id", id, draft.components());
            return new Maintenance(id, draft.components(), draft.allComponents(), draft.title(), draft.startsAt(),
                    draft.endsAt());
        });
    }

    /** @throws IllegalArgumentException when no window has its id */
    public Maintenance updateMaintenance(Maintenance window) {
        return transaction("updating maintenance window " + window.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE maintenance SET title = ?, all_components = ?,"
                    + " starts_at = ?, ends_at = ? WHERE id = ?")) {
                bindMaintenance(ps, window);
                ps.setLong(5, window.id());
                if (ps.executeUpdate() == 0) {
                    throw new IllegalArgumentException("no maintenance window " + window.id());
                }
            }
            delete(c, "DELETE FROM maintenance_component WHERE maintenance_id = ?", window.id());
            writeNames(c, "maintenance_component", "maintenance_id", window.id(), window.components());
            return window;
        });
    }

    /** @return whether a window was deleted */
    public boolean deleteMaintenance(long id) {
        return transaction("deleting maintenance window " + id,
                c -> delete(c, "DELETE FROM maintenance WHERE id = ?", id) > 0);
    }

    /** Windows overlapping [from, to), by start. */
    public List<Maintenance> maintenances(Instant from, Instant to) {
        return transaction("listing maintenance windows", c -> {
            String where = "starts_at < ? AND ends_at > ?";
            Object[] params = {utc(to), utc(from)};
            Map<Long, Set<String>> components = names(c, "SELECT maintenance_id, component FROM"
                    + " maintenance_component WHERE maintenance_id IN (SELECT id FROM maintenance WHERE " + where
                    + ")", params);
            List<Maintenance> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, title, all_components, starts_at, ends_at"
                    + " FROM maintenance WHERE " + where + " ORDER BY starts_at, id")) {
                bind(ps, params);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        out.add(new Maintenance(id, components.getOrDefault(id, Set.of()), rs.getBoolean(3),
                                rs.getString(2), instant(rs, 4), instant(rs, 5)));
                    }
                }
            }
            return out;
        });
    }

    private static void bindMaintenance(PreparedStatement ps, Maintenance m) throws SQLException {
        ps.setString(1, m.title());
        ps.setBoolean(2, m.allComponents());
        ps.setObject(3, utc(m.startsAt()));
        ps.setObject(4, utc(m.endsAt()));
    }

    // ---- plumbing ----

    @Override
    public void close() {
        pool.close();
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    @FunctionalInterface
    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> T transaction(String what, Work<T> work) {
        gate.readLock().lock(); // held off only while compact() rewrites the embedded file
        try {
            Connection c;
            try {
                c = pool.borrow();
            } catch (SQLException e) {
                throw new StoreException(what + ": cannot connect to the database", e);
            }
            boolean suspect = true;
            try {
                c.setAutoCommit(false);
                T result = work.run(c);
                c.commit();
                suspect = false;
                return result;
            } catch (SQLException e) {
                rollback(c);
                throw new StoreException(what + " failed", e);
            } catch (RuntimeException e) {
                rollback(c);
                suspect = false;
                throw e;
            } finally {
                pool.release(c, suspect);
            }
        } finally {
            gate.readLock().unlock();
        }
    }

    private <T> List<T> query(String what, String sql, Binder binder, Row<T> row) {
        return transaction(what, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                List<T> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(row.read(rs));
                    }
                }
                return out;
            }
        });
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is released as suspect and closed
        }
    }

    private static Map<Long, Set<String>> names(Connection c, String sql, Object... params) throws SQLException {
        Map<Long, Set<String>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getLong(1), k -> new TreeSet<>()).add(rs.getString(2));
                }
            }
        }
        return out;
    }

    private static void writeNames(Connection c, String table, String idColumn, long id, Collection<String> names)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (" + idColumn + ", component)"
                + " VALUES (?, ?)")) {
            for (String name : names) {
                ps.setLong(1, id);
                ps.setString(2, name);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
    }

    private static long generatedId(PreparedStatement ps) throws SQLException {
        try (ResultSet keys = ps.getGeneratedKeys()) {
            if (!keys.next()) {
                throw new SQLException("the database returned no generated id");
            }
            return keys.getLong(1);
        }
    }

    private static LocalDateTime utc(Instant t) {
        return LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    private static LocalDate day(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        LocalDateTime t = rs.getObject(column, LocalDateTime.class);
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }

    private static Integer integer(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static void setInteger(PreparedStatement ps, int index, Integer value) throws SQLException {
        if (value == null) {
            ps.setNull(index, java.sql.Types.INTEGER);
        } else {
            ps.setInt(index, value);
        }
    }
}
