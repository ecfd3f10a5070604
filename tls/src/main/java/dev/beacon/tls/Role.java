package dev.beacon.tls;

/** What a certificate lets its holder be. Comes from the URI SAN, never from anything the peer says. */
public enum Role {
    BRIDGE, WRAPPER, NODE;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
