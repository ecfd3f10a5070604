package dev.beacon.bridge.openbao;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.Fuzz;
import java.net.URI;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * What the bridge's OpenBao proxy reads from outside: a wrapper's request target (sent on to OpenBao with the
 * wrapper's token), OpenBao's Location on a 307/308, its health status and Retry-After.
 */
class VaultProxyProperties {
    static final List<OpenBaoNodes.Node> NODES = List.of(
            new OpenBaoNodes.Node(URI.create("https://bao-0.test:8200")),
            new OpenBaoNodes.Node(URI.create("https://bao-1.test:8200")),
            new OpenBaoNodes.Node(URI.create("http://127.0.0.1:8200")),
            new OpenBaoNodes.Node(URI.create("https://[::1]:8200")));

    // ---- request targets ----

    @Property
    void aRequestTargetIsNamedAsAProblemOrIsAPlainPathUnderV1(@ForAll("targets") String t) {
        String problem = Fuzz.run(() -> VaultProxy.targetProblem(t)).get();
        if (problem != null) return;
        assertTrue(t.startsWith("/v1/"), t);
        int query = t.indexOf('?');
        String path = query < 0 ? t : t.substring(0, query);
        for (int i = 0; i < t.length(); i++) {
            char ch = t.charAt(i);
            assertTrue(ch > 0x20 && ch < 0x7f, () -> "a character outside printable ASCII passed: " + Fuzz.class.getSimpleName() + " " + escape(t));
            if (ch == '%') {
                assertTrue(i + 2 < t.length() && hex(t.charAt(i + 1)) && hex(t.charAt(i + 2)), () -> "bad escape passed: " + escape(t));
            }
        }
        String decoded = decode(path);
        for (String seg : decoded.split("/", -1)) {
            assertFalse(seg.equals(".") || seg.equals(".."), () -> "a dot-segment passed once decoded: " + escape(t));
        }
        assertTrue(decoded.chars().noneMatch(c -> c < 0x20 || c == 0x7f), () -> "an encoded control character passed: " + escape(t));
    }

    @Property
    void everyPlainVaultPathIsAccepted(@ForAll("vaultPaths") String t) {
        assertNull(VaultProxy.targetProblem(t), t);
    }

    /** Regression: Character.digit took other scripts' digits as hex, so non-ASCII characters passed as an escape. */
    @Example
    void anEscapeIsTwoAsciiHexDigits() {
        assertTrue(VaultProxy.targetProblem("/v1/a%\u0661\u0661") != null);
        assertTrue(VaultProxy.targetProblem("/v1/a%\uff21\uff21") != null);
        assertNull(VaultProxy.targetProblem("/v1/a%41%4a"));
    }

    // ---- redirects ----

    @Property
    void aRedirectGoesOnlyToAConfiguredNodeNeverAwayFromHttps(@ForAll("locations") String location,
                                                              @ForAll @IntRange(min = 0, max = 3) int from,
                                                              @ForAll @IntRange(min = 0, max = 4) int redirects) {
        OpenBaoNodes.Node node = NODES.get(from);
        VaultProxy.Redirect r = Fuzz.run(() -> VaultProxy.redirect(node, location, redirects, VaultProxyProperties::byUri)).get();
        if (r.to() == null) {
            assertTrue(r.outcome().endsWith("_redirect") && r.message() != null, r.toString());
            return;
        }
        assertTrue(NODES.contains(r.to()));
        assertTrue(redirects < VaultProxy.MAX_REDIRECTS);
        if (node.uri.getScheme().equals("https")) {
            assertEquals("https", r.to().uri.getScheme(), () -> "from " + node.address() + " to " + r.to().address() + " by " + location);
        }
        assertTrue(r.to().matches(URI.create(node.address()).resolve(location)), "the node the Location names");
    }

    /** Regression: the check looked at the Location's scheme only, and a configured http node on that host:port got the call. */
    @Example
    void anHttpsNodeCannotSendACallToAnHttpNodeByWritingHttps() {
        VaultProxy.Redirect r = VaultProxy.redirect(NODES.get(0), "https://127.0.0.1:8200/v1/secret/data/x", 0, VaultProxyProperties::byUri);
        assertNull(r.to());
        assertEquals("insecure_redirect", r.outcome());
    }

    private static OpenBaoNodes.Node byUri(URI u) {
        for (OpenBaoNodes.Node n : NODES) if (n.matches(u)) return n;
        return null;
    }

    // ---- health and Retry-After ----

    @Property
    void onlyHealth200IsTheActiveNode(@ForAll int status) {
        OpenBaoNodes.State s = OpenBaoNodes.healthState(status);
        assertEquals(status == 200, s == OpenBaoNodes.State.ACTIVE, status + " -> " + s);
    }

    @Property
    void retryAfterIsZeroToThirtySeconds(@ForAll("retryAfters") String v) {
        long ms = Fuzz.run(() -> VaultProxy.retryAfterMs(v)).get();
        assertTrue(ms >= 0 && ms <= 30_000, v + " -> " + ms);
        if (v.matches("\\s*[0-9]{1,2}\\s*") && Integer.parseInt(v.trim()) <= 30) assertEquals(Integer.parseInt(v.trim()) * 1000L, ms);
    }

    // ---- generators ----

    static Arbitrary<String> segments() {
        return Arbitraries.strings().alpha().numeric().withChars("-_~").ofMinLength(1).ofMaxLength(12);
    }

    @Provide
    Arbitrary<String> vaultPaths() {
        Arbitrary<String> path = segments().list().ofMinSize(1).ofMaxSize(5).map(l -> "/v1/" + String.join("/", l));
        Arbitrary<String> query = Arbitraries.of("", "?list=true", "?version=2&x=%2F", "?a=..", "?");
        return Combinators.combine(path, query).as(String::concat);
    }

    @Provide
    Arbitrary<String> targets() {
        Arbitrary<String> tricky = Arbitraries.of("/v1/secret/../sys/raw", "/v1/%2e%2e/sys", "/v1/a/%2E/b", "/v1/a%2fb", "/v1/a%00b",
                "/v1/a%7f", "//v1/x", "/v1/x?y=%0a", "/v1/x#frag", "http://evil/v1/x", "*", "/v1/a%zz", "/v1/a%4", "/v1/%252e%252e/x");
        return Fuzz.nearlyText(Arbitraries.oneOf(vaultPaths(), tricky));
    }

    @Provide
    Arbitrary<String> locations() {
        Arbitrary<String> host = Arbitraries.of("bao-0.test:8200", "BAO-1.test:8200", "127.0.0.1:8200", "[::1]:8200", "bao-0.test",
                "evil.test:8200", "bao-0.test:8200@evil.test:8200", "evil.test@bao-1.test:8200", "127.0.0.1:8201");
        Arbitrary<String> scheme = Arbitraries.of("https://", "http://", "HTTPS://", "//", "ftp://", "");
        Arbitrary<String> path = Arbitraries.of("/v1/secret/data/x", "", "/", "?x=1", "/v1/a/../b");
        Arbitrary<String> absolute = Combinators.combine(scheme, host, path).as((s, h, p) -> s + h + p);
        Arbitrary<String> relative = Arbitraries.of("/v1/secret/data/x", "v1/x", "../x", "?standbyok=true", "");
        Arbitrary<String> valid = Arbitraries.oneOf(absolute, relative);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(2, valid), net.jqwik.api.Tuple.of(3, Fuzz.nearlyText(valid))).injectNull(0.02);
    }

    @Provide
    Arbitrary<String> retryAfters() {
        Arbitrary<String> numbers = Arbitraries.longs().map(String::valueOf);
        Arbitrary<String> small = Arbitraries.integers().between(0, 40).map(String::valueOf);
        return Fuzz.nearlyText(Arbitraries.oneOf(numbers, small, Arbitraries.of("Wed, 21 Oct 2015 07:28:00 GMT", " 5 ", "9223372036854775807")));
    }

    // ---- oracle helpers ----

    private static boolean hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** Percent-decoding as a server would do it once (each %XX to one char). */
    private static String decode(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) && hex(s.charAt(i + 2))) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        return b.toString();
    }
}
