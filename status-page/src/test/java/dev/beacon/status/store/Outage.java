package dev.beacon.status.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.stream.Stream;
import org.h2.tools.Server;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;

/**
 * A database server a test can take away and bring back: its own PostgreSQL server (stopped with pg_ctl), or H2
 * serving its file over TCP (the server stopped). Either way a client then gets "connection refused".
 */
abstract class Outage implements AutoCloseable {
    abstract String url();

    abstract String user();

    abstract void stop() throws Exception;

    abstract void start() throws Exception;

    Store open() {
        return Store.open(url(), user(), "");
    }

    @Override
    public abstract void close();

    /** One of each, for a parameterized test. */
    static final class Both implements ArgumentsProvider {
        @Override
        public Stream<? extends Arguments> provideArguments(ExtensionContext context) {
            return Stream.of(Arguments.of(new H2OverTcp()), Arguments.of(new Postgres()));
        }
    }

    static final class H2OverTcp extends Outage {
        private final Path dir;
        private final int port;
        private Server server;

        H2OverTcp() {
            try {
                dir = Files.createTempDirectory("beacon-test-h2tcp-");
                try (ServerSocket s = new ServerSocket(0)) {
                    port = s.getLocalPort();
                }
                start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        String url() {
            return "jdbc:h2:tcp://127.0.0.1:" + port + "/status";
        }

        @Override
        String user() {
            return "sa";
        }

        @Override
        void stop() {
            server.stop();
        }

        @Override
        void start() throws SQLException {
            server = Server.createTcpServer("-tcpPort", Integer.toString(port), "-baseDir", dir.toString(),
                    "-ifNotExists").start();
        }

        @Override
        public void close() {
            server.stop();
            TestPostgres.delete(dir);
        }

        @Override
        public String toString() {
            return "H2 over TCP";
        }
    }

    /** Its own server, not the shared one, so stopping it disturbs no other test. */
    static final class Postgres extends Outage {
        private TestPostgres pg;

        @Override
        String url() {
            if (pg == null) {
                try {
                    pg = TestPostgres.start();
                } catch (Exception e) {
                    Assumptions.abort("PostgreSQL could not be started, so this test was skipped on it: " + e);
                }
            }
            return pg.url("postgres");
        }

        @Override
        String user() {
            return "postgres";
        }

        @Override
        void stop() throws Exception {
            pg.stopServer();
        }

        @Override
        void start() throws Exception {
            pg.startServer();
        }

        @Override
        public void close() {
            if (pg != null) {
                pg.close();
            }
        }

        @Override
        public String toString() {
            return "PostgreSQL";
        }
    }
}
