package dev.beacon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {

    @Test
    void nameAndPortSplitAtTheLastColon() {
        assertEquals(new HostPort("beacon.example.com", 443), HostPort.parse("beacon.example.com:443"));
        assertEquals(new HostPort("10.0.0.7", 8443), HostPort.parse("10.0.0.7:8443"));
    }

    @Test
    void bracketedIpv6LiteralLosesItsBracketsAndGetsThemBackWhenWritten() {
        HostPort h = HostPort.parse("[::1]:8443");
        assertEquals("::1", h.host());
        assertEquals(8443, h.port());
        assertEquals("[::1]:8443", h.toString());
        assertEquals("localhost:1", HostPort.parse("localhost:1").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "beacon", ":443", "host:", "host:x", "host:0", "host:65536", "host:-1"})
    void anythingElseIsRefusedWithTheOffendingText(String bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad));
        assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }

    @Test
    void aConfigKeyIsNamedInTheFailure() {
        ConfigException e = assertThrows(ConfigException.class, () -> HostPort.parse("beacon.addresses", "nowhere"));
        assertEquals("beacon.addresses", e.key());
        assertTrue(e.getMessage().contains("must be host:port"), e.getMessage());
        assertThrows(ConfigException.class, () -> Checks.hostPort("upstream.address", "host:99999"));
    }
}
