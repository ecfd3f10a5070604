/**
 * The status page's storage: probe results, their roll-ups, incidents and maintenance windows, in the embedded
 * database (H2, one file {@code status.mv.db} in the data directory, PostgreSQL mode) or in PostgreSQL.
 *
 * <h2>API</h2>
 * <pre>{@code
 * Store store = Store.open(Store.h2Url(dataDir), "sa", "");              // or jdbc:postgresql://..., runs migrations
 * ResultBuffer buffer = new ResultBuffer(store, ResultBuffer.Options.DEFAULT);
 * buffer.offer(new StoredResult("fra", "relay", now, Status.UP, 12, null));   // prober: never blocks
 * store.minutes("relay", from, to);          // List<MinuteStatus>, for the uptime math
 * store.days(firstDay, dayAfterLast);        // List<DayRollup>, for the 90-day bars
 * store.createIncident(Incident.open(...)); store.addUpdate(id, RESOLVED, "Rolled back.", at);
 * store.createMaintenance(Maintenance.ofAll("Upgrade", start, end));
 * store.purge(now);                          // hourly, say; safe to repeat
 * store.compactIfDue(now);                   // after it: the embedded file, daily (other calls wait meanwhile)
 * }</pre>
 * Every Store call blocks (run it on a worker pool) and fails with {@link dev.beacon.status.store.StoreException}.
 *
 * <h2>Schema ({@code db/migration/V1__status_store.sql}, one file for both databases)</h2>
 * <table>
 * <tr><th>table</th><th>key</th><th>holds</th><th>kept</th></tr>
 * <tr><td>probe_result</td><td>location, component, ts</td><td>status UP/DEGRADED/DOWN, latency_ms, reason</td>
 *     <td>7 days</td></tr>
 * <tr><td>probe_minute</td><td>component, location, minute_utc</td><td>worst status, probes and a count per
 *     status, latency count/sum/max</td><td>400 days</td></tr>
 * <tr><td>probe_day</td><td>component, day_utc</td><td>worst status, location-minutes per status, probes,
 *     latency count/sum/max</td><td>400 days</td></tr>
 * <tr><td>store_state</td><td>id = 1</td><td>raw_purged_before: late results older than it are refused</td>
 *     <td></td></tr>
 * <tr><td>incident, incident_component, incident_update</td><td>id</td><td>title, status, impact, started_at,
 *     resolved_at, auto_opened; components; updates (status, body, posted_at)</td><td>always</td></tr>
 * <tr><td>maintenance, maintenance_component</td><td>id</td><td>title, all_components, starts_at, ends_at;
 *     components</td><td>always</td></tr>
 * </table>
 * Times are UTC in TIMESTAMP columns. A write upserts raw rows, then recomputes the minute rows of the minutes it
 * touched from raw rows and the day rows of the days it touched from minute rows: replays change nothing. The one
 * statement the databases spell differently is the upsert ({@code Dialect}).
 *
 * <h2>Classes</h2>
 * <table>
 * <tr><td>{@link dev.beacon.status.store.Store}</td><td>the API: open/migrate, record, read, incidents,
 *     maintenance, purge, compaction of the embedded file</td></tr>
 * <tr><td>{@link dev.beacon.status.store.ResultBuffer}</td><td>bounded in-memory queue in front of the store,
 *     for when the database is away</td></tr>
 * <tr><td>StoredResult, MinuteStatus, DayRollup, Incident, IncidentUpdate, Maintenance, Retention</td>
 *     <td>the records</td></tr>
 * <tr><td>Dialect, Pool</td><td>the upsert per database; a few idle connections kept for reuse</td></tr>
 * </table>
 */
package dev.beacon.status.store;
