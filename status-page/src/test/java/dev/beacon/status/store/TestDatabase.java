package dev.beacon.status.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * One empty database for one test, H2 or PostgreSQL; closing it removes it. The H2 one is a file in its own
 * temporary directory; the PostgreSQL one a fresh database on the suite's shared {@link TestPostgres} server.
 */
abstract class TestDatabase implements AutoCloseable {
    abstract String url();

    String user() {
        return "sa";
    }

    String password() {
        return "";
    }

    Store open() {
        return Store.open(url(), user(), password());
    }

    Store open(Retention retention) {
        return Store.open(url(), user(), password(), retention);
    }

    @Override
    public abstract void close();

    static final class H2 extends TestDatabase {
        private Path dir;

        @Override
        String url() {
            if (dir == null) {
                try {
                    dir = Files.createTempDirectory("beacon-test-h2-");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return Store.h2Url(dir);
        }

        Path dir() {
            url();
            return dir;
        }

        @Override
        public void close() {
            if (dir != null) {
                TestPostgres.delete(dir);
            }
        }

        @Override
        public String toString() {
            return "H2";
        }
    }

    static final class Postgres extends TestDatabase {
        private static final AtomicInteger NEXT = new AtomicInteger();
        private final SharedPostgres server;
        private String name;

        Postgres(SharedPostgres server) {
            this.server = server;
        }

        @Override
        String url() {
            TestPostgres pg = server.server();
            Assumptions.assumeTrue(pg != null, () -> "PostgreSQL could not be started, so this test was skipped on"
                    + " it: " + server.failure());
            if (name == null) {
                name = "status_" + ProcessHandle.current().pid() + "_" + NEXT.incrementAndGet();
                try {
                    pg.createDatabase(name);
                } catch (SQLException e) {
                    throw new IllegalStateException("creating test database " + name, e);
                }
            }
            return pg.url(name);
        }

        @Override
        String user() {
            return "postgres";
        }

        @Override
        public void close() {
            if (name != null) {
                try {
                    server.server().dropDatabase(name);
                } catch (SQLException e) {
                    throw new IllegalStateException("dropping test database " + name, e);
                }
            }
        }

        @Override
        public String toString() {
            return "PostgreSQL";
        }
    }
}
