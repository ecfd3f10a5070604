/**
 * The uptime math of the status page: pure functions of probe results, maintenance windows, a zone and "now" (no
 * clock reads, no I/O).
 *
 * <ul>
 *   <li>{@link dev.beacon.status.uptime.UptimeHistory}: results per (component, location, minute) and maintenance in,
 *       one {@link dev.beacon.status.uptime.Timeline} per component and one for the service out.</li>
 *   <li>{@link dev.beacon.status.uptime.Verdict#ofMajority}: a minute is DOWN when a strict majority of the
 *       locations that reported it saw it down; DEGRADED when a strict majority saw it degraded-or-down but not a
 *       majority down; NO_DATA when no location reported.</li>
 *   <li>{@link dev.beacon.status.uptime.Tally}: uptime = good / (good + bad), good = up + degraded, bad = down;
 *       no-data and maintenance minutes are in neither; no good or bad minutes is "no data", not 100%.</li>
 *   <li>{@link dev.beacon.status.uptime.UptimeReport}: rolling 24 h / 7 d / 30 d / 90 d, calendar months and 90
 *       daily bars in the viewer's zone, each month's {@link dev.beacon.status.uptime.ErrorBudget} against 99.9%,
 *       and {@link dev.beacon.status.uptime.UptimeReport#FORMULA}, the sentence the page prints.</li>
 *   <li>{@link dev.beacon.status.uptime.IncidentDetector}: opens after N down minutes, resolves after M good ones.</li>
 * </ul>
 */
package dev.beacon.status.uptime;
