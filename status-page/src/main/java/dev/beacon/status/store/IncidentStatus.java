package dev.beacon.status.store;

import java.util.Locale;

/** Where an incident stands, in Statuspage's words; stored in lower case. */
public enum IncidentStatus {
    INVESTIGATING, IDENTIFIED, MONITORING, RESOLVED, POSTMORTEM;

    /** Resolved and postmortem close the incident: it has a resolved_at. */
    public boolean closes() {
        return this == RESOLVED || this == POSTMORTEM;
    }

    String sql() {
        return name().toLowerCase(Locale.ROOT);
    }

    static IncidentStatus ofSql(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
