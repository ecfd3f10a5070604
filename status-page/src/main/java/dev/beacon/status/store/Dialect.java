package dev.beacon.status.store;

import java.util.Locale;

/**
 * The one thing the two databases say differently: an upsert. PostgreSQL 14 (what the tests run) has no MERGE and
 * H2 has no ON CONFLICT ... DO UPDATE, so each gets its own; every other statement and the migrations are shared.
 */
enum Dialect {
    H2, POSTGRESQL;

    /** Settings an H2 URL needs so the shared SQL means the same on it (lower-case names, PostgreSQL semantics). */
    static final String H2_SETTINGS = ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";

    static Dialect of(String jdbcUrl) {
        String url = jdbcUrl.toLowerCase(Locale.ROOT);
        if (url.startsWith("jdbc:h2:")) {
            return H2;
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new IllegalArgumentException("store.jdbc-url must be jdbc:h2:... or jdbc:postgresql:..., got "
                + jdbcUrl.replaceAll("password=[^&;]*", "password=***"));
    }

    /** The URL with the settings H2 needs appended where absent; a conflicting MODE is refused. */
    String normalize(String jdbcUrl) {
        if (this != H2) {
            return jdbcUrl;
        }
        String url = jdbcUrl.toUpperCase(Locale.ROOT);
        if (url.contains(";MODE=") && !url.contains(";MODE=POSTGRESQL")) {
            throw new IllegalArgumentException("store.jdbc-url: H2 must run in MODE=PostgreSQL, got " + jdbcUrl);
        }
        StringBuilder out = new StringBuilder(jdbcUrl);
        for (String setting : H2_SETTINGS.substring(1).split(";")) {
            if (!url.contains(";" + setting.substring(0, setting.indexOf('=') + 1))) {
                out.append(';').append(setting);
            }
        }
        return out.toString();
    }

    /**
     * An insert-or-replace of one row of table, whose first keyColumns columns are its primary key.
     * Parameters are the columns in order.
     */
    String upsert(String table, int keyColumns, String... columns) {
        String cols = String.join(", ", columns);
        String params = String.join(", ", java.util.Collections.nCopies(columns.length, "?"));
        String keys = String.join(", ", java.util.Arrays.copyOf(columns, keyColumns));
        if (this == H2) {
            return "MERGE INTO " + table + " (" + cols + ") KEY (" + keys + ") VALUES (" + params + ")";
        }
        StringBuilder set = new StringBuilder();
        for (int i = keyColumns; i < columns.length; i++) {
            set.append(i == keyColumns ? "" : ", ").append(columns[i]).append(" = EXCLUDED.").append(columns[i]);
        }
        return "INSERT INTO " + table + " (" + cols + ") VALUES (" + params + ") ON CONFLICT (" + keys
                + ") DO UPDATE SET " + set;
    }
}
