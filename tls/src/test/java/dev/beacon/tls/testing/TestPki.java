package dev.beacon.tls.testing;

import dev.beacon.tls.DevCa;
import dev.beacon.tls.Identity;
import dev.beacon.tls.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * Real certificates for tests: the beacon operator's CA (outer mTLS), a company CA (inner TLS between wrapper
 * and bridge), and an unrelated CA for refusals. Tenants: {@code acme} (bridge {@code acme-bridge}, wrapper
 * {@code demo}) and {@code globex}.
 */
public final class TestPki {
    public static final String TRUST_DOMAIN = "beacon.test";
    public static final String COMPANY_DOMAIN = "acme.internal";

    public final Path dir;
    public final DevCa beaconCa;
    public final DevCa companyCa;
    public final DevCa otherCa;

    private TestPki(Path dir) {
        this.dir = dir;
        this.beaconCa = DevCa.create("beacon test CA");
        this.companyCa = DevCa.create("acme company CA");
        this.otherCa = DevCa.create("unrelated CA");
        beaconCa.write(dir.resolve("beacon-ca"));
        companyCa.write(dir.resolve("company-ca"));
        otherCa.write(dir.resolve("other-ca"));
    }

    public static TestPki create(Path dir) {
        return new TestPki(dir);
    }

    /** A beacon node's certificate, valid for localhost and 127.0.0.1. */
    public TlsFiles node(String id) {
        return issue(beaconCa, "node-" + id, Identity.node(TRUST_DOMAIN, id), r -> r.dns("localhost").ip("127.0.0.1"));
    }

    public TlsFiles bridge(String tenant, String id) {
        return issue(beaconCa, "bridge-" + tenant + "-" + id, Identity.bridge(TRUST_DOMAIN, tenant, id), r -> r);
    }

    public TlsFiles wrapper(String tenant, String name) {
        return issue(beaconCa, "wrapper-" + tenant + "-" + name, Identity.wrapper(TRUST_DOMAIN, tenant, name), r -> r);
    }

    /** The bridge's inner TLS server certificate, from the company CA. */
    public TlsFiles innerBridge(String tenant, String id) {
        return issue(companyCa, "inner-bridge-" + tenant + "-" + id, Identity.bridge(COMPANY_DOMAIN, tenant, id), r -> r);
    }

    /** The wrapper's inner TLS client certificate, from the company CA. */
    public TlsFiles innerWrapper(String tenant, String name) {
        return issue(companyCa, "inner-wrapper-" + tenant + "-" + name, Identity.wrapper(COMPANY_DOMAIN, tenant, name), r -> r);
    }

    public TlsFiles expiredWrapper(String tenant, String name) {
        Instant now = Instant.now();
        return issue(beaconCa, "expired-" + tenant + "-" + name, Identity.wrapper(TRUST_DOMAIN, tenant, name),
                r -> r.validity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))));
    }

    /** A wrapper certificate signed by an unrelated CA (the files trust the beacon CA, so the client still verifies the server). */
    public TlsFiles foreignWrapper(String tenant, String name) {
        TlsFiles f = issue(otherCa, "foreign-" + tenant + "-" + name, Identity.wrapper(TRUST_DOMAIN, tenant, name), r -> r);
        return new TlsFiles(f.cert(), f.key(), dir.resolve("beacon-ca/ca.crt"));
    }

    public TlsFiles issue(DevCa ca, String name, Identity id, UnaryOperator<DevCa.Request> customise) {
        Path d = dir.resolve(name);
        ca.issue(customise.apply(new DevCa.Request(id)), d.resolve("tls.crt"), d.resolve("tls.key"));
        Path caFile = ca == beaconCa ? dir.resolve("beacon-ca/ca.crt")
                : ca == companyCa ? dir.resolve("company-ca/ca.crt") : dir.resolve("other-ca/ca.crt");
        return new TlsFiles(d.resolve("tls.crt"), d.resolve("tls.key"), caFile);
    }
}
