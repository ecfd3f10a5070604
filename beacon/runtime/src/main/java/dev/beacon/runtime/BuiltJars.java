package dev.beacon.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where this checkout's runnable jars are (beacon.jar, bridge.jar, openbao-sim.jar), as the build recorded it: local
 * mode starts them as processes. Recorded, not guessed from where the running jar happens to be.
 */
public final class BuiltJars {
    private static final Properties JARS = load();

    private BuiltJars() {
    }

    /** The jar called {@code name} (e.g. "bridge.jar"); a usage error naming the build command when it is not there. */
    public static Path require(String name, String flag) {
        String p = JARS.getProperty(name);
        Path path = p == null ? null : Path.of(p).normalize();
        if (path == null || !Files.isReadable(path)) {
            throw new Cli.UsageException(name + " not found" + (path == null ? "" : " at " + path)
                    + " (build with ./mvnw -B -DskipTests package" + (flag == null ? "" : ", or pass " + flag) + ")");
        }
        return path;
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuiltJars.class.getResourceAsStream("built-jars.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
