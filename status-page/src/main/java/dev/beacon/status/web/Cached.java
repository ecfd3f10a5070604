package dev.beacon.status.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * A rendered public response: the body, its Content-Type (with charset), its Cache-Control, and an ETag that is a hash
 * of the body, so a client or a CDN revalidates with If-None-Match and gets a 304 until the view really changes.
 */
record Cached(int status, String contentType, String cacheControl, byte[] body, String etag) {
    /** The HTML page and the JSON: short, the view refreshes every probe interval. */
    static final String SHORT = "public, max-age=30";
    /** Badges are embedded in READMEs and fetched through image proxies: five minutes is fresh enough. */
    static final String BADGE = "public, max-age=300";
    /** Error pages: a client may keep them briefly, a shared cache should not. */
    static final String ERROR = "no-cache";

    static final String HTML = "text/html; charset=utf-8";
    static final String JSON = "application/json; charset=utf-8";
    static final String ATOM = "application/atom+xml; charset=utf-8";
    static final String SVG = "image/svg+xml; charset=utf-8";

    static Cached of(int status, String contentType, String cacheControl, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new Cached(status, contentType, cacheControl, bytes, etag(bytes));
    }

    static Cached ok(String contentType, String cacheControl, String body) {
        return of(200, contentType, cacheControl, body);
    }

    /** A strong ETag: the first 128 bits of the body's SHA-256, base64url, quoted. */
    static String etag(byte[] body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return '"' + Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(digest, 16)) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * Whether an If-None-Match header names this response (RFC 9110 13.1.2: weak comparison, a list, or "*"), so the
     * answer is 304 Not Modified.
     */
    boolean notModifiedFor(String ifNoneMatch) {
        if (ifNoneMatch == null || status != 200) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.trim();
            if (t.equals("*")) {
                return true;
            }
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    String text() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
