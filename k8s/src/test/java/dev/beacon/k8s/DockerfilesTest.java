package dev.beacon.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Element;

/**
 * The rules the images' Dockerfiles (k8s/images/NAME/Dockerfile) must keep, checked by reading them: no Docker or
 * podman needed, so it runs in the default suite. Building and running the images is k8s/images/build.sh
 * (k8s/images/README.md says why that is not a test here).
 *
 * <p>What the charts rely on: the jar at /opt/beacon/NAME.jar, UID/GID 10001, an exec-form {@code java ... -jar
 * /opt/beacon/NAME.jar} ENTRYPOINT whose CMD is the subcommand (so a pod's {@code args:} replace only the CMD).
 */
class DockerfilesTest {

    private static final Path ROOT = repoRoot();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An image: its Dockerfile folder, the Maven module whose runnable jar it ships, the subcommand it runs, its ports. */
    record Image(String name, String module, String subcommand, List<String> ports) {
        Path dockerfile() {
            return ROOT.resolve("k8s/images").resolve(name).resolve("Dockerfile");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> images() {
        return Stream.of(
                        new Image("beacon", "beacon", "server", List.of("8443", "9090", "7946")),
                        new Image("bridge", "bridge", "run", List.of("9091")),
                        new Image("status-page", "status-page", "serve", List.of("8080", "8081")))
                .map(Arguments::of);
    }

    // ---- rules ----

    @ParameterizedTest(name = "{0}: multi-stage, a named build stage first, both on the same BASE_IMAGE")
    @MethodSource("images")
    void multiStageOnOneBase(Image image) throws IOException {
        Dockerfile df = Dockerfile.read(image.dockerfile());
        List<Instruction> froms = df.all("FROM");
        assertTrue(froms.size() >= 2, "at least two FROM (a build stage and the runtime stage): " + froms);
        assertTrue(froms.get(0).args().matches("(?i)\\$\\{BASE_IMAGE}\\s+AS\\s+cds"), "first stage: FROM ${BASE_IMAGE} AS cds, is " + froms.get(0));
        // a CDS archive maps only into the JVM build that wrote it: both stages must run the same java
        for (Instruction from : froms) {
            assertTrue(from.args().startsWith("${BASE_IMAGE}"), "every stage FROM ${BASE_IMAGE} (same JVM as the archive's): " + from);
        }
        assertTrue(df.globalArg("BASE_IMAGE") != null, "ARG BASE_IMAGE=... before the first FROM (overridable base)");
    }

    @ParameterizedTest(name = "{0}: no latest tag, no untagged base")
    @MethodSource("images")
    void noLatestTags(Image image) throws IOException {
        Dockerfile df = Dockerfile.read(image.dockerfile());
        String base = df.globalArg("BASE_IMAGE");
        assertNotNull(base, "ARG BASE_IMAGE has a default");
        assertTrue(base.matches("[\\w./-]+:[\\w.-]+(@sha256:[0-9a-f]{64})?"), "BASE_IMAGE default has an explicit tag: " + base);
        for (Instruction i : df.instructions()) {
            assertFalse(i.args().toLowerCase(Locale.ROOT).matches("(?s).*:latest\\b.*"), "no :latest anywhere: " + i);
        }
    }

    @ParameterizedTest(name = "{0}: no ADD of URLs (nothing fetched at build time)")
    @MethodSource("images")
    void noAddOfUrls(Image image) throws IOException {
        for (Instruction add : Dockerfile.read(image.dockerfile()).all("ADD")) {
            assertFalse(add.args().matches("(?is).*\\b(https?|ftp)://.*"), "ADD of a URL: " + add);
        }
    }

    @ParameterizedTest(name = "{0}: the final USER is numeric 10001:10001 (not root)")
    @MethodSource("images")
    void finalUserIsNumericNonRoot(Image image) throws IOException {
        List<Instruction> users = Dockerfile.read(image.dockerfile()).finalStage("USER");
        assertFalse(users.isEmpty(), "the runtime stage sets USER");
        assertEquals("10001:10001", users.get(users.size() - 1).args(), "numeric UID:GID, so runAsNonRoot can verify it");
    }

    @ParameterizedTest(name = "{0}: the jar copied is the one the module's build produces (its jar.name)")
    @MethodSource("images")
    void jarIsTheBuiltOne(Image image) throws Exception {
        String jarName = jarName(image.module());
        assertEquals(image.name(), jarName, "image " + image.name() + " ships " + jarName + ".jar");
        String source = image.module() + "/target/" + jarName + ".jar";
        Dockerfile df = Dockerfile.read(image.dockerfile());
        List<Instruction> copies = df.stage(0, "COPY");
        assertTrue(copies.stream().anyMatch(c -> c.args().equals(source + " /opt/beacon/" + jarName + ".jar")),
                "the cds stage copies " + source + " to /opt/beacon/" + jarName + ".jar: " + copies);
        // the runtime stage takes the jar and the archive from the cds stage (same bytes, same mtime as recorded)
        assertTrue(df.finalStage("COPY").stream().anyMatch(c -> c.args().equals(
                        "--from=cds /opt/beacon/" + jarName + ".jar /opt/beacon/" + jarName + ".jsa /opt/beacon/")),
                "the runtime stage copies the jar and its archive from the cds stage");
        // nothing else of the build (beacon.jar as a training tool) reaches the runtime stage
        for (Instruction c : df.finalStage("COPY")) {
            assertTrue(c.args().startsWith("--from=cds /opt/beacon/"), "runtime stage copies only /opt/beacon from cds: " + c);
        }
    }

    @ParameterizedTest(name = "{0}: the context sent is only what the COPYs take (Dockerfile.dockerignore)")
    @MethodSource("images")
    void dockerignoreLetsThroughExactlyTheCopiedFiles(Image image) throws IOException {
        Path ignore = image.dockerfile().resolveSibling("Dockerfile.dockerignore");
        List<String> rules = Files.readAllLines(ignore).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertEquals("*", rules.get(0), "everything excluded first");
        List<String> allowed = rules.stream().skip(1).map(r -> {
            assertTrue(r.startsWith("!"), "after *, only exceptions: " + r);
            return r.substring(1);
        }).sorted().toList();
        List<String> copied = Dockerfile.read(image.dockerfile()).all("COPY").stream()
                .filter(c -> !c.args().startsWith("--from=")).map(c -> c.args().split(" ")[0]).distinct().sorted().toList();
        assertEquals(copied, allowed, "the dockerignore lets through exactly the files COPY takes from the context");
    }

    @ParameterizedTest(name = "{0}: a CDS archive is created in the build stage and used at runtime")
    @MethodSource("images")
    void cdsArchiveCreatedThenUsed(Image image) throws IOException {
        Dockerfile df = Dockerfile.read(image.dockerfile());
        List<Instruction> runs = df.stage(0, "RUN");
        assertTrue(runs.stream().anyMatch(r -> r.args().startsWith("bash /train/cds-train.sh " + image.name() + " ")),
                "the cds stage runs cds-train.sh " + image.name() + ": " + runs);
        String script = Files.readString(ROOT.resolve("k8s/images/cds-train.sh"));
        assertTrue(script.contains("jsa=/opt/beacon/$name.jsa") && script.contains("-XX:ArchiveClassesAtExit=\"$jsa\""),
                "cds-train.sh records /opt/beacon/NAME.jsa with -XX:ArchiveClassesAtExit");
        assertTrue(script.contains("kill -TERM"), "cds-train.sh stops the service with SIGTERM (the archive is written at exit)");
        assertTrue(df.stage(0, "COPY").stream().anyMatch(c -> c.args().equals("k8s/images/cds-train.sh /train/cds-train.sh")),
                "the cds stage copies the training script");
        List<String> entrypoint = entrypoint(df);
        assertTrue(entrypoint.contains("-XX:SharedArchiveFile=/opt/beacon/" + image.name() + ".jsa"),
                "the ENTRYPOINT maps the archive: " + entrypoint);
        assertFalse(entrypoint.contains("-Xshare:off"), "CDS not switched off");
    }

    @ParameterizedTest(name = "{0}: the archive is recorded with the ENTRYPOINT's JVM flags")
    @MethodSource("images")
    void trainingFlagsAreTheRuntimeFlags(Image image) throws IOException {
        Dockerfile df = Dockerfile.read(image.dockerfile());
        String run = df.stage(0, "RUN").stream().map(Instruction::args)
                .filter(a -> a.startsWith("bash /train/cds-train.sh ")).findFirst().orElseThrow();
        List<String> training = List.of(run.substring(("bash /train/cds-train.sh " + image.name() + " ").length()).trim().split("\\s+"));
        List<String> entrypoint = entrypoint(df);
        List<String> runtime = new ArrayList<>(entrypoint.subList(1, entrypoint.indexOf("-jar")));
        runtime.removeIf(f -> f.startsWith("-XX:SharedArchiveFile="));
        assertEquals(runtime, training, "cds-train.sh's flags = the ENTRYPOINT's JVM flags without -XX:SharedArchiveFile");
    }

    @ParameterizedTest(name = "{0}: ENTRYPOINT is exec-form java ... -jar /opt/beacon/NAME.jar, CMD the subcommand")
    @MethodSource("images")
    void entrypointIsExecFormJavaJar(Image image) throws IOException {
        Dockerfile df = Dockerfile.read(image.dockerfile());
        List<String> entrypoint = entrypoint(df);
        assertEquals("java", entrypoint.get(0), "java from the PATH, no shell: " + entrypoint);
        int jar = entrypoint.indexOf("-jar");
        assertTrue(jar > 0, "-jar (the manifest's Add-Opens apply only to the -jar jar): " + entrypoint);
        assertEquals(List.of("-jar", "/opt/beacon/" + image.name() + ".jar"), entrypoint.subList(jar, entrypoint.size()),
                "the ENTRYPOINT ends with -jar /opt/beacon/" + image.name() + ".jar; the subcommand is the CMD");
        List<Instruction> cmds = df.finalStage("CMD");
        assertEquals(1, cmds.size(), "one CMD");
        List<String> cmd = execForm(cmds.get(0));
        assertEquals(image.subcommand(), cmd.get(0), "CMD starts with the subcommand: " + cmd);
    }

    @ParameterizedTest(name = "{0}: the manifest carries the Add-Opens, so the ENTRYPOINT needs no --add-opens")
    @MethodSource("images")
    void jarManifestCarriesAddOpens(Image image) throws IOException {
        Path jar = ROOT.resolve(image.module()).resolve("target").resolve(image.name() + ".jar");
        assumeTrue(Files.isRegularFile(jar), jar + " not built");
        try (JarFile jf = new JarFile(jar.toFile())) {
            String addOpens = jf.getManifest().getMainAttributes().getValue("Add-Opens");
            assertNotNull(addOpens, "Add-Opens in " + jar + "'s manifest");
            assertTrue(addOpens.contains("java.base/java.util.concurrent.atomic"), "Atomix/Kryo's opens: " + addOpens);
        }
        for (String arg : entrypoint(Dockerfile.read(image.dockerfile()))) {
            assertFalse(arg.startsWith("--add-opens"), "opens come from the manifest: " + arg);
        }
    }

    @ParameterizedTest(name = "{0}: EXPOSEs its ports, no HEALTHCHECK (Kubernetes probes), OCI labels")
    @MethodSource("images")
    void portsLabelsNoHealthcheck(Image image) throws IOException {
        Dockerfile df = Dockerfile.read(image.dockerfile());
        List<String> exposed = df.finalStage("EXPOSE").stream().flatMap(e -> Stream.of(e.args().split("\\s+"))).toList();
        assertEquals(image.ports(), exposed, "EXPOSE");
        assertTrue(df.all("HEALTHCHECK").isEmpty(), "no HEALTHCHECK");
        String labels = String.join(" ", df.finalStage("LABEL").stream().map(Instruction::args).toList());
        for (String key : List.of("org.opencontainers.image.title=\"" + image.name() + "\"", "org.opencontainers.image.version=",
                "org.opencontainers.image.revision=", "org.opencontainers.image.description=")) {
            assertTrue(labels.contains(key), "LABEL " + key);
        }
        assertFalse(df.finalStage("WORKDIR").isEmpty(), "WORKDIR");
    }

    // ---- helpers ----

    private static List<String> entrypoint(Dockerfile df) {
        List<Instruction> eps = df.finalStage("ENTRYPOINT");
        assertEquals(1, eps.size(), "one ENTRYPOINT in the runtime stage");
        return execForm(eps.get(0));
    }

    private static List<String> execForm(Instruction i) {
        assertTrue(i.args().startsWith("["), i.keyword() + " in exec form (JSON array), not shell form: " + i);
        try {
            return JSON.readValue(i.args(), new TypeReference<List<String>>() {});
        } catch (IOException e) {
            throw new AssertionError(i.keyword() + " is not a valid JSON array: " + i, e);
        }
    }

    /** jar.name of a module's pom.xml: its runnable jar is target/${jar.name}.jar (the parent's shade outputFile). */
    private static String jarName(String module) throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        var pom = factory.newDocumentBuilder().parse(ROOT.resolve(module).resolve("pom.xml").toFile());
        var names = pom.getElementsByTagName("jar.name");
        assertEquals(1, names.getLength(), module + "/pom.xml sets jar.name");
        var parent = factory.newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
        var outputs = parent.getElementsByTagName("outputFile");
        boolean shaded = false;
        for (int i = 0; i < outputs.getLength(); i++) {
            shaded |= ((Element) outputs.item(i)).getTextContent().trim().equals("${project.build.directory}/${jar.name}.jar");
        }
        assertTrue(shaded, "the parent POM writes the runnable jar to ${project.build.directory}/${jar.name}.jar");
        return names.item(0).getTextContent().trim();
    }

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("k8s/images"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("k8s/images not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** One instruction: keyword (upper case), its arguments (continuations joined), the stage it is in (0 = first FROM). */
    record Instruction(String keyword, String args, int stage, int line) {
        @Override
        public String toString() {
            return "line " + line + ": " + keyword + " " + args;
        }
    }

    /** Just enough of the Dockerfile syntax: comments, line continuations, instructions, stages. */
    record Dockerfile(List<Instruction> instructions, Map<String, String> globalArgs) {
        private static final Pattern ARG = Pattern.compile("(\\w+)(?:=(.*))?");

        static Dockerfile read(Path file) throws IOException {
            List<Instruction> out = new ArrayList<>();
            Map<String, String> args = new java.util.HashMap<>();
            List<String> lines = Files.readAllLines(file);
            int stage = -1;
            StringBuilder current = null;
            int start = 0;
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n);
                String trimmed = line.strip();
                if (trimmed.startsWith("#") || (current == null && trimmed.isEmpty())) {
                    continue; // comments (also inside continuations) and blank lines
                }
                if (current == null) {
                    current = new StringBuilder();
                    start = n + 1;
                }
                boolean continues = trimmed.endsWith("\\");
                current.append(continues ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
                if (continues) {
                    continue;
                }
                String text = current.toString().strip();
                current = null;
                int space = text.indexOf(' ');
                String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
                String rest = space < 0 ? "" : text.substring(space + 1).strip().replaceAll("\\s+", " ");
                if (keyword.equals("FROM")) {
                    stage++;
                }
                if (keyword.equals("ARG") && stage < 0) {
                    Matcher m = ARG.matcher(rest);
                    if (m.matches()) {
                        args.put(m.group(1), m.group(2));
                    }
                }
                out.add(new Instruction(keyword, rest, stage, start));
            }
            return new Dockerfile(out, args);
        }

        String globalArg(String name) {
            return globalArgs.get(name);
        }

        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        List<Instruction> stage(int stage, String keyword) {
            return all(keyword).stream().filter(i -> i.stage() == stage).toList();
        }

        List<Instruction> finalStage(String keyword) {
            int last = instructions.stream().mapToInt(Instruction::stage).max().orElse(-1);
            return stage(last, keyword);
        }
    }
}
