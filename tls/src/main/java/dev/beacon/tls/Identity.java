package dev.beacon.tls;

import java.net.URI;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The identity a certificate carries, as a SPIFFE-style URI SAN:
 * {@code spiffe://<trust-domain>/tenant/<tenant>/bridge/<id>},
 * {@code spiffe://<trust-domain>/tenant/<tenant>/wrapper/<name>} or
 * {@code spiffe://<trust-domain>/node/<node-id>}.
 */
public record Identity(String trustDomain, String tenant, Role role, String name) {

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9][a-z0-9.-]{0,252}");
    private static final int URI_SAN = 6;

    public Identity {
        require(DOMAIN, trustDomain, "trust domain");
        if (!trustDomain.equals(hostOf(trustDomain))) {
            // e.g. "prod.1" or "acme-": the pattern allows them, but no URI parser reads them as a host, so no
            // certificate naming them would ever be accepted
            throw new IllegalArgumentException("invalid trust domain: " + dev.beacon.log.Untrusted.quote(trustDomain)
                    + " (each dot-separated label starts and ends with a letter or digit, the last with a letter)");
        }
        if (role == Role.NODE) {
            if (tenant != null) throw new IllegalArgumentException("a node identity has no tenant");
        } else {
            require(SEGMENT, tenant, "tenant");
        }
        if (role == null) throw new IllegalArgumentException("role is required");
        require(SEGMENT, name, "name");
    }

    public static Identity bridge(String trustDomain, String tenant, String id) {
        return new Identity(trustDomain, tenant, Role.BRIDGE, id);
    }

    public static Identity wrapper(String trustDomain, String tenant, String name) {
        return new Identity(trustDomain, tenant, Role.WRAPPER, name);
    }

    public static Identity node(String trustDomain, String id) {
        return new Identity(trustDomain, null, Role.NODE, id);
    }

    /**
     * Parses {@code spiffe://...}; throws IllegalArgumentException naming what is wrong. Strict, as the SPIFFE ID
     * spec requires: no port, user info, query, fragment or percent-encoding, so that one identity has exactly one
     * spelling and {@link #uri()} gives back the string that was parsed.
     */
    public static Identity parse(String uri) {
        URI u;
        try {
            u = new URI(uri);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URI: " + uri);
        }
        if (!"spiffe".equals(u.getScheme()) || u.isOpaque() || u.getHost() == null || u.getRawPath() == null) {
            throw new IllegalArgumentException("not a spiffe:// identity: " + uri);
        }
        if (u.getRawUserInfo() != null) throw new IllegalArgumentException("user info is not allowed in " + uri);
        if (u.getPort() != -1 || !u.getHost().equals(u.getRawAuthority())) {
            throw new IllegalArgumentException("a port is not allowed in " + uri);
        }
        if (u.getRawQuery() != null) throw new IllegalArgumentException("a query is not allowed in " + uri);
        if (u.getRawFragment() != null) throw new IllegalArgumentException("a fragment is not allowed in " + uri);
        String path = u.getRawPath();
        if (path.indexOf('%') >= 0) throw new IllegalArgumentException("percent-encoding is not allowed in " + uri);
        String[] p = path.substring(path.startsWith("/") ? 1 : 0).split("/", -1);
        Identity id;
        if (p.length == 2 && p[0].equals("node")) {
            id = node(u.getHost(), p[1]);
        } else if (p.length == 4 && p[0].equals("tenant")) {
            id = switch (p[2]) {
                case "bridge" -> bridge(u.getHost(), p[1], p[3]);
                case "wrapper" -> wrapper(u.getHost(), p[1], p[3]);
                default -> throw new IllegalArgumentException("unknown role '" + p[2] + "' in " + uri);
            };
        } else {
            throw new IllegalArgumentException(
                    "expected /tenant/<tenant>/bridge/<id>, /tenant/<tenant>/wrapper/<name> or /node/<id> in " + uri);
        }
        // belt and braces: anything the checks above let through that is spelled differently is refused too
        if (!id.uri().equals(uri)) throw new IllegalArgumentException("not in canonical form: " + uri + " (expected " + id.uri() + ")");
        return id;
    }

    /** The one spiffe:// URI SAN of a certificate, if it has exactly one and it parses (any other spiffe-scheme SAN, in any case, refuses). */
    public static Optional<Identity> of(X509Certificate cert) {
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (sans == null) return Optional.empty();
        List<Identity> found = new ArrayList<>();
        for (List<?> san : sans) {
            if (san.size() >= 2 && Integer.valueOf(URI_SAN).equals(san.get(0))
                    && san.get(1) instanceof String s && s.regionMatches(true, 0, "spiffe:", 0, 7)) {
                // any spelling of the scheme counts: "SPIFFE://..." next to "spiffe://..." makes the identity ambiguous
                try {
                    found.add(parse(s));
                } catch (IllegalArgumentException ignored) {
                    return Optional.empty();
                }
            }
        }
        return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
    }

    public String uri() {
        return role == Role.NODE
                ? "spiffe://" + trustDomain + "/node/" + name
                : "spiffe://" + trustDomain + "/tenant/" + tenant + "/" + role.label() + "/" + name;
    }

    @Override
    public String toString() {
        return uri();
    }

    /** Whether {@code v} may be a tenant, bridge id, wrapper name or node id: the grammar every protocol field naming one is checked against. */
    public static boolean isSegment(String v) {
        return v != null && SEGMENT.matcher(v).matches();
    }

    public static boolean isTrustDomain(String v) {
        return v != null && DOMAIN.matcher(v).matches();
    }

    /** The host java.net.URI reads from {@code spiffe://<domain>/}, or null when it reads none: what {@link #parse} will see. */
    private static String hostOf(String domain) {
        try {
            return new URI("spiffe://" + domain + "/").getHost();
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    private static void require(Pattern p, String v, String what) {
        if (v == null || !p.matcher(v).matches()) {
            throw new IllegalArgumentException("invalid " + what + ": " + dev.beacon.log.Untrusted.quote(v));
        }
    }
}
