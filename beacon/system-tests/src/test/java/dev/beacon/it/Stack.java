package dev.beacon.it;

import dev.beacon.bridge.Bridge;
import dev.beacon.bridge.BridgeConfig;
import dev.beacon.server.BeaconConfig;
import dev.beacon.server.BeaconNode;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import dev.beacon.wrapper.WrapperClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** A real beacon node, a real bridge and a real upstream on loopback, with real certificates. */
final class Stack implements AutoCloseable {
    static final String TENANT = "acme";
    static final String BRIDGE = "acme-bridge";

    final TestPki pki;
    final TlsFiles nodeFiles;
    final TestUpstream upstream;
    final BeaconNode node;
    final Bridge bridge;

    private Stack(Path dir, Consumer<BeaconConfig> tweak, Consumer<BridgeConfig> bridgeTweak) throws Exception {
        pki = TestPki.create(dir);
        nodeFiles = pki.node("n1");
        upstream = new TestUpstream();
        node = startNode(nodeFiles, tweak);

        BridgeConfig c = bridgeConfig(pki, List.of("localhost:" + node.relayAddress().getPort()), upstream.address());
        bridgeTweak.accept(c);
        c.validate();
        bridge = new Bridge(c).start();
        Await.until("bridge registered with a warm pool", Duration.ofSeconds(20), bridge::ready);
    }

    /** One beacon node in this JVM on free loopback ports, with the given node certificate. */
    static BeaconNode startNode(TlsFiles nodeFiles, Consumer<BeaconConfig> tweak) throws InterruptedException {
        BeaconConfig bc = new BeaconConfig();
        bc.relay.host = "127.0.0.1";
        bc.relay.port = 0;
        bc.admin.host = "127.0.0.1";
        bc.admin.port = 0;
        bc.tls.cert = nodeFiles.cert().toString();
        bc.tls.key = nodeFiles.key().toString();
        bc.tls.ca = nodeFiles.ca().toString();
        bc.tls.reloadInterval = Duration.ofHours(1); // tests reload explicitly
        tweak.accept(bc);
        bc.validate();
        return new BeaconNode(bc).start();
    }

    /** The reference wrapper of tenant acme, both certificates, one beacon address. */
    static WrapperClient wrapperOf(TestPki pki, String beacon, String name, Duration retryFor) {
        WrapperClient.Options o = new WrapperClient.Options();
        o.beacons = List.of(beacon);
        o.outer = TlsMaterial.load(pki.wrapper(TENANT, name));
        o.inner = TlsMaterial.load(pki.innerWrapper(TENANT, name));
        o.retryFor = retryFor;
        o.readTimeout = Duration.ofSeconds(60);
        return new WrapperClient(o);
    }

    /** The acme bridge's configuration: outer and inner certificates, tenant-wide allow-list, fast reconnects. */
    static BridgeConfig bridgeConfig(TestPki pki, List<String> beacons, String upstream) {
        TlsFiles outer = pki.bridge(TENANT, BRIDGE);
        TlsFiles inner = pki.innerBridge(TENANT, BRIDGE);
        BridgeConfig c = new BridgeConfig();
        c.beacon.addresses = beacons;
        c.beacon.reconnectMin = Duration.ofMillis(20);
        c.beacon.reconnectMax = Duration.ofMillis(500);
        c.drain.gracePeriod = Duration.ofSeconds(5); // a test that leaves a stream open does not wait 20 s at its end
        c.tls.cert = outer.cert().toString();
        c.tls.key = outer.key().toString();
        c.tls.ca = outer.ca().toString();
        c.inner.cert = inner.cert().toString();
        c.inner.key = inner.key().toString();
        c.inner.ca = inner.ca().toString();
        c.allow = List.of("spiffe://" + TestPki.COMPANY_DOMAIN + "/tenant/" + TENANT + "/wrapper/*");
        c.upstream.address = upstream;
        c.admin.host = "127.0.0.1";
        c.admin.port = 0;
        return c;
    }

    static Stack start(Path dir) throws Exception {
        return new Stack(dir, c -> { }, c -> { });
    }

    static Stack start(Path dir, Consumer<BeaconConfig> tweak) throws Exception {
        return new Stack(dir, tweak, c -> { });
    }

    static Stack startWithBridge(Path dir, Consumer<BridgeConfig> bridgeTweak) throws Exception {
        return new Stack(dir, c -> { }, bridgeTweak);
    }

    String beaconAddress() {
        return "localhost:" + node.relayAddress().getPort();
    }

    /** A wrapper of tenant acme with both its outer (beacon CA) and inner (company CA) certificates. */
    WrapperClient wrapper(String name) {
        return wrapper(pki.wrapper(TENANT, name), pki.innerWrapper(TENANT, name));
    }

    WrapperClient wrapper(TlsFiles outer, TlsFiles inner) {
        WrapperClient.Options o = new WrapperClient.Options();
        o.beacons = List.of(beaconAddress());
        o.outer = TlsMaterial.load(outer);
        o.inner = inner == null ? null : TlsMaterial.load(inner);
        o.retryFor = Duration.ZERO;
        o.readTimeout = Duration.ofSeconds(30);
        return new WrapperClient(o);
    }

    double metric(String name, String... tags) {
        var search = node.meters().find(name);
        if (tags.length > 0) search = search.tags(tags);
        var c = search.counter();
        if (c != null) return c.count();
        var g = search.gauge();
        return g == null ? 0 : g.value();
    }

    @Override
    public void close() throws Exception {
        bridge.close();
        node.close();
        upstream.close();
    }
}
