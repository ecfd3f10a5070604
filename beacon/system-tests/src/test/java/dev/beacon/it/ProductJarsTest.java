package dev.beacon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the runnable jars users get contain, checked after the build packaged them (this POM passes their paths; the
 * system tests run after beacon, bridge and openbao-sim are packaged). A dependency or a class that must not ship
 * fails here, named: bridge.jar carries no relay server, gossip or Atomix; only openbao-sim.jar carries the
 * simulator; no jar carries a test hook or test classes. Each jar's size and class count go to the test's output.
 */
class ProductJarsTest {

    /** Entry-name rules: a description a failure reads as, and what matches a forbidden entry. */
    record Rule(String says, Predicate<String> forbids) {
        static Rule under(String dir, String why) {
            return new Rule(dir + " (" + why + ")", n -> n.startsWith(dir));
        }
    }

    /** Test classes of any module, and the shared test helpers (tls' test-jar). */
    private static final List<Rule> NO_TESTS = List.of(
            Rule.under("dev/beacon/it/", "system tests"),
            Rule.under("dev/beacon/tls/testing/", "test helpers"),
            new Rule("*Test.class / *IT.class (test classes)", n -> n.startsWith("dev/beacon/")
                    && (n.endsWith("Test.class") || n.endsWith("IT.class") || n.contains("Test$") || n.contains("IT$"))),
            Rule.under("org/junit/", "JUnit"));

    private static final List<Rule> BRIDGE = List.of(
            Rule.under("io/atomix/", "Atomix is the beacon's cluster membership"),
            Rule.under("dev/beacon/gossip/", "the beacon's cluster"),
            Rule.under("dev/beacon/server/", "the relay server"),
            Rule.under("dev/beacon/cli/", "beacon.jar's commands"),
            Rule.under("dev/beacon/bridge/openbao/sim/", "the simulator is openbao-sim.jar"));

    private static final List<Rule> BEACON = List.of(
            Rule.under("dev/beacon/bridge/openbao/sim/", "the simulator is openbao-sim.jar"),
            Rule.under("dev/beacon/bridge/", "the bridge is bridge.jar"),
            new Rule("dev/beacon/server/Tap*.class (a test hook that exposed relayed bytes)", n -> n.startsWith("dev/beacon/server/Tap")));

    /** The status page speaks the wire as a wrapper (and its canary as a bridge): it needs neither the server nor the bridge. */
    private static final List<Rule> STATUS_PAGE = List.of(
            Rule.under("io/atomix/", "Atomix is the beacon's cluster membership"),
            Rule.under("dev/beacon/gossip/", "the beacon's cluster"),
            Rule.under("dev/beacon/server/", "the relay server"),
            Rule.under("dev/beacon/cli/", "beacon.jar's commands"),
            Rule.under("dev/beacon/bridge/", "the bridge is bridge.jar"));

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"beacon.jar", "bridge.jar", "openbao-sim.jar", "status-page.jar"})
    void shipsNoTestClassesAndNothingThatBelongsElsewhere(String name) throws IOException {
        Path jar = jar(name);
        List<Rule> rules = new ArrayList<>(NO_TESTS);
        if (name.equals("bridge.jar")) rules.addAll(BRIDGE);
        if (name.equals("beacon.jar")) rules.addAll(BEACON);
        if (name.equals("status-page.jar")) rules.addAll(STATUS_PAGE);
        Map<String, List<String>> found = new TreeMap<>(); // rule -> entries it forbids
        int classes = 0;
        String main;
        try (JarFile j = new JarFile(jar.toFile())) {
            main = j.getManifest().getMainAttributes().getValue("Main-Class");
            for (JarEntry e : Collections.list(j.entries())) {
                String n = e.getName();
                if (n.endsWith(".class")) classes++;
                for (Rule r : rules) if (r.forbids().test(n)) found.computeIfAbsent(r.says(), k -> new ArrayList<>()).add(n);
            }
        }
        System.out.printf("%s: %,d bytes, %,d classes, Main-Class %s%n", name, Files.size(jar), classes, main);
        List<String> broken = found.entrySet().stream()
                .map(e -> "no " + e.getKey() + ": " + e.getValue().size() + " entries, e.g. " + e.getValue().get(e.getValue().size() - 1)).toList();
        assertEquals(List.of(), broken, name + " ships what it must not (a new dependency? ./mvnw -pl <module> dependency:tree"
                + " shows where it comes from)");
        assertTrue(classes > 100, name + " has its classes (" + classes + ")");
    }

    /**
     * Every command of every jar, found by walking the "Commands:" lists of the help itself, answers --help with its
     * usage on stdout and exit 0, and an unknown flag with exit 2 and a message naming the flag: run as users run
     * them, java -jar in a process of its own.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"beacon.jar", "bridge.jar", "openbao-sim.jar", "status-page.jar"})
    void everyCommandAnswersHelpAndRefusesAWrongFlagByName(String name) throws Exception {
        Path jar = jar(name);
        List<List<String>> commands = new ArrayList<>();
        List<List<String>> todo = new ArrayList<>(List.of(List.of()));
        while (!todo.isEmpty()) {
            List<String> command = todo.remove(0);
            commands.add(command);
            List<String> args = new ArrayList<>(command);
            args.add("--help");
            Ran help = java(jar, args);
            String what = name + " " + String.join(" ", args);
            assertEquals(0, help.code(), what + ": " + help.err());
            assertTrue(help.out().startsWith("Usage: "), what + " prints its usage: " + help.out());
            int list = help.out().indexOf("\nCommands:\n");
            if (list < 0) continue;
            for (String line : help.out().substring(list + 11).split("\n")) {
                var m = java.util.regex.Pattern.compile("^  (\\w[\\w-]*)\\b").matcher(line);
                if (m.find() && !m.group(1).equals("help")) {
                    List<String> sub = new ArrayList<>(command);
                    sub.add(m.group(1));
                    todo.add(sub);
                }
            }
        }
        System.out.printf("%s: --help answered by %d commands%n", name, commands.size());
        List<String> args = new ArrayList<>(commands.get(commands.size() - 1)); // the last command found, or the jar's only one
        args.add("--no-such-flag");
        Ran wrong = java(jar, args);
        assertEquals(2, wrong.code(), name + " " + String.join(" ", args) + ": " + wrong.out() + wrong.err());
        assertTrue(wrong.err().contains("--no-such-flag"), wrong.err());
    }

    record Ran(int code, String out, String err) {
    }

    private static Ran java(Path jar, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (var in = p.getErrorStream()) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", args) + " did not exit within 60 s");
        }
        return new Ran(p.exitValue(), out, err.join());
    }

    /** The jar the build made; skipped, not failed, when only {@code test} ran (jars are made at {@code package}). */
    private static Path jar(String name) {
        String p = System.getProperty(name);
        assumeTrue(p != null, name + ": no path given (run through Maven: beacon/system-tests/pom.xml passes it)");
        Path jar = Path.of(p).toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(jar), jar + " not built yet: this check runs in ./mvnw package / verify");
        return jar;
    }
}
