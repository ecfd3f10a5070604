package dev.beacon.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A cluster view a test scripts: who is live, who holds which bridge; records what the relay announces. */
final class FakeCluster implements ClusterView {
    final List<NodeRef> nodes = new ArrayList<>();
    final Map<String, List<NodeRef>> holders = new HashMap<>();
    final List<String> announced = new ArrayList<>();

    FakeCluster(NodeRef self) {
        nodes.add(self);
    }

    @Override
    public String localId() {
        return nodes.get(0).id();
    }

    @Override
    public List<NodeRef> nodes() {
        return List.copyOf(nodes);
    }

    @Override
    public List<NodeRef> holders(String trustDomain, String tenant, String bridgeId) {
        return holders.getOrDefault(trustDomain + "/" + tenant + "/" + bridgeId, List.of());
    }

    @Override
    public void bridgeUp(String trustDomain, String tenant, String bridgeId, long sinceMillis, int version) {
        announced.add("up " + trustDomain + "/" + tenant + "/" + bridgeId);
    }

    @Override
    public void bridgeDown(String trustDomain, String tenant, String bridgeId) {
        announced.add("down " + trustDomain + "/" + tenant + "/" + bridgeId);
    }

    @Override
    public void withdrawAll() {
    }

    @Override
    public void onNodesChanged(Runnable listener) {
    }

    @Override
    public Object describe() {
        return Map.of();
    }

    @Override
    public void close() {
    }
}
