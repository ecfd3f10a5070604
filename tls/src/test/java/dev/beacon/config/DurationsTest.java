package dev.beacon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "250ms, PT0.25S, 250ms",
        "10s,   PT10S,   10s",
        "5m,    PT5M,    5m",
        "1h,    PT1H,    1h",
        "PT10S, PT10S,   10s",
        "pt10s, PT10S,   10s",
        "PT1H30M, PT1H30M, 90m",
        "90s,   PT1M30S, 90s",
        "60s,   PT1M,    1m",
        "1000ms, PT1S,   1s",
        "0s,    PT0S,    0s",
        "' 10s ', PT10S, 10s",
    })
    void parsesAndFormats(String text, String iso, String formatted) {
        Duration d = Durations.parse(text);
        assertEquals(Duration.parse(iso), d);
        assertEquals(formatted, Durations.format(d));
        assertEquals(d, Durations.parse(Durations.format(d)), "round trip");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ten seconds", "10", "", "10 s", "10sec", "1d", "s", "-5s", "1.5s", "10S"})
    void refusesWhatItCannotRead(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void formatIsReadableBack() {
        for (Duration d : new Duration[] {Duration.ofMillis(1), Duration.ofMillis(1500), Duration.ofSeconds(59),
                Duration.ofMinutes(61), Duration.ofHours(48), Duration.ofDays(2)}) {
            assertEquals(d, Durations.parse(Durations.format(d)), d::toString);
        }
    }
}
