package dev.beacon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.beacon.tls.testing.ConfigFuzz;
import dev.beacon.tls.testing.Fuzz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** The typed config's text parsers and its loader: every file, variable and flag gives a config or names what is wrong. */
class ConfigProperties {
    static Path dir;

    @BeforeContainer
    static void makeDir() throws Exception {
        dir = Files.createTempDirectory("config-properties");
    }

    @AfterContainer
    static void removeDir() throws Exception {
        Files.deleteIfExists(dir.resolve("fuzz.yaml"));
        Files.deleteIfExists(dir);
    }

    @Property
    void aDurationIsReadOrRefusedWithIllegalArgumentAndAlwaysFitsInMilliseconds(@ForAll("durationTexts") String text) {
        Duration d = Fuzz.run(() -> Durations.parse(text)).refusedOnlyWith(IllegalArgumentException.class).value();
        if (d != null) d.toMillis(); // timers and socket options take milliseconds: a longer one would fail at start-up
    }

    /** Regression: "9223372036854776s" loaded, and its toMillis() threw ArithmeticException where a timer was set. */
    @Example
    void aDurationTooLongForMillisecondsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("9223372036854776s"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("99999999999999999h"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("99999999999999999999ms"));
        assertEquals(Duration.ofMillis(Long.MAX_VALUE), Durations.parse(Long.MAX_VALUE + "ms"));
    }

    /** Regression: "tenants: ~" (every item commented out) reached validate() as null: NullPointerException. */
    @Example
    void anEmptyKeyKeepsItsDefaultAndAnEmptyListItemIsNamed() throws Exception {
        ConfigLoaderTest.TestConfig c = ConfigFuzz.load(ConfigLoaderTest.TestConfig.class, dir,
                new ConfigFuzz.Input("tenants:\nname: ~\nserver:\n  idleTimeout:\n", Map.of()));
        assertEquals(java.util.List.of("acme"), c.tenants);
        assertEquals("beacon", c.name);
        assertEquals(Duration.ofSeconds(30), c.server.idleTimeout);
        Path f = Files.writeString(dir.resolve("fuzz.yaml"), "tenants:\n  - acme\n  -\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(ConfigLoaderTest.TestConfig.class, f, "FUZZ", Map.of(), Map.of()));
        assertEquals("tenants[1]", e.key());
    }

    /** Regression: "tls.cert: \"\\u0000\"" threw InvalidPathException from Path.of at start-up. */
    @Example
    void aFilePathWithANulCharacterIsAConfigException() {
        ConfigException e = assertThrows(ConfigException.class, () -> Checks.readableFile("tls.cert", "a\0b"));
        assertEquals("tls.cert", e.key());
    }

    @Property
    void aDurationReadsBackFromItsFormat(@ForAll("durations") Duration d) {
        assertEquals(d, Durations.parse(Durations.format(d)));
    }

    @Property
    void aHostPortIsReadOrRefusedWithIllegalArgumentAndItsTextReadsBackTheSame(@ForAll("hostPorts") String text) {
        HostPort hp = Fuzz.run(() -> HostPort.parse(text)).refusedOnlyWith(IllegalArgumentException.class).value();
        if (hp != null) assertEquals(hp, HostPort.parse(hp.toString()));
    }

    @Property
    void aConfigFileLoadsOrIsRefusedWithAConfigException(@ForAll("configs") ConfigFuzz.Input in) throws Exception {
        ConfigFuzz.load(ConfigLoaderTest.TestConfig.class, dir, in);
    }

    @Provide
    Arbitrary<String> durationTexts() {
        Arbitrary<String> valid = Combinators.combine(Arbitraries.longs().between(0, Long.MAX_VALUE).edgeCases(c -> c.add(Long.MAX_VALUE)),
                Arbitraries.of("ms", "s", "m", "h")).as((n, u) -> n + u);
        Arbitrary<String> iso = Arbitraries.longs().map(n -> "PT" + n + "S");
        return Fuzz.nearlyText(Arbitraries.oneOf(valid, iso, Arbitraries.of("10s", "250ms", "5m", "1h", "PT0.5S", "P1D")));
    }

    @Provide
    Arbitrary<Duration> durations() {
        return Arbitraries.longs().between(0, Long.MAX_VALUE / 1000).map(Duration::ofMillis);
    }

    @Provide
    Arbitrary<String> hostPorts() {
        Arbitrary<String> host = Arbitraries.of("127.0.0.1", "[::1]", "::1", "beacon-0.beacon", "localhost", "[fd00::1]", "");
        Arbitrary<Integer> port = Arbitraries.integers().between(-1, 70000);
        return Fuzz.nearlyText(Combinators.combine(host, port).as((h, p) -> h + ":" + p));
    }

    @Provide
    Arbitrary<ConfigFuzz.Input> configs() {
        return ConfigFuzz.inputs(ConfigLoaderTest.TestConfig.class, Map.of("name", "demo", "server.port", "8443", "tenants", "[acme]"));
    }
}
