package dev.beacon.gossip;

import java.util.Map;

/**
 * A cluster node as this node sees it: its id, the address of its node-to-node messaging port, the properties it
 * published at start-up (e.g. {@code relay -> host:port}), and whether failure detection currently reaches it.
 */
public record Member(String id, String host, int port, Map<String, String> properties, boolean reachable) {
    public Member {
        properties = Map.copyOf(properties);
    }
}
