package dev.beacon.status.service;

import dev.beacon.status.store.Impact;
import dev.beacon.status.store.Incident;
import dev.beacon.status.store.IncidentStatus;
import dev.beacon.status.store.IncidentUpdate;
import dev.beacon.status.store.Store;
import dev.beacon.status.uptime.IncidentDetector;
import dev.beacon.status.uptime.IncidentEvent;
import dev.beacon.status.uptime.Timeline;
import dev.beacon.status.uptime.UptimeHistory;
import dev.beacon.status.uptime.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens an incident for a component after {@code openAfter} down minutes and resolves it after {@code resolveAfter}
 * good ones ({@link IncidentDetector} per component), and persists both. Minutes are fed once each, in order, one
 * minute after they end (so the round that lands just after the minute is in), and minutes in maintenance are skipped.
 *
 * <p>Across restarts: a detector starts open when the store holds an open auto-opened incident for its component,
 * and the first refresh replays the last {@link #REPLAY} minutes; an opening already stored (same component, same
 * first down minute) is not stored again.
 */
final class IncidentAutomation {
    private static final Logger LOG = LoggerFactory.getLogger(IncidentAutomation.class);
    /** Minutes looked back at start: an outage that began just before a restart is still seen. */
    static final Duration REPLAY = Duration.ofMinutes(15);
    /** A minute is fed this long after it ends, so results written a little late are in it. */
    static final Duration SETTLE = Duration.ofMinutes(1);

    private final int openAfter;
    private final int resolveAfter;
    private final Map<String, IncidentDetector> detectors = new HashMap<>();
    private Instant nextMinute;

    IncidentAutomation(int openAfter, int resolveAfter) {
        this.openAfter = openAfter;
        this.resolveAfter = resolveAfter;
    }

    /** Feeds every settled minute not yet fed; returns whether an incident was opened or resolved. */
    boolean advance(Store store, UptimeHistory history, Instant now) {
        if (openAfter == 0) return false;
        Instant until = now.truncatedTo(ChronoUnit.MINUTES).minus(SETTLE);
        if (nextMinute == null) {
            nextMinute = until.minus(REPLAY);
            for (Incident i : store.openIncidents()) {
                if (!i.autoOpened()) continue;
                for (String c : i.components()) detector(c, true);
            }
        }
        boolean changed = false;
        for (Instant m = nextMinute; m.isBefore(until); m = m.plus(1, ChronoUnit.MINUTES)) {
            for (String c : history.components()) {
                Timeline t = history.component(c);
                Verdict v = t.inMaintenance(m) ? Verdict.NO_DATA : t.verdict(m);
                Optional<IncidentEvent> e = detector(c, false).accept(m, v);
                if (e.isPresent()) changed |= persist(store, e.get());
            }
            nextMinute = m.plus(1, ChronoUnit.MINUTES);
        }
        return changed;
    }

    private IncidentDetector detector(String component, boolean open) {
        return detectors.computeIfAbsent(component, c -> new IncidentDetector(c, openAfter, resolveAfter, open));
    }

    private boolean persist(Store store, IncidentEvent e) {
        Optional<Incident> stored = store.incidents(e.at(), e.at().plusSeconds(60)).stream()
                .filter(i -> i.autoOpened() && i.components().contains(e.component())).findFirst();
        if (e.type() == IncidentEvent.Type.OPENED) {
            if (stored.isPresent() && stored.get().startedAt().equals(e.at())) return false; // replayed after a restart
            String name = ViewBuilder.displayName(e.component());
            Incident draft = new Incident(0, Set.of(e.component()), name + " is down", IncidentStatus.INVESTIGATING, Impact.MAJOR,
                    e.at(), null, true, List.of(new IncidentUpdate(0, 0, IncidentStatus.INVESTIGATING,
                    "Opened automatically: the probes saw " + name + " down for " + openAfter + " consecutive minutes.", e.decidedAt())));
            Incident created = store.createIncident(draft);
            LOG.warn("incident opened automatically id={} component={} since={}", created.id(), e.component(), e.at());
            return true;
        }
        Optional<Incident> open = store.openIncidents().stream()
                .filter(i -> i.autoOpened() && i.components().contains(e.component())).findFirst();
        if (open.isEmpty()) return false; // resolved by hand meanwhile
        store.addUpdate(open.get().id(), IncidentStatus.RESOLVED, "Resolved automatically: the probes saw "
                + ViewBuilder.displayName(e.component()) + " good for " + resolveAfter + " consecutive minutes.", e.at());
        LOG.info("incident resolved automatically id={} component={} at={}", open.get().id(), e.component(), e.at());
        return true;
    }
}
