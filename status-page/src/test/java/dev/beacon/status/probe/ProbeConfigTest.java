package dev.beacon.status.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.beacon.config.ConfigException;
import dev.beacon.config.HostPort;
import dev.beacon.tls.testing.TestPki;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeConfigTest {
    @TempDir
    Path dir;

    private ProbeConfig config(ProbeConfig.Timing timing, ProbeConfig.Identities ids) {
        return new ProbeConfig("lab", List.of(new ProbeConfig.Node("n1", new HostPort("localhost", 8443), URI.create("http://localhost:9090"))),
                new ProbeConfig.Canary(new HostPort("beacon.example", 443), "canary"), timing, ids);
    }

    private ProbeConfig.Identities ids(TestPki pki, String bridgeId) {
        return new ProbeConfig.Identities(pki.wrapper("statuspage", "status-page"), pki.innerWrapper("statuspage", "status-page"),
                pki.bridge("statuspage", bridgeId), pki.innerBridge("statuspage", bridgeId));
    }

    @Test
    void theDefaultsAndMatchingCertificatesAreValid() {
        config(ProbeConfig.Timing.DEFAULT, ids(TestPki.create(dir), "canary")).validate();
    }

    @Test
    void anIntervalThatCannotHoldAnAttemptAndItsRetryNamesTheKey() {
        ProbeConfig.Timing t = new ProbeConfig.Timing(Duration.ofSeconds(8), Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(1));
        ConfigException e = assertThrows(ConfigException.class, () -> config(t, ids(TestPki.create(dir), "canary")).validate());
        assertEquals("probe.interval", e.key());
    }

    @Test
    void aBridgeCertificateForAnotherBridgeThanTheCanaryNamesTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> config(ProbeConfig.Timing.DEFAULT, ids(TestPki.create(dir), "other")).validate());
        assertEquals("probe.tls.bridge", e.key());
    }
}
