package dev.beacon.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's Chromium driven through Debian's ChromeDriver, headless, as root, on a closed network: the project's own
 * script installs both (scripts/install-chromium.sh), and Selenium is told where they are so it never downloads one.
 */
final class HeadlessChromium {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** The module's install script; failsafe runs tests in the module's directory. */
    static final Path INSTALL_SCRIPT = Path.of(System.getProperty("chromium.install.script", "scripts/install-chromium.sh"))
            .toAbsolutePath().normalize();
    private static boolean installed;

    static {
        // Selenium Manager only runs when a driver or browser path is missing; should it run, it must stay offline
        System.setProperty("SE_OFFLINE", "true");
        System.setProperty("SE_AVOID_STATS", "true");
    }

    private HeadlessChromium() {
    }

    /** Runs the install script once per JVM; fails naming the script and quoting what it said. */
    static synchronized void install() throws IOException, InterruptedException {
        if (installed) return;
        if (!Files.isExecutable(INSTALL_SCRIPT)) throw new AssertionError("cannot run " + INSTALL_SCRIPT + ": missing or not executable");
        Process p = new ProcessBuilder(INSTALL_SCRIPT.toString()).redirectErrorStream(true).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(INSTALL_SCRIPT + " did not finish within 10 minutes:\n" + out);
        }
        if (p.exitValue() != 0 || !Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("Chromium could not be installed by " + INSTALL_SCRIPT + " (exit " + p.exitValue()
                    + "); the browser test needs " + CHROMIUM + " and " + CHROMEDRIVER + ":\n" + out);
        }
        installed = true;
    }

    /**
     * A new headless Chromium with its own empty profile, a 1280-pixel-wide viewport and the console log kept.
     *
     * @param javascript false: the browser runs no script at all (the content setting a user can flip)
     */
    static ChromeDriver start(Path profile, boolean javascript) throws IOException {
        Files.createDirectories(profile);
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        // the flags that keep Chromium off the network it has no access to here (see the machine notes)
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=1280,900");
        if (!javascript) o.setExperimentalOption("prefs", Map.of("profile.managed_default_content_settings.javascript", 2));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(profile.resolveSibling(profile.getFileName() + "-chromedriver.log").toFile())
                .build();
        ChromeDriver d = new ChromeDriver(service, o);
        d.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", 1280, "height", 900,
                "deviceScaleFactor", 1, "mobile", false));
        return d;
    }

    /** Emulates prefers-color-scheme for the pages this driver loads next. */
    static void colorScheme(ChromeDriver d, String scheme) {
        d.executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
    }

    /** Console messages at SEVERE since the last call (reading them clears them). */
    static List<String> consoleErrors(ChromeDriver d) {
        return d.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::toString).toList();
    }

    /** The page from its top, 1280 pixels wide and at most {@code maxHeight} high, as a PNG; returns its size in bytes. */
    static long screenshot(ChromeDriver d, Path file, int maxHeight) throws IOException {
        int height = Math.min(maxHeight, ((Number) d.executeScript("return document.documentElement.scrollHeight")).intValue());
        Map<String, Object> shot = d.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true,
                "clip", Map.of("x", 0, "y", 0, "width", 1280, "height", height, "scale", 1)));
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
        return Files.size(file);
    }

    /**
     * Ends the session and then waits until no Chromium process of that profile is left: ChromeDriver returns from
     * quit while the browser's helper processes may still be writing into the profile, and a profile directory
     * written to during its deletion fails the test's clean-up (seen in CI: "Failed to delete temp directory").
     */
    static void quit(ChromeDriver d, Path profile) throws InterruptedException {
        if (d == null) return;
        try {
            d.quit();
        } catch (RuntimeException e) {
            System.err.println("closing Chromium failed: " + e);
        }
        String flag = "--user-data-dir=" + profile;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<ProcessHandle> left = ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().map(c -> c.contains(flag)).orElse(false)).toList();
            if (left.isEmpty()) return;
            if (System.nanoTime() > deadline) {
                left.forEach(ProcessHandle::destroyForcibly);
                for (ProcessHandle p : left) p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(x -> p).join();
                return;
            }
            CompletableFuture.anyOf(left.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                    .orTimeout(1, TimeUnit.SECONDS).exceptionally(x -> null).join();
        }
    }
}
