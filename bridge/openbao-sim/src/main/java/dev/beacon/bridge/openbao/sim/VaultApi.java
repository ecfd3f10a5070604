package dev.beacon.bridge.openbao.sim;

import dev.beacon.bridge.openbao.sim.SimHttp.Request;
import dev.beacon.bridge.openbao.sim.SimHttp.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntConsumer;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The logical API an active node serves (after the node-level checks: sealed, standby forwarding or redirect):
 * KV v2 under {@code secret/}, Kubernetes login, token self-service, lease renewal, transit encrypt/decrypt, a
 * dynamic-credentials endpoint to have leases to renew, and {@code sys/step-down}.
 */
final class VaultApi {
    static final String KV_DATA = "/v1/secret/data/";
    static final String KV_METADATA = "/v1/secret/metadata/";
    static final String LOGIN = "/v1/auth/kubernetes/login";

    private final SimStore store;
    private final Duration tokenTtl;
    private final Duration tokenMaxTtl;
    private final IntConsumer stepDown;

    VaultApi(SimStore store, Duration tokenTtl, Duration tokenMaxTtl, IntConsumer stepDown) {
        this.store = store;
        this.tokenTtl = tokenTtl;
        this.tokenMaxTtl = tokenMaxTtl;
        this.stepDown = stepDown;
    }

    static boolean isKvWrite(Request r) {
        return r.path().startsWith(KV_DATA) && ("POST".equals(r.method()) || "PUT".equals(r.method()));
    }

    /** What OpenBao 2.5+ standbys serve themselves (reads); everything else is forwarded. */
    static boolean isStandbyRead(Request r) {
        return "GET".equals(r.method()) && (r.path().startsWith(KV_DATA) || r.path().startsWith(KV_METADATA));
    }

    static String token(Request r) {
        String t = r.header("X-Vault-Token");
        if (t != null && !t.isEmpty()) return t;
        String a = r.header("Authorization");
        if (a != null && a.regionMatches(true, 0, "Bearer ", 0, 7)) return a.substring(7).trim();
        return null;
    }

    Response serve(int node, Request r) {
        String p = r.path();
        String m = r.method();
        try {
            if (p.equals(LOGIN)) {
                if (!isWrite(m)) return unsupported();
                return login(r);
            }
            SimStore.Token t = store.token(token(r));
            if (t == null) return Response.errors(403, "permission denied");
            if (p.startsWith(KV_DATA)) {
                String path = p.substring(KV_DATA.length());
                if (path.isEmpty()) return Response.errors(404, "no handler for route \"secret/data\". route entry not found.");
                if ("GET".equals(m)) return kvRead(path, r);
                if (isWrite(m)) return kvWrite(path, r);
                return unsupported();
            }
            if (p.startsWith(KV_METADATA)) {
                if (!"GET".equals(m)) return unsupported();
                Map<String, Object> md = store.metadata(p.substring(KV_METADATA.length()));
                return md == null ? Response.errors(404) : ok(md, null);
            }
            switch (p) {
                case "/v1/auth/token/lookup-self":
                    if (!"GET".equals(m) && !isWrite(m)) return unsupported();
                    return ok(lookup(t), null);
                case "/v1/auth/token/renew-self":
                    if (!isWrite(m)) return unsupported();
                    return renewSelf(t, r);
                case "/v1/sys/step-down":
                    if (!isWrite(m)) return unsupported();
                    if (!t.policies.contains("root")) return Response.errors(403, "permission denied");
                    stepDown.accept(node);
                    return Response.empty(204, Map.of());
                default:
                    break;
            }
            if (p.equals("/v1/sys/leases/renew") || p.startsWith("/v1/sys/leases/renew/") || p.equals("/v1/sys/renew")
                    || p.startsWith("/v1/sys/renew/")) {
                if (!isWrite(m)) return unsupported();
                return leaseRenew(r);
            }
            if (p.startsWith("/v1/database/creds/") && p.length() > "/v1/database/creds/".length()) {
                if (!"GET".equals(m)) return unsupported();
                return dynamicCreds(p.substring("/v1/database/creds/".length()));
            }
            if (p.startsWith("/v1/transit/encrypt/") && p.length() > "/v1/transit/encrypt/".length()) {
                if (!isWrite(m)) return unsupported();
                return encrypt(p.substring("/v1/transit/encrypt/".length()), r);
            }
            if (p.startsWith("/v1/transit/decrypt/") && p.length() > "/v1/transit/decrypt/".length()) {
                if (!isWrite(m)) return unsupported();
                return decrypt(p.substring("/v1/transit/decrypt/".length()), r);
            }
            return Response.errors(404, "no handler for route \"" + p.substring(Math.min(p.length(), 4)) + "\". route entry not found.");
        } catch (BadRequest e) {
            return Response.errors(400, e.getMessage());
        }
    }

    // ---- KV v2

    private Response kvRead(String path, Request r) {
        int version = 0;
        String v = r.param("version");
        if (v != null && !v.isEmpty()) {
            try {
                version = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new BadRequest("error converting input " + v + " for field \"version\"");
            }
        }
        int[] ver = new int[1];
        SimStore.Version found = store.read(path, version, ver);
        if (found == null) return Response.errors(404);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("data", SimStore.deepCopy(found.data));
        data.put("metadata", versionMetadata(found, ver[0]));
        return ok(data, null);
    }

    @SuppressWarnings("unchecked")
    private Response kvWrite(String path, Request r) {
        Map<String, Object> body = body(r);
        Object d = body.get("data");
        if (!(d instanceof Map)) throw new BadRequest("no data provided");
        Integer cas = null;
        Object opts = body.get("options");
        if (opts instanceof Map<?, ?> o && o.get("cas") != null) {
            Object c = o.get("cas");
            try {
                cas = c instanceof Number n ? n.intValue() : Integer.parseInt(c.toString());
            } catch (NumberFormatException e) {
                throw new BadRequest("invalid cas parameter");
            }
        }
        int[] ver = new int[1];
        try {
            SimStore.Version v = store.write(path, (Map<String, Object>) d, cas, true, ver);
            return ok(versionMetadata(v, ver[0]), null);
        } catch (SimStore.CasMismatch e) {
            return Response.errors(400, e.getMessage());
        }
    }

    private static Map<String, Object> versionMetadata(SimStore.Version v, int version) {
        Map<String, Object> md = new LinkedHashMap<>();
        md.put("created_time", v.created.toString());
        md.put("custom_metadata", null);
        md.put("deletion_time", "");
        md.put("destroyed", false);
        md.put("version", version);
        return md;
    }

    // ---- auth

    private Response login(Request r) {
        Map<String, Object> body = body(r);
        String role = str(body.get("role"));
        String jwt = str(body.get("jwt"));
        if (role.isEmpty()) throw new BadRequest("missing role");
        if (jwt.isEmpty()) throw new BadRequest("missing jwt");
        Map<String, String> meta = serviceAccount(jwt);
        meta.put("role", role);
        List<String> policies = new ArrayList<>(List.of("default", role));
        SimStore.Token t = store.createToken(null, policies, meta, "auth/kubernetes/login",
                "kubernetes-" + meta.get("service_account_namespace") + "-" + meta.get("service_account_name"),
                tokenTtl, tokenMaxTtl, true);
        return ok(null, auth(t, tokenTtl.toSeconds()));
    }

    /** The service account in a Kubernetes JWT if it parses (the signature is not checked: this is a simulator). */
    private static Map<String, String> serviceAccount(String jwt) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("service_account_name", "");
        m.put("service_account_namespace", "");
        m.put("service_account_secret_name", "");
        m.put("service_account_uid", "");
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) return m;
        try {
            Map<?, ?> claims = SimHttp.JSON.readValue(Base64.getUrlDecoder().decode(parts[1]), Map.class);
            if (claims.get("kubernetes.io") instanceof Map<?, ?> k) {
                m.put("service_account_namespace", str(k.get("namespace")));
                if (k.get("serviceaccount") instanceof Map<?, ?> sa) {
                    m.put("service_account_name", str(sa.get("name")));
                    m.put("service_account_uid", str(sa.get("uid")));
                }
            } else {
                m.put("service_account_namespace", str(claims.get("kubernetes.io/serviceaccount/namespace")));
                m.put("service_account_name", str(claims.get("kubernetes.io/serviceaccount/service-account.name")));
                m.put("service_account_uid", str(claims.get("kubernetes.io/serviceaccount/service-account.uid")));
                m.put("service_account_secret_name", str(claims.get("kubernetes.io/serviceaccount/secret.name")));
            }
            String sub = str(claims.get("sub"));
            if (m.get("service_account_name").isEmpty() && sub.startsWith("system:serviceaccount:")) {
                String[] s = sub.split(":");
                if (s.length == 4) {
                    m.put("service_account_namespace", s[2]);
                    m.put("service_account_name", s[3]);
                }
            }
        } catch (Exception ignored) {
            // not a JWT we can read: accepted anyway
        }
        return m;
    }

    private static Map<String, Object> auth(SimStore.Token t, long leaseSeconds) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("client_token", t.id);
        a.put("accessor", t.accessor);
        a.put("policies", t.policies);
        a.put("token_policies", t.policies);
        a.put("metadata", t.meta);
        a.put("lease_duration", leaseSeconds);
        a.put("renewable", t.renewable);
        a.put("entity_id", "");
        a.put("token_type", "service");
        a.put("orphan", true);
        a.put("mfa_requirement", null);
        a.put("num_uses", 0);
        return a;
    }

    private Map<String, Object> lookup(SimStore.Token t) {
        Instant now = Instant.now();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("accessor", t.accessor);
        d.put("creation_time", t.issued.getEpochSecond());
        d.put("creation_ttl", t.creationTtl.toSeconds());
        d.put("display_name", t.displayName);
        d.put("entity_id", "");
        d.put("expire_time", t.expires == null ? null : t.expires.toString());
        d.put("explicit_max_ttl", 0);
        d.put("id", t.id);
        d.put("issue_time", t.issued.toString());
        if (t.lastRenewal != null) {
            d.put("last_renewal", t.lastRenewal.toString());
            d.put("last_renewal_time", t.lastRenewal.getEpochSecond());
        }
        d.put("meta", t.meta.isEmpty() ? null : t.meta);
        d.put("num_uses", 0);
        d.put("orphan", true);
        d.put("path", t.path);
        d.put("policies", t.policies);
        d.put("renewable", t.renewable);
        d.put("ttl", t.ttlSeconds(now));
        d.put("type", "service");
        return d;
    }

    private Response renewSelf(SimStore.Token t, Request r) {
        if (!t.renewable) return Response.errors(400, "lease is not renewable");
        Duration inc = duration(body(r).get("increment"));
        Duration ttl = store.renew(t, inc);
        List<String> warnings = null;
        Duration asked = inc == null || inc.isZero() ? t.creationTtl : inc;
        if (ttl.toSeconds() < asked.toSeconds()) {
            warnings = List.of("TTL of \"" + asked.toSeconds() + "s\" exceeded the effective max_ttl of \"" + ttl.toSeconds()
                    + "s\"; TTL value is capped accordingly");
        }
        Map<String, Object> env = envelope(null, auth(t, ttl.toSeconds()));
        env.put("warnings", warnings);
        return Response.json(200, env);
    }

    // ---- leases

    private Response dynamicCreds(String role) {
        SimStore.Lease l = store.createLease("database/creds/" + role, Duration.ofHours(1), Duration.ofHours(24));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("username", "v-" + role + "-" + store.randomString(8).toLowerCase());
        data.put("password", store.randomString(20));
        Map<String, Object> env = envelope(data, null);
        env.put("lease_id", l.id);
        env.put("renewable", true);
        env.put("lease_duration", Duration.ofHours(1).toSeconds());
        return Response.json(200, env);
    }

    private Response leaseRenew(Request r) {
        Map<String, Object> body = body(r);
        String id = str(body.get("lease_id"));
        String p = r.path();
        for (String prefix : List.of("/v1/sys/leases/renew/", "/v1/sys/renew/")) {
            if (id.isEmpty() && p.startsWith(prefix)) id = p.substring(prefix.length());
        }
        if (id.isEmpty()) throw new BadRequest("lease_id must not be empty");
        SimStore.Lease l = store.lease(id);
        if (l == null) return Response.errors(400, "lease not found");
        Duration inc = duration(body.get("increment"));
        Duration ttl = store.renew(l, inc == null || inc.isZero() ? Duration.ofHours(1) : inc);
        Map<String, Object> env = envelope(null, null);
        env.put("lease_id", l.id);
        env.put("renewable", true);
        env.put("lease_duration", ttl.toSeconds());
        return Response.json(200, env);
    }

    // ---- transit

    private Response encrypt(String name, Request r) {
        String pt = str(body(r).get("plaintext"));
        if (pt.isEmpty()) throw new BadRequest("missing plaintext to encrypt");
        byte[] plain;
        try {
            plain = Base64.getDecoder().decode(pt);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("failed to base64-decode plaintext");
        }
        SecretKey key = store.transitKey(name, true);
        try {
            byte[] nonce = store.nonce();
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            byte[] ct = c.doFinal(plain);
            byte[] out = new byte[nonce.length + ct.length];
            System.arraycopy(nonce, 0, out, 0, nonce.length);
            System.arraycopy(ct, 0, out, nonce.length, ct.length);
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("ciphertext", "vault:v1:" + Base64.getEncoder().encodeToString(out));
            data.put("key_version", 1);
            return ok(data, null);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Response decrypt(String name, Request r) {
        String ct = str(body(r).get("ciphertext"));
        if (ct.isEmpty()) throw new BadRequest("missing ciphertext to decrypt");
        if (!ct.startsWith("vault:v1:")) throw new BadRequest("invalid ciphertext: no prefix");
        SecretKey key = store.transitKey(name, false);
        if (key == null) throw new BadRequest("encryption key not found");
        try {
            byte[] all = Base64.getDecoder().decode(ct.substring("vault:v1:".length()));
            if (all.length < 12 + 16) throw new BadRequest("invalid ciphertext: could not decode");
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, all, 0, 12));
            byte[] plain = c.doFinal(all, 12, all.length - 12);
            return ok(Map.of("plaintext", Base64.getEncoder().encodeToString(plain)), null);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("invalid ciphertext: could not decode");
        } catch (javax.crypto.AEADBadTagException e) {
            throw new BadRequest("cipher: message authentication failed");
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- helpers

    static Map<String, Object> envelope(Object data, Object auth) {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("request_id", UUID.randomUUID().toString());
        env.put("lease_id", "");
        env.put("renewable", false);
        env.put("lease_duration", 0);
        env.put("data", data);
        env.put("wrap_info", null);
        env.put("warnings", null);
        env.put("auth", auth);
        return env;
    }

    private static Response ok(Object data, Object auth) {
        return Response.json(200, envelope(data, auth));
    }

    private static Response unsupported() {
        return Response.errors(405, "1 error occurred:\n\t* unsupported operation\n\n");
    }

    private static boolean isWrite(String m) {
        return "POST".equals(m) || "PUT".equals(m);
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }

    private static Duration duration(Object o) {
        if (o == null) return null;
        if (o instanceof Number n) return Duration.ofSeconds(n.longValue());
        String s = o.toString();
        if (s.isEmpty()) return null;
        try {
            return GoDuration.parse(s);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("invalid increment: " + s);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(Request r) {
        if (r.body().length == 0) return new LinkedHashMap<>();
        try {
            Object o = SimHttp.JSON.readValue(r.body(), Object.class);
            if (o == null) return new LinkedHashMap<>();
            if (!(o instanceof Map)) throw new BadRequest("failed to parse JSON input: not a JSON object");
            return (Map<String, Object>) o;
        } catch (java.io.IOException e) {
            String msg = e.getMessage() == null ? "" : e.getMessage().split("\n")[0];
            throw new BadRequest("failed to parse JSON input: " + msg);
        }
    }

    private static final class BadRequest extends RuntimeException {
        BadRequest(String m) {
            super(m, null, false, false);
        }
    }
}
