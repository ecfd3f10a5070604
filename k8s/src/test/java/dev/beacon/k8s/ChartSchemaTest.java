package dev.beacon.k8s;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * values.schema.json is enforced by Helm: values that violate it are refused, and the message names the value.
 * The bad values files are in src/test/resources/bad-values/. Also the chart's own checks ({@code fail}).
 */
class ChartSchemaTest {

    static Path bad(String name) {
        return Path.of("src/test/resources/bad-values", name).toAbsolutePath();
    }

    @ParameterizedTest(name = "{0}/{1} refused naming {2}")
    @CsvSource({
            "beacon, beacon-replicas-zero.yaml, replicaCount",
            "beacon, beacon-unknown-value.yaml, replicas",
            "beacon, beacon-image-latest.yaml, image.tag",
            "beacon, beacon-certificates-mode.yaml, certificates.mode",
            "beacon, beacon-proxy-not-cidr.yaml, proxyProtocol.trustedSources",
            "bridge, bridge-tenant.yaml, tenant",
            "bridge, bridge-allow.yaml, allow",
            "status-page, status-page-node-key.yaml, adress",
    })
    void badValuesAreRefusedNamingTheValue(String chart, String file, String value) {
        Exception e = assertThrows(Exception.class, () -> Charts.render(chart, bad(file)));
        String m = e.getMessage();
        assertTrue(m.contains("schema") || m.contains("additional"), () -> "not a schema error: " + m);
        // Helm names the value as a JSON pointer (at '/image/tag'); an unknown key by its own name.
        assertTrue(m.contains("/" + value.replace('.', '/')) || m.contains("'" + value + "'"),
                () -> "the error does not name " + value + ": " + m);
    }

    @Test
    void statusPageRefusesTwoReplicasOnH2() {
        Exception e = assertThrows(Exception.class, () -> Charts.render("status-page", null, Map.of("replicaCount", 2)));
        assertTrue(e.getMessage().contains("database.jdbcUrl"), e::getMessage);
    }

    @Test
    void proxyProtocolWithoutTrustedSourcesIsRefused() {
        Exception e = assertThrows(Exception.class, () -> Charts.render("beacon", null, Map.of("proxyProtocol.enabled", true)));
        assertTrue(e.getMessage().contains("proxyProtocol.trustedSources"), e::getMessage);
    }

    @Test
    void bridgeNeedsOneUpstream() {
        Exception e = assertThrows(Exception.class, () -> Charts.render("bridge", null, Map.of("upstream.address", "h:1")));
        assertTrue(e.getMessage().contains("not both"), e::getMessage);
    }

    @Test
    void bridgeExistingSecretsMustBeNamed() {
        Exception e = assertThrows(Exception.class, () -> Charts.render("bridge", null, Map.of("certificates.mode", "existingSecrets")));
        assertTrue(e.getMessage().contains("certificates.existingSecrets.outer"), e::getMessage);
    }
}
