package dev.beacon.server;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.beacon.tls.Identity;
import org.junit.jupiter.api.Test;

class IdentitiesTest {

    @Test
    void connectionsOfOneIdentityShareOneObjectAndTheTableStaysBounded() {
        Identities ids = new Identities(2);
        Identity a = ids.intern(Identity.wrapper("example.org", "acme", "app"));
        assertSame(a, ids.intern(Identity.wrapper("example.org", "acme", "app")));
        Identity b = ids.intern(Identity.wrapper("example.org", "acme", "other"));
        assertNotSame(a, b);
        ids.intern(Identity.wrapper("example.org", "acme", "third")); // past the bound: starts over
        Identity again = ids.intern(Identity.wrapper("example.org", "acme", "app"));
        assertNotSame(a, again, "the table was cleared, so a fresh object is kept");
        assertNull(ids.intern(null));
    }
}
