package dev.beacon.status.probe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET <admin>/readyz} on a node's admin port: 200 is up, anything else is "/readyz answered 503" (the
 * node says it should get no traffic: draining, or not yet started). The body is not read beyond discarding it.
 */
final class ReadyzProbe implements Probe {
    private final String node;
    private final URI readyz;
    private final HttpClient http;

    ReadyzProbe(String node, URI admin, HttpClient http) {
        this.node = node;
        this.readyz = admin.resolve("/readyz");
        this.http = http;
    }

    @Override
    public String component() {
        return "node/" + node + "/readyz";
    }

    @Override
    public CompletableFuture<Void> attempt(Duration timeout) {
        HttpRequest get = HttpRequest.newBuilder(readyz).timeout(timeout).GET().build();
        CompletableFuture<HttpResponse<Void>> sent = http.sendAsync(get, HttpResponse.BodyHandlers.discarding());
        CompletableFuture<Void> done = sent.thenCompose(r -> r.statusCode() == 200 ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(new ProbeFailure("/readyz answered " + r.statusCode())));
        done.whenComplete((ok, e) -> sent.cancel(true)); // a deadline from the Prober abandons the exchange
        return done;
    }
}
