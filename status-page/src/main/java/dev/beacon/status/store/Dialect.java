package dev.beacon.status.store;

import java.util.Locale;

/**
 * The one thing the two databases say differently: an upsert. PostgreSQL 14 (what the tests run) has no MERGE and
 * H2 has no ON CONFLICT ... DO UPDATE, so each gets its own; every other statement and the migrations are shared.
 */
enum Dialect {
    H2, POSTGRESQL;

    /**
     * Settings an H2 URL needs so the shared SQL means the same on it (lower-case names, PostgreSQL semantics), and
     * two that keep the file small (docs/status-page.md, Performance):
     * <ul>
     * <li>COMPRESS: pages are written LZF-compressed, which halves the file (90 days: 270 MB instead of 640 MB
     *     before any compaction). Pages written without it stay readable.</li>
     * <li>MAX_COMPACT_TIME=0: no compaction when the database closes. H2's default (200 ms) rewrites chunks at the
     *     end of the file and runs out of time before moving them back, so a clean stop left the file larger than
     *     it was while running (10 days: 38 MB instead of 25 MB). {@link Store#compact} does it fully, daily.</li>
     * </ul>
     * Neither touches crash safety: H2's retention time and write delay stay at their defaults.
     */
    static final String H2_SETTINGS =
            ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;COMPRESS=TRUE;MAX_COMPACT_TIME=0";

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
