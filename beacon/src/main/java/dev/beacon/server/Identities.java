package dev.beacon.server;

import dev.beacon.tls.Identity;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shares one {@link Identity} among all connections that present it. A wrapper fleet opens thousands of streams
 * under a handful of identities; each connection would otherwise hold its own copy of the URI and its parts
 * (about 250 bytes). Bounded: past {@code max} distinct identities it starts over (docs/decisions/0004).
 */
final class Identities {
    private final int max;
    private final ConcurrentHashMap<String, Identity> byUri = new ConcurrentHashMap<>();

    Identities(int max) {
        this.max = max;
    }

    Identity intern(Identity id) {
        if (id == null) return null;
        Identity known = byUri.get(id.uri());
        if (known != null) return known;
        if (byUri.size() >= max) byUri.clear();
        known = byUri.putIfAbsent(id.uri(), id);
        return known != null ? known : id;
    }
}
