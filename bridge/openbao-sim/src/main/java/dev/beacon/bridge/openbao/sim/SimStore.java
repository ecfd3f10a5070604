package dev.beacon.bridge.openbao.sim;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;

/**
 * The one store every node shares (what Raft replicates in a real cluster): KV v2 secrets, tokens, leases and
 * transit keys. Every mutation bumps the Raft index that {@code /v1/sys/leader} reports. Thread-safe (one lock).
 */
final class SimStore {
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private final SecureRandom random = new SecureRandom();

    private long raftIndex = 1;
    private final Map<String, Secret> kv = new HashMap<>();
    private final Map<String, Long> writes = new HashMap<>();
    private final Map<String, Token> tokens = new HashMap<>();
    private final Map<String, Lease> leases = new HashMap<>();
    private final Map<String, SecretKey> transitKeys = new HashMap<>();

    static final class Version {
        final Map<String, Object> data;
        final Instant created;

        Version(Map<String, Object> data, Instant created) {
            this.data = data;
            this.created = created;
        }
    }

    static final class Secret {
        final List<Version> versions = new ArrayList<>();
        final Instant created;
        Instant updated;

        Secret(Instant created) {
            this.created = created;
            this.updated = created;
        }

        int current() {
            return versions.size();
        }
    }

    static final class Token {
        final String id;
        final String accessor;
        final List<String> policies;
        final Map<String, String> meta;
        final String path;
        final String displayName;
        final Instant issued;
        final Duration creationTtl; // zero: never expires (root)
        final Duration maxTtl;
        final boolean renewable;
        Instant expires; // null: never
        Instant lastRenewal;

        Token(String id, String accessor, List<String> policies, Map<String, String> meta, String path, String displayName,
              Instant issued, Duration ttl, Duration maxTtl, boolean renewable) {
            this.id = id;
            this.accessor = accessor;
            this.policies = policies;
            this.meta = meta;
            this.path = path;
            this.displayName = displayName;
            this.issued = issued;
            this.creationTtl = ttl;
            this.maxTtl = maxTtl;
            this.renewable = renewable;
            this.expires = ttl.isZero() ? null : issued.plus(ttl);
        }

        long ttlSeconds(Instant now) {
            return expires == null ? 0 : Math.max(0, Duration.between(now, expires).toSeconds());
        }
    }

    static final class Lease {
        final String id;
        final Instant issued;
        final Duration maxTtl;
        Instant expires;

        Lease(String id, Instant issued, Duration ttl, Duration maxTtl) {
            this.id = id;
            this.issued = issued;
            this.maxTtl = maxTtl;
            this.expires = issued.plus(ttl);
        }
    }

    /** A check-and-set mismatch, with OpenBao's message. */
    static final class CasMismatch extends Exception {
        CasMismatch() {
            super("check-and-set parameter did not match the current version", null, false, false);
        }
    }

    String randomString(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append(ALNUM.charAt(random.nextInt(ALNUM.length())));
        return sb.toString();
    }

    synchronized long raftIndex() {
        return raftIndex;
    }

    // ---- KV v2

    static String normalise(String path) {
        String p = path.trim();
        while (p.startsWith("/")) p = p.substring(1);
        while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        return p;
    }

    /** Applies a write (counted) and returns the new version; {@code cas} null means no check-and-set. */
    synchronized Version write(String path, Map<String, Object> data, Integer cas, boolean count, int[] versionOut) throws CasMismatch {
        String p = normalise(path);
        Secret s = kv.get(p);
        int current = s == null ? 0 : s.current();
        if (cas != null && cas != current) throw new CasMismatch();
        Instant now = Instant.now();
        if (s == null) {
            s = new Secret(now);
            kv.put(p, s);
        }
        Version v = new Version(deepCopy(data), now);
        s.versions.add(v);
        s.updated = now;
        raftIndex++;
        if (count) writes.merge(p, 1L, Long::sum);
        versionOut[0] = s.current();
        return v;
    }

    /** {@code version} 0 = current. Returns null when absent. */
    synchronized Version read(String path, int version, int[] versionOut) {
        Secret s = kv.get(normalise(path));
        if (s == null) return null;
        int v = version <= 0 ? s.current() : version;
        if (v > s.current()) return null;
        versionOut[0] = v;
        return s.versions.get(v - 1);
    }

    /** A snapshot of a secret's metadata, or null. */
    synchronized Map<String, Object> metadata(String path) {
        Secret s = kv.get(normalise(path));
        if (s == null) return null;
        Map<String, Object> versions = new LinkedHashMap<>();
        for (int i = 0; i < s.versions.size(); i++) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("created_time", s.versions.get(i).created.toString());
            v.put("deletion_time", "");
            v.put("destroyed", false);
            versions.put(Integer.toString(i + 1), v);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cas_required", false);
        m.put("created_time", s.created.toString());
        m.put("current_version", s.current());
        m.put("custom_metadata", null);
        m.put("delete_version_after", "0s");
        m.put("max_versions", 0);
        m.put("oldest_version", 0);
        m.put("updated_time", s.updated.toString());
        m.put("versions", versions);
        return m;
    }

    synchronized long writes(String path) {
        return writes.getOrDefault(normalise(path), 0L);
    }

    synchronized Map<String, Object> current(String path) {
        Secret s = kv.get(normalise(path));
        return s == null ? null : deepCopy(s.versions.get(s.current() - 1).data);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deepCopy(Map<String, Object> m) {
        return SimHttp.JSON.convertValue(m, LinkedHashMap.class);
    }

    // ---- tokens

    synchronized Token createToken(String id, List<String> policies, Map<String, String> meta, String path, String displayName,
                                   Duration ttl, Duration maxTtl, boolean renewable) {
        String tokenId = id != null ? id : "s." + randomString(24);
        Token t = new Token(tokenId, randomString(24), List.copyOf(policies), meta, path, displayName, Instant.now(), ttl, maxTtl,
                renewable);
        tokens.put(tokenId, t);
        raftIndex++;
        return t;
    }

    /** A live token, or null (unknown or expired). */
    synchronized Token token(String id) {
        if (id == null || id.isEmpty()) return null;
        Token t = tokens.get(id);
        if (t == null) return null;
        if (t.expires != null && !Instant.now().isBefore(t.expires)) {
            tokens.remove(id);
            return null;
        }
        return t;
    }

    /** Renews: TTL = increment (or the creation TTL), capped at the max TTL. Returns the capped TTL. */
    synchronized Duration renew(Token t, Duration increment) {
        Instant now = Instant.now();
        Duration ttl = increment == null || increment.isZero() ? t.creationTtl : increment;
        Instant cap = t.issued.plus(t.maxTtl);
        Instant exp = now.plus(ttl);
        if (exp.isAfter(cap)) exp = cap;
        t.expires = exp;
        t.lastRenewal = now;
        raftIndex++;
        return Duration.between(now, exp);
    }

    // ---- leases

    synchronized Lease createLease(String prefix, Duration ttl, Duration maxTtl) {
        Lease l = new Lease(prefix + "/" + randomString(24), Instant.now(), ttl, maxTtl);
        leases.put(l.id, l);
        raftIndex++;
        return l;
    }

    synchronized Lease lease(String id) {
        Lease l = leases.get(id);
        if (l == null) return null;
        if (!Instant.now().isBefore(l.expires)) {
            leases.remove(id);
            return null;
        }
        return l;
    }

    synchronized Duration renew(Lease l, Duration increment) {
        Instant now = Instant.now();
        Instant cap = l.issued.plus(l.maxTtl);
        Instant exp = now.plus(increment);
        if (exp.isAfter(cap)) exp = cap;
        l.expires = exp;
        raftIndex++;
        return Duration.between(now, exp);
    }

    // ---- transit

    synchronized SecretKey transitKey(String name, boolean create) {
        SecretKey k = transitKeys.get(name);
        if (k == null && create) {
            try {
                KeyGenerator g = KeyGenerator.getInstance("AES");
                g.init(256, random);
                k = g.generateKey();
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            transitKeys.put(name, k);
            raftIndex++;
        }
        return k;
    }

    byte[] nonce() {
        byte[] n = new byte[12];
        random.nextBytes(n);
        return n;
    }
}
