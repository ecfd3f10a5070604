package dev.beacon.status.probe;

import dev.beacon.config.HostPort;
import dev.beacon.server.BeaconConfig;
import dev.beacon.server.BeaconNode;
import dev.beacon.tls.Identity;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.TestPki;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One beacon node in this JVM on loopback, with real certificates, and the status page's identities of the canary
 * tenant: what the probes look at in these tests, as a user would see it.
 */
final class TestBeacon implements AutoCloseable {
    static final String TENANT = "statuspage";
    static final String CANARY = "canary";

    final TestPki pki;
    final TlsFiles nodeCert;
    final BeaconNode node;
    final ProbeConfig.Identities identities;

    TestBeacon(Path dir) throws InterruptedException {
        pki = TestPki.create(dir);
        nodeCert = pki.node("n1");
        BeaconConfig c = new BeaconConfig();
        for (dev.beacon.config.Listen l : List.of(c.relay, c.admin)) { // loopback, free ports
            l.host = "127.0.0.1";
            l.port = 0;
        }
        c.tls.cert = nodeCert.cert().toString();
        c.tls.key = nodeCert.key().toString();
        c.tls.ca = nodeCert.ca().toString();
        c.validate();
        node = new BeaconNode(c).start();
        identities = new ProbeConfig.Identities(pki.wrapper(TENANT, "status-page"), pki.innerWrapper(TENANT, "status-page"),
                pki.bridge(TENANT, CANARY), pki.innerBridge(TENANT, CANARY));
    }

    /** The relay address as users dial it: a name the node's certificate carries. */
    HostPort relay() {
        return new HostPort("localhost", node.relayAddress().getPort());
    }

    URI admin() {
        return URI.create("http://127.0.0.1:" + node.adminPort());
    }

    ProbeConfig config(ProbeConfig.Timing timing) {
        return new ProbeConfig("test-lab", List.of(new ProbeConfig.Node("n1", relay(), admin())),
                new ProbeConfig.Canary(relay(), CANARY), timing, identities);
    }

    TlsMaterial statusPage() {
        return TlsMaterial.load(identities.wrapper());
    }

    /** A canary bridge of the tenant on this node, not yet started. */
    CanaryBridge canaryBridge(io.netty.channel.EventLoopGroup group) {
        TlsMaterial inner = TlsMaterial.load(identities.innerWrapper());
        Identity allowed = inner.identity().orElseThrow();
        return new CanaryBridge(List.of(relay()), TlsMaterial.load(identities.bridge()), TlsMaterial.load(identities.innerBridge()),
                allowed, group);
    }

    /** Registered canary bridges on the node (the canary tenant's is the only bridge here). */
    double bridgesRegistered() {
        var g = node.meters().find("beacon_bridges_registered").gauge();
        return g == null ? 0 : g.value();
    }

    @Override
    public void close() {
        node.close();
    }

    /** Quick timing for tests: a 2 s timeout, no pause before the retry, and a generous latency threshold. */
    static ProbeConfig.Timing fast() {
        return new ProbeConfig.Timing(Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ZERO);
    }

    /** A prober of just these probes, whose results also land in {@code into}. */
    static Prober prober(ProbeConfig.Timing timing, List<ProbeResult> into, io.micrometer.core.instrument.MeterRegistry meters,
                         Probe... probes) {
        return new Prober("test-lab", timing, List.of(probes), into::add, new ProbeMetrics(meters, "test-lab"), null, List.of(),
                Clock.systemUTC());
    }

    /** One confirmed result of {@code probe}. */
    static ProbeResult confirm(ProbeConfig.Timing timing, Probe probe) throws Exception {
        List<ProbeResult> results = new CopyOnWriteArrayList<>();
        try (Prober p = prober(timing, results, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), probe)) {
            return p.runOnce().get(1, TimeUnit.MINUTES).get(0);
        }
    }
}
