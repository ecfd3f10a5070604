package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.config.ConfigLoader;
import dev.beacon.runtime.Metrics;
import dev.beacon.status.Status;
import dev.beacon.status.service.StatusPageConfig;
import dev.beacon.status.service.StatusPageService;
import dev.beacon.status.store.Impact;
import dev.beacon.status.store.Incident;
import dev.beacon.status.store.IncidentStatus;
import dev.beacon.status.store.IncidentUpdate;
import dev.beacon.status.store.Store;
import dev.beacon.status.store.StoredResult;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The status page in a real headless Chromium (Debian's, installed by scripts/install-chromium.sh), as a visitor sees
 * it: three beacon nodes as processes, the status page in-process probing them every 2 s (TLS and /readyz of each
 * node, the canary through node na), over 89 days of recorded history plus today.
 *
 * <p>The tests run in order on one cluster and one page: the page as it loads, a bar's tooltip, node nc killed with
 * SIGKILL and seen down, dark mode, no JavaScript, and last the incident the probes open after two down minutes (the
 * only slow step: a minute is judged one minute after it ends, so it comes 2 to 3 minutes after the kill).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusPageBrowserIT {
    private static final String TENANT = "statuspage";
    private static final String CANARY = "canary";
    private static final String LOCATION = "lab";
    private static final Path SCREENSHOTS = Path.of("target/status-page-screenshots").toAbsolutePath();
    /** The picture in the docs, from the repository root (failsafe runs in beacon/system-tests). */
    private static final Path DOCS_IMAGE = Path.of("../../docs/images/status-page.png").toAbsolutePath().normalize();
    private static final List<String> NODES = List.of("na", "nb", "nc");
    private static final Duration PAGE_WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private ClusterHarness cluster;
    private StatusPageService page;
    private ChromeDriver chromium;
    private ChromeDriver noScript;
    private String url;
    private LocalDate today;
    private Instant killedAt;

    @BeforeAll
    void start() throws Exception {
        HeadlessChromium.install();
        cluster = new ClusterHarness(dir.resolve("cluster"), 3);
        Path data = dir.resolve("status");
        today = LocalDate.now(ZoneOffset.UTC);
        CompletableFuture<Void> seeded = CompletableFuture.runAsync(() -> History.seed(data, today));
        cluster.startAll();
        seeded.join();
        page = new StatusPageService(config(data), Metrics.registry(), Clock.systemUTC()).start();
        url = "http://127.0.0.1:" + page.publicPort() + "/";
        // before its first view the page answers 503, which the browser would rightly log as an error
        Await.until("the status page's first view", PAGE_WAIT, () -> page.view() != null);
        chromium = HeadlessChromium.start(dir.resolve("chromium"), true);
        noScript = HeadlessChromium.start(dir.resolve("chromium-noscript"), false);
    }

    @AfterAll
    void stop() throws Exception {
        HeadlessChromium.quit(chromium, dir.resolve("chromium"));
        HeadlessChromium.quit(noScript, dir.resolve("chromium-noscript"));
        if (page != null) page.close();
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void thePageLoadsWithoutConsoleErrorsAndShowsNinetyColouredBarsPerComponent() throws Exception {
        reloadUntil(chromium, "every component operational", d -> NODES.stream().allMatch(n ->
                state(d, "node/" + n + "/tls").equals("Operational") && state(d, "node/" + n + "/readyz").equals("Operational"))
                && state(d, "canary").equals("Operational"));
        assertEquals("All systems operational", chromium.findElement(By.cssSelector(".banner")).getText());
        assertEquals(List.of(), HeadlessChromium.consoleErrors(chromium), "console errors");

        List<WebElement> components = chromium.findElements(By.cssSelector("article.component"));
        assertEquals(8, components.size(), "the service and 7 components (TLS and readiness of 3 nodes, the canary)");
        for (WebElement c : components) {
            assertEquals(90, c.findElements(By.cssSelector("svg rect.bar")).size(), "bars of " + c.getAttribute("id"));
        }
        // the colours follow the recorded history
        assertEquals("b-major", barClass("node/nb/tls", 40), "55 min down of 1440: 96.18%");
        assertEquals("b-down", barClass("canary", 5), "81 min down: 94.37%");
        assertEquals("b-minor", barClass("canary", 61), "12 min down: 99.16%");
        assertEquals("b-up", barClass("node/na/readyz", 17), "degraded minutes count as good");
        assertEquals("b-nodata", barClass("node/nc/tls", 85), "nc joined 80 days ago");
        assertEquals("b-up", barClass("node/nc/tls", 79));
        assertEquals("b-major", barClass("service", 40), "the service is down when any component is");
        // each node's certificate expiry, as its TLS probe saw it in the handshake
        for (int i = 0; i < NODES.size(); i++) {
            long days = Duration.between(Instant.now(), cluster.node(i).certificateNotAfter()).toDays();
            String tls = "node/" + NODES.get(i) + "/tls";
            reloadUntil(chromium, "the certificate expiry of " + tls, d -> !d.findElements(
                    By.cssSelector("[id='component-" + tls + "'] p.certificate")).isEmpty());
            String shown = component(tls).findElement(By.cssSelector("p.certificate")).getText();
            assertTrue(shown.startsWith("Certificate valid until ") && shown.endsWith("(" + days + " days)."), shown);
        }
        long size = HeadlessChromium.screenshot(chromium, SCREENSHOTS.resolve("status-page-light.png"), Integer.MAX_VALUE);
        assertTrue(size > 10_000, "a light screenshot of " + size + " bytes");
    }

    @Test
    @Order(2)
    void aBarsTooltipReadsAsItsDateItsUptimeAndItsMinutesDown() {
        chromium.get(url);
        LocalDate day = today.minusDays(40);
        String expected = day + " (" + day.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH) + "): 96.18% uptime, "
                + "55 min down; incidents: " + History.NB_INCIDENT;
        WebElement bar = bar("node/nb/tls", 40);
        assertEquals(expected, bar.findElement(By.tagName("title")).getDomProperty("textContent"), "the SVG tooltip");
        // the same words for a screen reader, in the day-by-day list under the bars
        List<WebElement> items = component("node/nb/tls").findElements(By.cssSelector("ol.daylist li"));
        assertEquals(90, items.size());
        assertEquals(expected, items.get(89 - 40).getDomProperty("textContent"));
        String todayTip = bar("node/na/tls", 0).findElement(By.tagName("title")).getDomProperty("textContent");
        assertTrue(todayTip.startsWith(today + " ("), todayTip);
        assertTrue(todayTip.contains("% uptime, 0 min down"), todayTip);
    }

    @Test
    @Order(3)
    void aNodeKilledWithSigkillShowsDownOnTheReloadedPage() throws Exception {
        NodeProcess nc = cluster.node(2);
        killedAt = Instant.now();
        nc.kill9();
        reloadUntil(chromium, "node nc's TLS and readiness down", d ->
                state(d, "node/nc/tls").equals("Down") && state(d, "node/nc/readyz").equals("Down"));
        assertEquals("connection refused", reason("node/nc/tls"));
        for (String n : List.of("na", "nb")) {
            assertEquals("Operational", state(chromium, "node/" + n + "/tls"), n);
            assertEquals("Operational", state(chromium, "node/" + n + "/readyz"), n);
        }
        assertEquals("Partial outage", chromium.findElement(By.cssSelector(".banner")).getText());
        assertEquals("Partial outage", state(chromium, "service"), "the service's row says what the banner says");
        assertEquals(List.of(), HeadlessChromium.consoleErrors(chromium), "console errors");
    }

    @Test
    @Order(4)
    void inDarkModeTheBodyIsDarkAndItsTextLight() throws Exception {
        double[] lightBg = rgb(chromium.findElement(By.tagName("body")).getCssValue("background-color"));
        HeadlessChromium.colorScheme(chromium, "dark");
        try {
            chromium.get(url);
            WebElement body = chromium.findElement(By.tagName("body"));
            double[] bg = rgb(body.getCssValue("background-color"));
            double[] text = rgb(body.getCssValue("color"));
            assertTrue(luminance(lightBg) > 0.8, "light mode background " + body.getCssValue("background-color"));
            assertTrue(luminance(bg) < 0.1, "dark mode background is dark: " + body.getCssValue("background-color"));
            assertTrue(contrast(text, bg) >= 7, "body text on the dark background, contrast " + contrast(text, bg));
            assertEquals(90, chromium.findElements(By.cssSelector("#component-canary rect.bar")).size());
            assertEquals(List.of(), HeadlessChromium.consoleErrors(chromium), "console errors");
            HeadlessChromium.screenshot(chromium, SCREENSHOTS.resolve("status-page-dark.png"), Integer.MAX_VALUE);
        } finally {
            HeadlessChromium.colorScheme(chromium, "light");
        }
    }

    @Test
    @Order(5)
    void withJavaScriptOffThePageStillShowsTheBannerAndTheBars() {
        noScript.get("data:text/html,<title>script off</title><script>document.title='script ran'</script>");
        assertEquals("script off", noScript.getTitle(), "this browser really runs no script");
        noScript.get(url);
        assertEquals("Partial outage", noScript.findElement(By.cssSelector(".banner")).getText());
        assertEquals(8 * 90, noScript.findElements(By.cssSelector("article.component svg rect.bar")).size());
        WebElement svg = noScript.findElement(By.cssSelector("#component-canary svg"));
        assertTrue(svg.getSize().getWidth() > 400 && svg.getSize().getHeight() >= 20, "the bars are drawn: " + svg.getSize());
        assertEquals("Down", noScript.findElement(By.cssSelector("[id='component-node/nc/tls'] .state")).getText());
        assertEquals(List.of(), HeadlessChromium.consoleErrors(noScript), "console errors");
    }

    @Test
    @Order(6)
    void twoDownMinutesAfterTheKillAnIncidentIsInTheList() throws Exception {
        assertNotEquals(null, killedAt, "node nc was killed");
        String title = "Node nc: TLS handshake is down";
        // a minute is judged one minute after it ends: the kill minute and the next, judged by the start of the third
        Duration wait = Duration.between(Instant.now(), killedAt.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(3)))
                .plus(PAGE_WAIT);
        reloadUntil(chromium, "an incident '" + title + "' (killed at " + killedAt + ")", wait, d -> d.findElements(
                By.xpath("//section[h2[@id='active-h']]//article[contains(@class,'incident')]/h3")).stream()
                .anyMatch(h -> h.getText().equals(title)));
        WebElement active = chromium.findElement(By.xpath("//section[h2[@id='active-h']]//article[h3='" + title + "']"));
        String meta = active.findElement(By.cssSelector(".meta")).getText();
        assertTrue(meta.contains("Impact: Major"), meta);
        assertTrue(meta.contains("Status: Investigating"), meta);
        assertTrue(meta.contains("Opened automatically by the probes"), meta);
        List<String> history = chromium.findElements(By.xpath("//section[h2[@id='history-h']]//article/h3")).stream()
                .map(WebElement::getText).toList();
        assertTrue(history.contains(title), "incident history: " + history);
        assertTrue(history.contains(History.NB_INCIDENT), "incident history: " + history);
        assertFalse(history.stream().anyMatch(h -> h.startsWith("Node na") || h.startsWith("Node nb:")), "healthy nodes: " + history);
        assertEquals(List.of(), HeadlessChromium.consoleErrors(chromium), "console errors");
        HeadlessChromium.screenshot(chromium, SCREENSHOTS.resolve("status-page-incident.png"), Integer.MAX_VALUE);
        // for the docs: the top of the page (banner, active incidents, the first components), small enough to commit
        Path top = SCREENSHOTS.resolve("status-page-top.png");
        long size = HeadlessChromium.screenshot(chromium, top, 1600);
        assertTrue(size < 300_000, "the docs picture is " + size + " bytes");
        // the copy in docs/ changes only on request, so a test run leaves the work tree as it found it
        if (Boolean.getBoolean("status.screenshot.docs") && Files.isDirectory(DOCS_IMAGE.getParent().getParent())) {
            Files.createDirectories(DOCS_IMAGE.getParent());
            Files.copy(top, DOCS_IMAGE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    // ---- the page ----

    private WebElement component(String id) {
        return chromium.findElement(By.id("component-" + id));
    }

    private static String state(ChromeDriver d, String component) {
        List<WebElement> s = d.findElements(By.cssSelector("[id='component-" + component + "'] .state"));
        return s.isEmpty() ? "(absent)" : s.get(0).getText();
    }

    private String reason(String component) {
        return component(component).findElement(By.cssSelector(".reason")).getText();
    }

    /** The bar of {@code daysAgo} (0: today) of a component. */
    private WebElement bar(String component, int daysAgo) {
        return component(component).findElements(By.cssSelector("svg rect.bar")).get(89 - daysAgo);
    }

    private String barClass(String component, int daysAgo) {
        return bar(component, daysAgo).getAttribute("class").replace("bar", "").trim();
    }

    private void reloadUntil(ChromeDriver d, String what, Predicate<ChromeDriver> condition) {
        reloadUntil(d, what, PAGE_WAIT, condition);
    }

    /**
     * Reloads the page at most twice a second until the condition holds; the deadline fails the test. A reload, as a
     * visitor's, revalidates: opening the address again would show the browser's copy for up to max-age (30 s).
     */
    private void reloadUntil(ChromeDriver d, String what, Duration timeout, Predicate<ChromeDriver> condition) {
        long[] last = {0};
        Await.until(what, timeout, () -> {
            if (System.nanoTime() - last[0] < 500_000_000L) return false;
            last[0] = System.nanoTime();
            if (url.equals(d.getCurrentUrl())) d.navigate().refresh();
            else d.get(url);
            return condition.test(d);
        });
    }

    // ---- colours ----

    /** "rgba(12, 34, 56, 1)" or "rgb(12, 34, 56)" as sRGB 0..1. */
    static double[] rgb(String css) {
        String[] p = css.replaceAll("[^0-9.,]", "").split(",");
        return new double[] {Double.parseDouble(p[0]) / 255, Double.parseDouble(p[1]) / 255, Double.parseDouble(p[2]) / 255};
    }

    /** WCAG relative luminance. */
    static double luminance(double[] c) {
        double[] l = new double[3];
        for (int i = 0; i < 3; i++) l[i] = c[i] <= 0.03928 ? c[i] / 12.92 : Math.pow((c[i] + 0.055) / 1.055, 2.4);
        return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
    }

    static double contrast(double[] a, double[] b) {
        double x = luminance(a);
        double y = luminance(b);
        return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
    }

    // ---- the status page ----

    private StatusPageConfig config(Path data) {
        TlsFiles wrapper = cluster.pki.wrapper(TENANT, "status-page");
        TlsFiles innerWrapper = cluster.pki.innerWrapper(TENANT, "status-page");
        TlsFiles bridge = cluster.pki.bridge(TENANT, CANARY);
        TlsFiles innerBridge = cluster.pki.innerBridge(TENANT, CANARY);
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < NODES.size(); i++) {
            NodeProcess n = cluster.node(i);
            nodes.add(NODES.get(i) + " " + n.relay() + " http://127.0.0.1:" + n.adminPort);
        }
        Map<String, String> set = new LinkedHashMap<>();
        set.put("location", LOCATION);
        set.put("title", "Beacon status");
        set.put("dataDir", data.toString());
        set.put("listen.host", "127.0.0.1");
        set.put("listen.port", "0");
        set.put("admin.port", "0");
        set.put("admin.api", "false");
        set.put("refreshInterval", "1s");
        set.put("probes.nodes", String.join(",", nodes));
        set.put("probes.canary.publicAddress", cluster.node(0).relay());
        set.put("probes.canary.bridge", CANARY);
        set.put("probes.interval", "2s");
        set.put("probes.timeout", "800ms");
        set.put("probes.retryDelay", "200ms");
        set.put("incidents.openAfter", "2");
        certificate(set, "probes.wrapper", wrapper);
        certificate(set, "probes.innerWrapper", innerWrapper);
        certificate(set, "probes.bridge", bridge);
        certificate(set, "probes.innerBridge", innerBridge);
        return ConfigLoader.load(StatusPageConfig.class, null, "STATUS", Map.of(), set);
    }

    private static void certificate(Map<String, String> set, String key, TlsFiles f) {
        set.put(key + ".cert", f.cert().toString());
        set.put(key + ".key", f.key().toString());
        set.put(key + ".ca", f.ca().toString());
    }

    /**
     * 89 past days and today up to now, one result per component per minute, written through {@link Store#record} as
     * the prober writes them: mostly up, with a few outages whose bars and tooltips the tests know, and node nc only for
     * the last 80 days.
     */
    static final class History {
        static final String NB_INCIDENT = "Node nb unreachable after a network change";
        static final String CANARY_INCIDENT = "Streams failing through the relay";

        static void seed(Path dataDir, LocalDate today) {
            Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
            long t0 = System.nanoTime();
            int written = 0;
            try (Store store = Store.open(Store.h2Url(dataDir), "", "")) {
                for (int ago = 89; ago >= 0; ago--) {
                    LocalDate day = today.minusDays(ago);
                    Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
                    List<StoredResult> batch = new ArrayList<>();
                    for (int m = 0; m < 1440; m++) {
                        Instant at = start.plus(Duration.ofMinutes(m)).plusSeconds(10);
                        if (!at.isBefore(end)) break;
                        for (String node : NODES) {
                            if (node.equals("nc") && ago >= 80) continue;
                            for (String probe : List.of("tls", "readyz")) {
                                String c = "node/" + node + "/" + probe;
                                batch.add(result(c, at, status(c, ago, m), 3 + (m * 7 + ago) % 9));
                            }
                        }
                        batch.add(result("canary", at, status("canary", ago, m), 18 + (m * 13 + ago) % 25));
                    }
                    store.record(batch);
                    written += batch.size();
                }
                Instant nb = today.minusDays(40).atStartOfDay(ZoneOffset.UTC).toInstant();
                past(store, "node/nb/tls", NB_INCIDENT, nb.plus(Duration.ofMinutes(130)), nb.plus(Duration.ofMinutes(185)));
                Instant canary = today.minusDays(5).atStartOfDay(ZoneOffset.UTC).toInstant();
                past(store, "canary", CANARY_INCIDENT, canary.plus(Duration.ofMinutes(720)), canary.plus(Duration.ofMinutes(801)));
            }
            System.out.printf("seeded %d results over 90 days in %d ms%n", written, (System.nanoTime() - t0) / 1_000_000);
        }

        private static Status status(String component, int ago, int minute) {
            boolean down = switch (component) {
                case "node/nb/tls", "node/nb/readyz" -> ago == 40 && minute >= 130 && minute < 185; // 55 min
                case "canary" -> ago == 61 && minute >= 600 && minute < 612                         // 12 min
                        || ago == 5 && minute >= 720 && minute < 801;                                // 81 min
                default -> false;
            };
            if (down) return Status.DOWN;
            if (component.equals("node/na/readyz") && ago == 17 && minute >= 300 && minute < 360) return Status.DEGRADED;
            return Status.UP;
        }

        private static StoredResult result(String component, Instant at, Status s, int latencyMs) {
            String reason = s == Status.DOWN ? (component.equals("canary") ? "no bridge for canary" : "connection refused")
                    : s == Status.DEGRADED ? "answered in 1.4 s" : null;
            return new StoredResult(LOCATION, component, at, s, s == Status.DOWN ? null : s == Status.DEGRADED ? 1400 : latencyMs, reason);
        }

        private static void past(Store store, String component, String title, Instant from, Instant to) {
            Incident i = store.createIncident(new Incident(0, Set.of(component), title, IncidentStatus.INVESTIGATING, Impact.MAJOR,
                    from, null, false, List.of(new IncidentUpdate(0, 0, IncidentStatus.INVESTIGATING,
                    "We are looking into it.", from.plus(Duration.ofMinutes(4))))));
            store.addUpdate(i.id(), IncidentStatus.RESOLVED, "Fixed; the probes have been good since.", to);
        }
    }
}
