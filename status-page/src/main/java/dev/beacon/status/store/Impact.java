package dev.beacon.status.store;

import java.util.Locale;

/** How much of the service an incident takes away, in Statuspage's words; stored in lower case. */
public enum Impact {
    NONE, MINOR, MAJOR, CRITICAL;

    String sql() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Impact ofSql(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
