package dev.beacon.wrapper;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** One HTTP/1.1 request and its response over a stream ({@code Connection: close}). Enough for the Vault API. */
public final class HttpExchange {

    public record Response(int status, String reason, Map<String, String> headers, byte[] body) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private HttpExchange() {
    }

    /**
     * Bodies from this size on are announced with {@code Expect: 100-continue} (as curl does): the bridge answers a
     * request it will refuse (too large, 413; busy, 503) before the body is sent, instead of closing under it.
     */
    static final int EXPECT_CONTINUE_FROM = 1024 * 1024;
    /** How long to wait for "100 Continue" before sending the body anyway (a server that ignores Expect). */
    static final int CONTINUE_WAIT_MS = 1000;

    public static Response send(WrapperStream stream, String method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", "bridge");
        h.put("User-Agent", "beacon-wrapper/" + dev.beacon.protocol.Protocol.VERSION);
        h.put("Connection", "close");
        if (body != null) h.put("Content-Length", Integer.toString(body.length));
        boolean expect = body != null && body.length >= EXPECT_CONTINUE_FROM;
        if (expect) h.put("Expect", "100-continue");
        if (headers != null) h.putAll(headers);
        h.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("\r\n");
        int readTimeoutMs = stream.innerSocket().getSoTimeout();
        try {
            OutputStream out = stream.out();
            InputStream in = new BufferedInputStream(stream.in());
            out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (expect) {
                Response early = awaitContinue(stream, in);
                if (early != null) return early; // refused before the body was sent
            }
            if (body != null) out.write(body);
            out.flush();
            return read(in);
        } catch (java.net.SocketTimeoutException e) {
            // Rule 5: the request may have been applied, so this is not retried here
            if (stream.deadlinePassed()) throw stream.deadlineExceeded("waiting for the HTTP answer; the request was sent, not retried", e);
            java.net.SocketTimeoutException x = new java.net.SocketTimeoutException("no byte from the bridge for "
                    + readTimeoutMs + " ms while exchanging " + method
                    + " (readTimeout; the request was sent, so it is not retried: it may have been applied)");
            x.initCause(e);
            throw x;
        } catch (javax.net.ssl.SSLException | java.net.SocketException e) {
            if (stream.deadlinePassed()) throw stream.deadlineExceeded("waiting for the HTTP answer; the request was sent, not retried", e);
            // In TLS 1.3 the server judges the client certificate after the client's handshake is done, so a
            // bridge's refusal arrives as an alert on the first read, or as a broken pipe if it closed first.
            // Its certificate_expired alert can also lose the race to the reset our write caused (a broken pipe), so
            // an expired inner certificate of ours is named either way, as the outer handshake does (WrapperClient).
            java.util.Optional<String> expired = dev.beacon.tls.TlsErrors.expired(e, "the bridge (inner TLS)")
                    .or(() -> dev.beacon.tls.TlsErrors.ownExpired(stream.innerMaterial(), "the bridge (inner TLS)"));
            if (expired.isPresent()) throw new IOException("the bridge ended the inner TLS session: " + expired.get(), e);
            throw new IOException("the bridge ended the inner TLS session: " + e.getMessage()
                    + " (a certificate_unknown/bad_certificate alert means the bridge refused this wrapper's inner"
                    + " certificate: not issued by the company CA or not on the bridge's allow-list; a broken pipe while"
                    + " sending a body can also be the bridge refusing it mid-way)", e);
        }
    }

    /** After an {@code Expect: 100-continue} head: null to go on with the body, or the final answer that came instead. */
    private static Response awaitContinue(WrapperStream stream, InputStream in) throws IOException {
        java.net.Socket s = stream.innerSocket();
        int timeout = s.getSoTimeout();
        s.setSoTimeout(CONTINUE_WAIT_MS);
        try {
            in.mark(1);
            if (in.read() < 0) throw new IOException("the stream closed before an HTTP response arrived");
            in.reset();
        } catch (java.net.SocketTimeoutException quiet) {
            return null; // a server that does not answer Expect: send the body anyway, as RFC 9110 allows
        } finally {
            s.setSoTimeout(timeout);
        }
        Response r = read(in);
        return r.status() == 100 ? null : r;
    }

    static Response read(InputStream in) throws IOException {
        String status = line(in);
        if (status == null) throw new IOException("the stream closed before an HTTP response arrived");
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("not an HTTP response: " + status);
        int code = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l; (l = line(in)) != null && !l.isEmpty(); ) {
            int c = l.indexOf(':');
            if (c > 0) headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
        }
        byte[] body;
        if (code / 100 == 1 || code == 204 || code == 304) {
            body = new byte[0]; // no body by definition (RFC 9110): reading on would wait for the rest of the exchange
        } else if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            while (true) {
                String size = line(in);
                if (size == null) throw new IOException("stream closed inside a chunked body");
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    while (true) {
                        String t = line(in);
                        if (t == null || t.isEmpty()) break;
                    }
                    break;
                }
                bo.write(in.readNBytes(n));
                line(in);
            }
            body = bo.toByteArray();
        } else if (headers.containsKey("content-length")) {
            int n = Integer.parseInt(headers.get("content-length"));
            body = in.readNBytes(n);
            if (body.length < n) throw new IOException("stream closed after " + body.length + " of " + n + " body bytes");
        } else {
            body = in.readAllBytes();
        }
        return new Response(code, parts.length > 2 ? parts[2] : "", headers, body);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            if (c != '\r') b.write(c);
            if (b.size() > 64 * 1024) throw new IOException("HTTP header line too long");
        }
        if (c < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
