package dev.beacon.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.config.ConfigException;
import dev.beacon.tls.Identity;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.TestPki;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BridgeConfigTest {
    @TempDir
    static Path dir;

    private static BridgeConfig config(String... allow) {
        TestPki pki = TestPki.create(dir);
        TlsFiles outer = pki.bridge("acme", "b1");
        TlsFiles inner = pki.innerBridge("acme", "b1");
        BridgeConfig c = new BridgeConfig();
        c.beacon.addresses = List.of("localhost:8443");
        c.tls.cert = outer.cert().toString();
        c.tls.key = outer.key().toString();
        c.tls.ca = outer.ca().toString();
        c.inner.cert = inner.cert().toString();
        c.inner.key = inner.key().toString();
        c.inner.ca = inner.ca().toString();
        c.upstream.address = "127.0.0.1:8200";
        c.allow = List.of(allow);
        return c;
    }

    @Test
    void aPrefixCoversWholePathSegmentsOnly() {
        BridgeConfig c = config("spiffe://acme.internal/tenant/acme/*");
        c.validate();
        assertTrue(c.allows(Identity.wrapper("acme.internal", "acme", "web")));
        assertFalse(c.allows(Identity.wrapper("acme.internal", "acme-evil", "web")), "a tenant whose name merely starts with acme");
        assertFalse(c.allows(Identity.wrapper("acme.internal", "acmeco", "web")));
        assertFalse(c.allows(Identity.bridge("acme.internal", "acme", "b2")), "only wrapper identities are let through");
    }

    @Test
    void aPrefixThatEndsInsideASegmentIsRefusedAtStartUp() {
        for (String bad : new String[] {"spiffe://acme.internal/tenant/acme*", "spiffe://acme.internal/tenant/acme/wrapper/web-*",
                "spiffe://acme.internal/tenant/*/wrapper/web"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> config(bad).validate(), bad);
            assertEquals("allow", e.key(), e.getMessage());
            assertTrue(e.getMessage().contains("/*"), e.getMessage());
        }
    }

    @Test
    void exactEntriesMatchExactly() {
        BridgeConfig c = config("spiffe://acme.internal/tenant/acme/wrapper/web");
        c.validate();
        assertTrue(c.allows(Identity.wrapper("acme.internal", "acme", "web")));
        assertFalse(c.allows(Identity.wrapper("acme.internal", "acme", "web2")));
    }
}
