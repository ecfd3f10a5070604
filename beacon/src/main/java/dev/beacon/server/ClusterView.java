package dev.beacon.server;

import java.util.List;

/**
 * What the relay needs from the cluster: the live nodes (for bridges to hold each), which nodes hold a bridge
 * (for one-hop forwarding), and a place to announce this node's own bridges. One node without a cluster is
 * {@link SingleNode}; the gossip module provides the real one.
 */
public interface ClusterView extends AutoCloseable {

    /** A live node and the relay address bridges and other nodes dial. */
    record NodeRef(String id, String relayAddress) {
    }

    String localId();

    /** Reachable nodes, this one included. */
    List<NodeRef> nodes();

    /** Reachable nodes other than this one that hold a control connection from the bridge. */
    List<NodeRef> holders(String trustDomain, String tenant, String bridgeId);

    void bridgeUp(String trustDomain, String tenant, String bridgeId, long sinceMillis, int version);

    void bridgeDown(String trustDomain, String tenant, String bridgeId);

    /** Draining: stop routing anything here. */
    void withdrawAll();

    void onNodesChanged(Runnable listener);

    /** JSON-able view for the admin port. */
    Object describe();

    @Override
    void close();

    /** A beacon without a cluster. */
    final class SingleNode implements ClusterView {
        private final NodeRef self;

        public SingleNode(String id, String relayAddress) {
            this.self = new NodeRef(id, relayAddress);
        }

        @Override
        public String localId() {
            return self.id();
        }

        @Override
        public List<NodeRef> nodes() {
            return List.of(self);
        }

        @Override
        public List<NodeRef> holders(String trustDomain, String tenant, String bridgeId) {
            return List.of();
        }

        @Override
        public void bridgeUp(String trustDomain, String tenant, String bridgeId, long sinceMillis, int version) {
        }

        @Override
        public void bridgeDown(String trustDomain, String tenant, String bridgeId) {
        }

        @Override
        public void withdrawAll() {
        }

        @Override
        public void onNodesChanged(Runnable listener) {
        }

        @Override
        public Object describe() {
            return java.util.Map.of("mode", "single node", "members", List.of(self));
        }

        @Override
        public void close() {
        }
    }
}
