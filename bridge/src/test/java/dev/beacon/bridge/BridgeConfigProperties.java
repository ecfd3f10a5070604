package dev.beacon.bridge;

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

/** bridge.yaml and its --set flags: a bridge starts with a valid config or a ConfigException names the key. */
class BridgeConfigProperties {
    static Path dir;
    static Map<String, String> valid;

    @BeforeContainer
    static void pki() throws Exception {
        dir = Files.createTempDirectory("bridge-config-properties");
        TlsFiles f = TestPki.create(dir).node("n1");
        valid = new LinkedHashMap<>();
        valid.put("beacon.addresses", "['127.0.0.1:8443', '[::1]:8443']");
        for (String section : new String[] {"tls", "inner"}) {
            valid.put(section + ".cert", "'" + f.cert() + "'");
            valid.put(section + ".key", "'" + f.key() + "'");
            valid.put(section + ".ca", "'" + f.ca() + "'");
        }
        valid.put("allow", "['spiffe://beacon.test/tenant/acme/wrapper/*', 'spiffe://beacon.test/tenant/acme/wrapper/demo']");
        valid.put("openbao.addresses", "['https://127.0.0.1:8200', 'https://bao-1.test:8200']");
    }

    @AfterContainer
    static void clean() throws Exception {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property
    void aBridgeConfigLoadsOrIsRefusedWithAConfigException(@ForAll("configs") ConfigFuzz.Input in) throws Exception {
        ConfigFuzz.load(BridgeConfig.class, dir, in);
    }

    @Provide
    Arbitrary<ConfigFuzz.Input> configs() {
        return ConfigFuzz.inputs(BridgeConfig.class, valid);
    }
}
