package dev.beacon.server;

import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.ConfigFuzz;
import dev.beacon.tls.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** beacon.yaml, its BEACON_* variables' values as --set flags: a node starts with a valid config or a ConfigException names the key. */
class BeaconConfigProperties {
    static Path dir;
    static Map<String, String> valid;

    @BeforeContainer
    static void pki() throws Exception {
        dir = Files.createTempDirectory("beacon-config-properties");
        TlsFiles f = TestPki.create(dir).node("n1");
        valid = new LinkedHashMap<>();
        valid.put("tls.cert", "'" + f.cert() + "'");
        valid.put("tls.key", "'" + f.key() + "'");
        valid.put("tls.ca", "'" + f.ca() + "'");
        valid.put("relay.proxyProtocol.trustedSources", "['10.0.0.0/8', 'fd00::/8']");
    }

    @AfterContainer
    static void clean() throws Exception {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property
    void aBeaconConfigLoadsOrIsRefusedWithAConfigException(@ForAll("configs") ConfigFuzz.Input in) throws Exception {
        ConfigFuzz.load(BeaconConfig.class, dir, in);
    }

    @Provide
    Arbitrary<ConfigFuzz.Input> configs() {
        return ConfigFuzz.inputs(BeaconConfig.class, valid);
    }
}
