package dev.beacon.it;

import dev.beacon.bridge.Bridge;
import dev.beacon.bridge.BridgeConfig;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.Await;
import dev.beacon.tls.testing.TestPki;
import dev.beacon.wrapper.WrapperClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Three beacon node processes, an in-process bridge and upstream, real certificates, loopback only. */
final class ClusterHarness implements AutoCloseable {
    final TestPki pki;
    final Path dir;
    final TestUpstream upstream;
    final List<NodeProcess> nodes = new ArrayList<>();
    Bridge bridge;

    ClusterHarness(Path dir, int count) throws Exception {
        this.dir = dir;
        this.pki = TestPki.create(dir.resolve("pki"));
        this.upstream = new TestUpstream();
        for (int i = 0; i < count; i++) {
            String id = "n" + (char) ('a' + i);
            nodes.add(new NodeProcess(dir.resolve("nodes"), id, pki.node(id)).with("drain: {gracePeriod: 10s}"));
        }
        for (NodeProcess n : nodes) n.peers(nodes);
    }

    NodeProcess node(int i) {
        return nodes.get(i);
    }

    /** Starts every node in parallel and waits until each is ready and sees all the others. */
    ClusterHarness startAll() throws Exception {
        for (NodeProcess n : nodes) n.start();
        for (NodeProcess n : nodes) n.awaitReady(Duration.ofSeconds(60));
        awaitMembers(nodes.size());
        return this;
    }

    void awaitMembers(int expected) {
        for (NodeProcess n : nodes) {
            if (!n.alive()) continue;
            Await.until(n.id + " sees " + expected + " reachable members", Duration.ofSeconds(30),
                    () -> reachable(n) == expected);
        }
    }

    static int reachable(NodeProcess n) {
        try {
            int c = 0;
            for (var m : n.json("/cluster").get("members")) if (m.path("reachable").asBoolean(false)) c++;
            return c;
        } catch (Exception e) {
            return -1;
        }
    }

    /** A bridge dialling {@code seeds}; {@code follow} lets it learn and hold every node. */
    Bridge startBridge(List<NodeProcess> seeds, boolean follow) {
        return startBridgeAt(seeds.stream().map(NodeProcess::relay).toList(), follow);
    }

    Bridge startBridgeAt(List<String> addresses, boolean follow) {
        BridgeConfig c = Stack.bridgeConfig(pki, addresses, upstream.address());
        c.beacon.followMembers = follow;
        c.beacon.reconnectMin = Duration.ofMillis(50);
        c.beacon.heartbeatInterval = Duration.ofSeconds(1);
        c.validate();
        bridge = new Bridge(c).start();
        Await.until("bridge ready", Duration.ofSeconds(30), bridge::ready);
        return bridge;
    }

    /** Until {@code n}'s cluster view lists the bridge (learned by gossip). */
    static void awaitKnowsBridge(NodeProcess n) {
        Await.until(n.id + " knows where the bridge is", Duration.ofSeconds(10), () -> {
            try {
                return n.json("/cluster").toString().contains(Stack.BRIDGE);
            } catch (Exception e) {
                return false;
            }
        });
    }

    void awaitBridgeHolds(int count) {
        Await.until("bridge holds " + count + " nodes (has " + (bridge == null ? "none" : bridge.connectedNodes()) + ")",
                Duration.ofSeconds(30), () -> bridge.connectedNodes().size() == count);
    }

    /** The reference wrapper, dialling {@code entry} nodes in order, retrying for {@code retryFor}. */
    WrapperClient wrapper(String name, List<NodeProcess> entry, Duration retryFor) {
        WrapperClient.Options o = new WrapperClient.Options();
        o.beacons = entry.stream().map(NodeProcess::relay).toList();
        o.outer = TlsMaterial.load(pki.wrapper(Stack.TENANT, name));
        o.inner = TlsMaterial.load(pki.innerWrapper(Stack.TENANT, name));
        o.retryFor = retryFor;
        o.readTimeout = Duration.ofSeconds(30);
        return new WrapperClient(o);
    }

    @Override
    public void close() throws Exception {
        if (bridge != null) bridge.close();
        for (NodeProcess n : nodes) n.close();
        upstream.close();
    }
}
