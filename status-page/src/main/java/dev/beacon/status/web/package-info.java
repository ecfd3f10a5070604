/**
 * The public side of the status page, rendered on the server from one immutable
 * {@link dev.beacon.status.view.StatusView}; no JavaScript, no external assets.
 *
 * <pre>
 *   PublicRoutes.mount(router, () -&gt; currentView);            // or mount(router, view, URI.create("https://status.example.net"))
 * </pre>
 *
 * <table>
 *   <caption>Classes</caption>
 *   <tr><td>PublicRoutes</td><td>the routes; ETag, Cache-Control, 304, HEAD, 404, 503 before the first view</td></tr>
 *   <tr><td>HtmlPage</td><td>GET /: banner, data as of, per component uptime, 90 daily bars, latency, error budget,
 *       incidents, maintenance, the formula</td></tr>
 *   <tr><td>StatuspageApi</td><td>/api/v2/*.json in Atlassian Statuspage's shape (and the Status to component enum rule)</td></tr>
 *   <tr><td>UptimeApi</td><td>/api/v1/uptime/{component}/{window}</td></tr>
 *   <tr><td>AtomFeed</td><td>/history.atom</td></tr>
 *   <tr><td>Badge</td><td>/badge/status.svg, /badge/uptime/{component}.svg</td></tr>
 *   <tr><td>Cached</td><td>a rendered response: body, type, Cache-Control, ETag</td></tr>
 *   <tr><td>Palette</td><td>light and dark colours with their contrast ratios</td></tr>
 *   <tr><td>Escape, Wording</td><td>escaping of every view string; how numbers, times and states read</td></tr>
 * </table>
 *
 * Depends on the view, the uptime records and the store's enums, Vert.x Web and Jackson; never on the store or the prober.
 */
package dev.beacon.status.web;
