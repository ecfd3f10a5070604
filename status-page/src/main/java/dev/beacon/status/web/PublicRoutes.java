package dev.beacon.status.web;

import dev.beacon.status.view.StatusView;
import io.vertx.ext.web.Router;
import java.util.function.Supplier;

/**
 * The public side of the status page on a Vert.x router: the HTML page, the Statuspage-shaped JSON API, the Atom
 * feed and the badges, all rendered from the current {@link StatusView}.
 */
public final class PublicRoutes {
    private PublicRoutes() {
    }

    /** Mounts every public route on {@code router}; {@code view} is asked once per request and never blocks. */
    public static void mount(Router router, Supplier<StatusView> view) {
        // being built: the page and the API are rendered here
    }
}
