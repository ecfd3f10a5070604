package dev.beacon.gossip;

import java.util.Objects;

/**
 * One bridge held by one node: the bridge {@code spiffe://<trustDomain>/tenant/<tenant>/bridge/<bridgeId>} has a
 * control connection to {@code node} since {@code sinceMillis}, running bridge software version {@code bridgeVersion}.
 * {@code publishedAtMillis} is stamped by {@link Cluster#publish} (the node's clock); it is 0 in entries that came
 * from a node speaking {@link #PREVIOUS_VERSION}, which does not carry it.
 */
public record Presence(String trustDomain, String tenant, String bridgeId, String node, long sinceMillis,
                       int bridgeVersion, long publishedAtMillis) {

    /** Gossip wire version this release writes: v2 adds the publish timestamp ("at") and the leave flag. */
    public static final int CURRENT_VERSION = 2;
    /** The version the previous release wrote; still read, and written when configured (rolling upgrades). */
    public static final int PREVIOUS_VERSION = 1;

    public Presence {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(bridgeId, "bridgeId");
        Objects.requireNonNull(node, "node");
    }

    /** Whether this entry is about the given bridge. */
    boolean isFor(String trustDomain, String tenant, String bridgeId) {
        return this.trustDomain.equals(trustDomain) && this.tenant.equals(tenant) && this.bridgeId.equals(bridgeId);
    }
}
