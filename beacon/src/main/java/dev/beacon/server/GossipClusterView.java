package dev.beacon.server;

import dev.beacon.gossip.Cluster;
import dev.beacon.gossip.Member;
import dev.beacon.gossip.Presence;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The relay's view of a real cluster: SWIM membership and the presence gossip map from the gossip module. */
final class GossipClusterView implements ClusterView {
    /** Member property carrying the relay address bridges and other nodes dial. */
    static final String RELAY = "relay";

    private final Cluster cluster;

    GossipClusterView(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public String localId() {
        return cluster.localId();
    }

    @Override
    public List<NodeRef> nodes() {
        List<NodeRef> out = new ArrayList<>();
        for (Member m : cluster.members()) {
            String relay = m.properties().get(RELAY);
            if (m.reachable() && relay != null) out.add(new NodeRef(m.id(), relay));
        }
        return out;
    }

    @Override
    public List<NodeRef> holders(String trustDomain, String tenant, String bridgeId) {
        List<NodeRef> out = new ArrayList<>();
        for (Presence p : cluster.locate(trustDomain, tenant, bridgeId)) {
            if (p.node().equals(cluster.localId())) continue;
            Optional<Member> m = cluster.member(p.node());
            if (m.isPresent() && m.get().reachable() && m.get().properties().get(RELAY) != null) {
                out.add(new NodeRef(p.node(), m.get().properties().get(RELAY)));
            }
        }
        return out;
    }

    @Override
    public void bridgeUp(String trustDomain, String tenant, String bridgeId, long sinceMillis, int version) {
        cluster.publish(new Presence(trustDomain, tenant, bridgeId, cluster.localId(), sinceMillis, version, 0));
    }

    @Override
    public void bridgeDown(String trustDomain, String tenant, String bridgeId) {
        cluster.withdraw(trustDomain, tenant, bridgeId);
    }

    @Override
    public void withdrawAll() {
        cluster.withdrawAll();
    }

    @Override
    public void onNodesChanged(Runnable listener) {
        cluster.onMembershipChange(listener);
    }

    @Override
    public Object describe() {
        List<Map<String, Object>> members = new ArrayList<>();
        for (Member m : cluster.members()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("id", m.id());
            e.put("gossip", m.host() + ":" + m.port());
            e.put("reachable", m.reachable());
            e.put("properties", m.properties());
            members.add(e);
        }
        List<Map<String, Object>> presence = new ArrayList<>();
        for (Presence p : cluster.presence()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("bridge", "spiffe://" + p.trustDomain() + "/tenant/" + p.tenant() + "/bridge/" + p.bridgeId());
            e.put("node", p.node());
            e.put("since", java.time.Instant.ofEpochMilli(p.sinceMillis()).toString());
            e.put("bridge_version", p.bridgeVersion());
            presence.add(e);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", "cluster");
        out.put("node", cluster.localId());
        out.put("members", members);
        out.put("presence", presence);
        return out;
    }

    @Override
    public void close() {
        cluster.close();
    }
}
