package dev.beacon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code k8s/validate/validate.mjs} (node, kubernetes-models) on a list of objects. {@link #install()} first runs
 * {@code k8s/scripts/install-validate-deps.sh}, which brings node and the pinned npm packages on a fresh machine.
 */
final class SchemaValidator {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One object's verdict: where it came from, and the validator's errors (empty when valid). */
    record Result(int index, String apiVersion, String kind, String name, List<String> schemas, List<String> errors) {
        boolean valid() {
            return errors.isEmpty();
        }

        String object() {
            return apiVersion + " " + kind + " " + name;
        }
    }

    private static volatile boolean installed;

    private SchemaValidator() {}

    /** {@code k8s/}, from the module directory (Surefire's) or the repository root. */
    static Path moduleDir() {
        for (Path p : List.of(Path.of(""), Path.of("k8s"))) {
            if (Files.isRegularFile(p.resolve("validate/validate.mjs"))) return p.toAbsolutePath().normalize();
        }
        throw new IllegalStateException("no validate/validate.mjs under " + Path.of("").toAbsolutePath());
    }

    /** Installs node (when missing) and the npm packages; idempotent and quick when they are there. */
    static synchronized void install() throws IOException, InterruptedException {
        if (installed) return;
        Path script = moduleDir().resolve("scripts/install-validate-deps.sh");
        Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(script + " did not finish in 10 minutes: " + out);
        }
        if (p.exitValue() != 0) throw new AssertionError(script + " exited " + p.exitValue() + ": " + out);
        installed = true;
    }

    /** The Kubernetes versions validate.mjs has schemas for: the oldest and the newest this project supports. */
    static final List<String> KUBERNETES = List.of("1.25", "1.36");

    /** Validates every object against both Kubernetes versions; one result per object, in order. */
    static List<Result> validate(List<JsonNode> objects) throws IOException, InterruptedException {
        return validate(objects, null);
    }

    /** As {@link #validate(List)}, built-in kinds against one Kubernetes version ({@link #KUBERNETES}) only. */
    static List<Result> validate(List<JsonNode> objects, String kubernetes) throws IOException, InterruptedException {
        install();
        Path in = Files.createTempFile("objects", ".json");
        try {
            JSON.writeValue(in.toFile(), objects);
            List<String> cmd = new ArrayList<>(List.of("node", moduleDir().resolve("validate/validate.mjs").toString(), "--json"));
            if (kubernetes != null) cmd.add("--kubernetes=" + kubernetes);
            cmd.add(in.toString());
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("validate.mjs did not finish: " + err);
            }
            if (p.exitValue() > 1) throw new AssertionError("validate.mjs failed (exit " + p.exitValue() + "): " + err + out);
            List<Result> results = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (line.isBlank()) continue;
                JsonNode r = JSON.readTree(line);
                List<String> schemas = new ArrayList<>();
                r.path("schemas").forEach(s -> schemas.add(s.asText()));
                List<String> errors = new ArrayList<>();
                r.path("errors").forEach(e -> errors.add(e.asText()));
                results.add(new Result(r.path("index").asInt(), r.path("apiVersion").asText(), r.path("kind").asText(),
                        r.path("name").asText(), schemas, errors));
            }
            if (results.size() != objects.size()) {
                throw new AssertionError("validate.mjs answered for " + results.size() + " of " + objects.size() + " objects: " + err + out);
            }
            boolean anyInvalid = results.stream().anyMatch(r -> !r.valid());
            if (anyInvalid != (p.exitValue() == 1)) throw new AssertionError("validate.mjs exit " + p.exitValue() + " disagrees with: " + out);
            return results;
        } finally {
            Files.deleteIfExists(in);
        }
    }
}
