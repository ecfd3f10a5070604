package dev.beacon.bench;

/**
 * Where the load generator sends a stream. {@code beacon} targets speak the wrapper side of the beacon protocol
 * (CONNECT, then CONNECTED) before the bench protocol; the others start it right after the TLS handshake.
 * {@code handshakePort} is where handshake-only connections go (HAProxy and nginx have a listener without a backend for it).
 */
record Target(String name, String label, int port, boolean beacon, int handshakePort) {
    static final String DIRECT = "direct";
    static final String BEACON = "beacon";
    static final String FORWARD = "beacon_1hop";
    static final String HAPROXY = "haproxy";
    static final String NGINX = "nginx";
}
