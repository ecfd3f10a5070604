package dev.beacon.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UntrustedTest {
    @Test
    void plainTextIsReturnedAsIs() {
        String s = "spiffe://beacon.test/tenant/acme/bridge/b1";
        assertSame(s, Untrusted.escape(s));
    }

    @Test
    void everyLineBreakAndControlCharacterBecomesVisible() {
        assertEquals("x\\n2026-11-29 INFO bridge registered", Untrusted.escape("x\n2026-11-29 INFO bridge registered"));
        assertEquals("a\\r\\tb\\u001b[31mc\\u0000", Untrusted.escape("a\r\tb\u001b[31mc\u0000"));
        assertEquals("a\\u2028b\\u0085c\\u007f", Untrusted.escape("a\u2028b\u0085c\u007f"));
    }

    @Test
    void longValuesAreCutAndSayHowLongTheyWere() {
        String s = Untrusted.escape("a".repeat(10_000));
        assertTrue(s.startsWith("a".repeat(256) + "...(10000 chars)"), s);
        assertEquals("'null'", Untrusted.quote(null));
    }
}
