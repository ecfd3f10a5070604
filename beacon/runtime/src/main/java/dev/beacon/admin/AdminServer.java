package dev.beacon.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin port, separate from the relay port: {@code /healthz} (the process is alive), {@code /readyz}
 * (it should get traffic), {@code /metrics} (Prometheus), and JSON views of the node's state.
 */
public final class AdminServer implements AutoCloseable {
    private final Vertx vertx;
    private final HttpServer server;

    public AdminServer(String host, int port, PrometheusMeterRegistry metrics, BooleanSupplier ready,
                       Supplier<String> notReadyReason, Map<String, Supplier<Object>> views) {
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
        Router router = Router.router(vertx);
        router.get("/healthz").handler(rc -> rc.response().putHeader("content-type", "text/plain").end("ok\n"));
        router.get("/readyz").handler(rc -> {
            if (ready.getAsBoolean()) {
                rc.response().putHeader("content-type", "text/plain").end("ready\n");
            } else {
                rc.response().setStatusCode(503).putHeader("content-type", "text/plain").end("not ready: " + notReadyReason.get() + "\n");
            }
        });
        router.get("/metrics").handler(rc -> rc.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        views.forEach((path, view) -> router.get(path).handler(rc -> rc.response()
                .putHeader("content-type", "application/json").end(Json.encodePrettily(view.get()) + "\n")));
        try {
            this.server = vertx.createHttpServer().requestHandler(router).listen(port, host).await();
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("cannot listen on admin address " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        try {
            vertx.close().await();
        } catch (Exception ignored) {
            // shutting down anyway
        }
    }
}
