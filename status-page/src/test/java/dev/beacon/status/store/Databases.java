package dev.beacon.status.store;

import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;

/** A fresh H2 database and a fresh PostgreSQL database, one invocation each. */
final class Databases implements ArgumentsProvider {
    @Override
    public Stream<? extends Arguments> provideArguments(ExtensionContext context) {
        return Stream.of(Arguments.of(new TestDatabase.H2()),
                Arguments.of(new TestDatabase.Postgres(SharedPostgres.in(context))));
    }
}
