package dev.beacon.status.store;

import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one PostgreSQL server the storage tests share, started on first use and stopped and removed when the whole
 * test run ends (JUnit closes resources of the root context's store). A failed start is kept as a reason, so each
 * PostgreSQL test skips with it instead of failing.
 */
final class SharedPostgres implements ExtensionContext.Store.CloseableResource {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedPostgres.class);

    private final TestPostgres server;
    private final String failure;

    private SharedPostgres(TestPostgres server, String failure) {
        this.server = server;
        this.failure = failure;
    }

    static SharedPostgres in(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("server", k -> start(),
                SharedPostgres.class);
    }

    static SharedPostgres start() {
        try {
            return new SharedPostgres(TestPostgres.start(), null);
        } catch (Exception e) {
            System.err.println("PostgreSQL could not be started; PostgreSQL storage tests will be skipped: " + e);
            return new SharedPostgres(null, e.toString());
        }
    }

    TestPostgres server() {
        return server;
    }

    String failure() {
        return failure;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
