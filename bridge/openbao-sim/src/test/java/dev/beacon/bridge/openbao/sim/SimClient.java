package dev.beacon.bridge.openbao.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.tls.JdkTls;
import dev.beacon.tls.Pem;
import dev.beacon.tls.TlsFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;

/** A plain JDK HTTP/1.1 client for the simulator's tests: no redirects followed, short timeouts. */
final class SimClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private final SSLContext ssl;
    private HttpClient client;
    String token;

    SimClient(TlsFiles trust) {
        this.ssl = trust == null ? null : context(trust);
        this.client = build();
    }

    static SSLContext context(TlsFiles trust) {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, JdkTls.trust(Pem.certificates(trust.ca())).getTrustManagers(), null);
            return c;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpClient build() {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(2));
        if (ssl != null) b.sslContext(ssl);
        return b.build();
    }

    /** Drops pooled connections (a new client), e.g. to see "connection refused" rather than a stale socket. */
    SimClient fresh() {
        client = build();
        return this;
    }

    SimClient token(String t) {
        token = t;
        return this;
    }

    record Res(int status, java.net.http.HttpHeaders headers, String body) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            try {
                return JSON.readValue(body, Map.class);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): '" + body + "'", e);
            }
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> data() {
            return (Map<String, Object>) json().get("data");
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> auth() {
            return (Map<String, Object>) json().get("auth");
        }

        String location() {
            return headers.firstValue("Location").orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    Res get(String url) throws IOException, InterruptedException {
        return send("GET", url, null, Duration.ofSeconds(5), Map.of());
    }

    Res head(String url) throws IOException, InterruptedException {
        return send("HEAD", url, null, Duration.ofSeconds(5), Map.of());
    }

    Res post(String url, Object body) throws IOException, InterruptedException {
        return send("POST", url, body, Duration.ofSeconds(5), Map.of());
    }

    Res send(String method, String url, Object body, Duration timeout, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
        if (token != null) b.header("X-Vault-Token", token);
        headers.forEach(b::header);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body)));
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Res(r.statusCode(), r.headers(), r.body());
    }
}
