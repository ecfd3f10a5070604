package dev.beacon.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Builds the beacon image for real and runs it: {@code k8s/images/build.sh --only beacon} with podman (installed with
 * apt-get by k8s/scripts/install-podman.sh when missing; the base image debootstrapped when missing). The script's
 * checks are the assertions: {@code --help} as UID 10001 on a read-only root exits 0, the image's CDS archive maps
 * with {@code -Xshare:on}, and a node from the image answers /readyz 200 on epoll with BoringSSL.
 *
 * <p>Measured on the 2-core CI machine: about 40 s to install podman, 35-95 s to make the base image, 8-16 s to build,
 * about 10 s of checks, so under 3 minutes from nothing and about 30 s once podman and the base image are there.
 * Needs root on Linux (rootful podman, debootstrap); skipped otherwise, and with {@code -Dk8s.images.skip=true}.
 * Its image gets a tag of its own and is removed afterwards (the base image is kept for the next run).
 */
class ImageBuildIT {

    @Test
    void beaconImageBuildsAndRuns() throws IOException, InterruptedException {
        assumeFalse(Boolean.getBoolean("k8s.images.skip"), "-Dk8s.images.skip=true");
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "needs Linux");
        assumeTrue(isRoot(), "needs root (rootful podman, debootstrap): run k8s/images/build.sh as root instead");
        Path root = Path.of("").toAbsolutePath();
        while (!Files.isRegularFile(root.resolve("k8s/images/build.sh"))) {
            root = root.getParent();
        }
        String tag = "it-" + ProcessHandle.current().pid();
        Path log = root.resolve("k8s/target/image-build-it.log");
        Files.createDirectories(log.getParent());
        long t0 = System.nanoTime();
        Process build = new ProcessBuilder(List.of("bash", "k8s/images/build.sh", "--only", "beacon", "--tag", tag))
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = build.waitFor(10, TimeUnit.MINUTES);
        if (!finished) {
            build.destroyForcibly();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        String out = Files.readString(log);
        try {
            assertTrue(finished, "build.sh did not finish within 10 minutes; its output (" + log + "):\n" + tail(out));
            assertEquals(0, build.exitValue(), "build.sh failed; its output (" + log + "):\n" + tail(out));
            assertTrue(out.contains("check beacon: --help as 10001 on a read-only root: exit 0"), tail(out));
            assertTrue(out.contains("dynamic regions of /opt/beacon/beacon.jsa mapped"), tail(out));
            assertTrue(out.contains("answered /readyz 200") && out.contains("transport=epoll tls=OPENSSL"), tail(out));
            System.out.println("ImageBuildIT: built and checked localhost/beacon/beacon:" + tag + " in " + took.toSeconds() + " s");
        } finally {
            new ProcessBuilder("podman", "--runtime", "runc", "rmi", "-f", "localhost/beacon/beacon:" + tag)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static boolean isRoot() throws IOException, InterruptedException {
        Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
        String uid = new String(id.getInputStream().readAllBytes()).strip();
        return id.waitFor() == 0 && uid.equals("0");
    }

    private static String tail(String out) {
        String[] lines = out.split("\n");
        return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 40), lines.length));
    }
}
