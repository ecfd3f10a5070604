package dev.beacon.bridge.openbao;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.beacon.config.Checks;
import dev.beacon.config.ConfigException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The {@code openbao:} block of the bridge's configuration: where the OpenBao nodes are and how to follow their leader. */
public class OpenBaoConfig {
    @JsonPropertyDescription("Every OpenBao node's API address, e.g. https://bao-0.bao-internal:8200 (all of them: the bridge follows the leader)")
    public List<String> addresses = new ArrayList<>();
    @JsonPropertyDescription("Instead of addresses, https://name:8200: every address the name resolves to is a node (a headless service)")
    public String dns = "";
    @JsonPropertyDescription("PEM CA bundle that OpenBao's server certificates chain to; empty uses the JVM's default trust")
    public String ca = "";
    @JsonPropertyDescription("How often every node's /v1/sys/health is polled while a leader is known")
    public Duration healthInterval = Duration.ofSeconds(1);
    @JsonPropertyDescription("How often every node is polled while no leader is known (an election); also the retry backoff")
    public Duration electionPollInterval = Duration.ofMillis(200);
    @JsonPropertyDescription("How long a request is held waiting for a leader (through an election) before the wrapper gets a 503")
    public Duration deadline = Duration.ofSeconds(30);
    @JsonPropertyDescription("One attempt at one node: connect plus response headers; a node that answers nothing in this time is hung")
    public Duration attemptTimeout = Duration.ofSeconds(5);
    /**
     * Largest request body: bodies are kept in memory (to re-send on a redirect or a safe retry), so a larger one gets
     * 413 as soon as its Content-Length, or the bytes counted so far, pass this, and its connection is closed unread.
     * A few MiB, well above any OpenBao payload.
     */
    @JsonPropertyDescription("Largest request body (kept in memory to re-send it); a larger one gets 413")
    public int maxBodyBytes = 4 * 1024 * 1024;
    /**
     * All request bodies held at once, the proxy's memory bound for them (at least maxBodyBytes): a request that would
     * pass it gets a retryable 503 with Retry-After. Its bytes are given back when it is answered or its connection closes.
     */
    @JsonPropertyDescription("All request bodies held at once (at least maxBodyBytes); a request that would pass it gets a retryable 503")
    public long maxBufferedBytes = 64L * 1024 * 1024;
    @JsonPropertyDescription("Pooled HTTP connections per OpenBao node (health polls share them)")
    public int poolSize = 32;

    public boolean enabled() {
        return !addresses.isEmpty() || !dns.isBlank();
    }

    public void validate(String prefix) {
        for (int i = 0; i < addresses.size(); i++) url(prefix + ".addresses[" + i + "]", addresses.get(i));
        if (!dns.isBlank()) url(prefix + ".dns", dns);
        if (!ca.isBlank()) Checks.readableFile(prefix + ".ca", ca);
        Checks.positive(prefix + ".healthInterval", healthInterval);
        Checks.positive(prefix + ".electionPollInterval", electionPollInterval);
        Checks.positive(prefix + ".deadline", deadline);
        Checks.positive(prefix + ".attemptTimeout", attemptTimeout);
        Checks.atLeast(prefix + ".maxBodyBytes", maxBodyBytes, 1024);
        if (maxBufferedBytes < maxBodyBytes) {
            throw new ConfigException(prefix + ".maxBufferedBytes", "must be at least maxBodyBytes (" + maxBodyBytes + "), got " + maxBufferedBytes);
        }
        Checks.atLeast(prefix + ".poolSize", poolSize, 1);
    }

    static URI url(String key, String v) {
        try {
            URI u = new URI(v);
            if (!"https".equals(u.getScheme()) && !"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
                throw new ConfigException(key, "must be http(s)://host:port, got '" + v + "'");
            }
            return u;
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException(key, "not a URL: '" + v + "'");
        }
    }
}
