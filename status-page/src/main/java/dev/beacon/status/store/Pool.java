package dev.beacon.status.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Keeps up to {@code idleMax} open connections for reuse; never limits how many are out (the caller's worker pool
 * does). A connection is checked before reuse, so one broken by a database restart is replaced, not handed out.
 */
final class Pool implements AutoCloseable {
    private final String url;
    private final Properties properties;
    private final BlockingQueue<Connection> idle;
    private volatile boolean closed;

    Pool(String url, Properties properties, int idleMax) {
        this.url = url;
        this.properties = properties;
        this.idle = new ArrayBlockingQueue<>(idleMax);
    }

    Connection borrow() throws SQLException {
        if (closed) {
            throw new SQLException("the store is closed");
        }
        Connection c;
        while ((c = idle.poll()) != null) {
            if (c.isValid(2)) {
                return c;
            }
            closeQuietly(c);
        }
        return DriverManager.getConnection(url, properties);
    }

    /** Back to the pool, unless it failed in a way that may have broken it. */
    void release(Connection c, boolean suspect) {
        if (suspect || closed || !idle.offer(c)) {
            closeQuietly(c);
        }
    }

    /** Closes the idle connections (those borrowed stay open). */
    void closeIdle() {
        Connection c;
        while ((c = idle.poll()) != null) {
            closeQuietly(c);
        }
    }

    @Override
    public void close() {
        closed = true;
        Connection c;
        while ((c = idle.poll()) != null) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // already gone
        }
    }
}
