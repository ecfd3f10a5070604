package dev.beacon.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One pod of a rendered workload, run as a local process exactly as the chart describes it: the container's command
 * and args, its env (with {@code $(VAR)} expansion and the downward API), and its volumes, with only these
 * substitutions, each a stand-in for what the cluster provides:
 * <ul>
 *   <li>the pod's name and IP: {@code metadata.name} is the StatefulSet's {@code <name>-<i>}, {@code status.podIP} a
 *       loopback address of its own (127.x.y.z: Linux routes all of 127/8 to lo, so every pod keeps the chart's ports);
 *   <li>cluster DNS names (given by the test, e.g. {@code <pod>.<headless>.<ns>.svc.cluster.local}) by those addresses;
 *   <li>each volume's mount path by a directory under the pod's root ({@code /etc/beacon/tls} becomes
 *       {@code <root>/etc/beacon/tls}), in the config file, env values and args alike; ConfigMap volumes are written
 *       from the rendered ConfigMaps, other volumes (Secrets, CSI, emptyDir) start empty and the test puts the
 *       files the cluster would (certificates from the test PKI) where the configuration points;
 *   <li>{@code java} by this JVM's java and {@code /.../<name>.jar} by the jar the build made.
 * </ul>
 * Any other difference between what runs here and what the chart renders is a bug of this class.
 */
final class RenderedPod implements AutoCloseable {
    static final YAMLMapper YAML = new YAMLMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    final String name;
    final String ip;
    final String namespace;
    final Path root;
    final JsonNode container;
    /** mountPath -> local directory, longest first. */
    final Map<String, Path> mounts = new LinkedHashMap<>();
    final Map<String, String> env = new LinkedHashMap<>();
    final List<String> command = new ArrayList<>();
    private final Map<String, String> hosts;
    private Process process;
    private Path log;

    /**
     * @param objects  everything the chart rendered (ConfigMaps are looked up here)
     * @param workload the StatefulSet or Deployment
     * @param hosts    cluster DNS names (or name:port prefixes) and what replaces them here, e.g. the pods' addresses
     * @param jars     jar file name -> built jar, e.g. beacon.jar -> beacon/target/beacon.jar
     */
    RenderedPod(List<JsonNode> objects, JsonNode workload, String name, String ip, Path root, Map<String, String> hosts,
                Map<String, Path> jars) throws IOException {
        this(objects, workload, name, ip, root, hosts, jars, java.util.Set.of());
    }

    /** {@code external}: ConfigMaps the chart mounts but expects to exist (e.g. an OpenBao CA): left empty for the test. */
    RenderedPod(List<JsonNode> objects, JsonNode workload, String name, String ip, Path root, Map<String, String> hosts,
                Map<String, Path> jars, java.util.Set<String> external) throws IOException {
        this.name = name;
        this.ip = ip;
        this.root = root;
        this.hosts = hosts;
        this.namespace = workload.path("metadata").path("namespace").asText("default");
        JsonNode podSpec = workload.path("spec").path("template").path("spec");
        this.container = podSpec.path("containers").get(0);
        Files.createDirectories(root);

        // volumes
        List<JsonNode> mountList = new ArrayList<>();
        container.path("volumeMounts").forEach(mountList::add);
        mountList.sort(Comparator.comparingInt((JsonNode m) -> m.path("mountPath").asText().length()).reversed());
        for (JsonNode m : mountList) {
            String mountPath = m.path("mountPath").asText();
            if (m.has("subPath")) throw new AssertionError(name + ": subPath mount " + mountPath + " (never updates on rotation)");
            Path local = root.resolve(mountPath.substring(1));
            Files.createDirectories(local);
            mounts.put(mountPath, local);
            JsonNode volume = null;
            for (JsonNode v : podSpec.path("volumes")) if (v.path("name").asText().equals(m.path("name").asText())) volume = v;
            if (volume == null) throw new AssertionError(name + ": volumeMount " + m.path("name").asText() + " has no volume");
            if (volume.has("configMap") && !external.contains(volume.path("configMap").path("name").asText())) {
                writeConfigMap(objects, volume.path("configMap"), local);
            }
            if (volume.has("projected")) {
                for (JsonNode src : volume.path("projected").path("sources")) {
                    if (src.has("configMap")) writeConfigMap(objects, src.path("configMap"), local);
                }
            }
        }

        // env, in order: $(VAR) refers to variables defined before (kubelet semantics)
        for (JsonNode e : container.path("envFrom")) {
            if (e.has("configMapRef")) {
                JsonNode cm = configMap(objects, e.path("configMapRef").path("name").asText());
                cm.path("data").fields().forEachRemaining(f -> env.put(e.path("prefix").asText("") + f.getKey(), f.getValue().asText()));
            } else {
                throw new AssertionError(name + ": envFrom " + e + " is not supported here");
            }
        }
        for (JsonNode e : container.path("env")) {
            String key = e.path("name").asText();
            String value;
            if (e.has("value")) {
                value = expand(e.path("value").asText());
            } else if (e.path("valueFrom").has("fieldRef")) {
                String field = e.path("valueFrom").path("fieldRef").path("fieldPath").asText();
                value = switch (field) {
                    case "metadata.name" -> name;
                    case "metadata.namespace" -> namespace;
                    case "status.podIP", "status.hostIP" -> ip;
                    case "status.podIPs" -> ip;
                    default -> throw new AssertionError(name + ": env " + key + " from field " + field + " is not supported here");
                };
            } else if (e.path("valueFrom").has("configMapKeyRef")) {
                JsonNode ref = e.path("valueFrom").path("configMapKeyRef");
                value = configMap(objects, ref.path("name").asText()).path("data").path(ref.path("key").asText()).asText();
            } else if (e.path("valueFrom").has("resourceFieldRef")) {
                continue; // limits: the JVM sizes itself from its flags here
            } else {
                throw new AssertionError(name + ": env " + key + " (" + e.path("valueFrom") + ") is not supported here");
            }
            env.put(key, local(hosts(value)));
        }

        // command and args
        List<String> argv = new ArrayList<>();
        container.path("command").forEach(a -> argv.add(a.asText()));
        container.path("args").forEach(a -> argv.add(a.asText()));
        if (argv.isEmpty()) throw new AssertionError(name + ": the container has no command or args (the image's entrypoint would run)");
        for (int i = 0; i < argv.size(); i++) {
            String a = local(hosts(expand(argv.get(i))));
            if (i == 0 && a.equals("java")) a = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            if (a.endsWith(".jar") && a.startsWith("/")) {
                Path jar = jars.get(Path.of(a).getFileName().toString());
                if (jar == null) throw new AssertionError(name + ": no built jar for " + a);
                a = jar.toString();
            }
            command.add(a);
        }
    }

    private static JsonNode configMap(List<JsonNode> objects, String cmName) {
        for (JsonNode o : objects) {
            if (o.path("kind").asText().equals("ConfigMap") && o.path("metadata").path("name").asText().equals(cmName)) return o;
        }
        throw new AssertionError("the chart renders no ConfigMap " + cmName);
    }

    private static void writeConfigMap(List<JsonNode> objects, JsonNode ref, Path dir) throws IOException {
        JsonNode cm = configMap(objects, ref.path("name").asText());
        if (ref.has("items")) {
            for (JsonNode item : ref.path("items")) {
                Path f = dir.resolve(item.path("path").asText());
                Files.createDirectories(f.getParent());
                Files.writeString(f, cm.path("data").path(item.path("key").asText()).asText());
            }
        } else {
            var it = cm.path("data").fields();
            while (it.hasNext()) {
                var f = it.next();
                Files.writeString(dir.resolve(f.getKey()), f.getValue().asText());
            }
        }
    }

    /** {@code $(VAR)} as the kubelet expands it: defined variables only; {@code $$} is a literal {@code $}. */
    String expand(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '$' && i + 1 < s.length() && s.charAt(i + 1) == '$') {
                sb.append('$');
                i++;
            } else if (c == '$' && i + 1 < s.length() && s.charAt(i + 1) == '(') {
                int end = s.indexOf(')', i);
                String var = end < 0 ? null : s.substring(i + 2, end);
                if (var != null && env.containsKey(var)) {
                    sb.append(env.get(var));
                    i = end;
                } else {
                    sb.append(c);
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Cluster DNS names replaced by their loopback stand-ins. */
    String hosts(String s) {
        for (Map.Entry<String, String> h : hosts.entrySet()) s = s.replace(h.getKey(), h.getValue());
        return s;
    }

    /** A container path under a mount (alone, or after '=' as in -Djava.io.tmpdir=/tmp) -> the local directory. */
    String local(String s) {
        int eq = s.indexOf('=');
        if (!s.startsWith("/") && eq > 0 && eq + 1 < s.length() && s.charAt(eq + 1) == '/') {
            return s.substring(0, eq + 1) + local(s.substring(eq + 1));
        }
        for (Map.Entry<String, Path> m : mounts.entrySet()) {
            String mp = m.getKey();
            if (s.equals(mp)) return m.getValue().toString();
            if (s.startsWith(mp.endsWith("/") ? mp : mp + "/")) return m.getValue().resolve(s.substring(mp.length()).replaceFirst("^/", "")).toString();
        }
        return s;
    }

    /** The file behind {@code --config} (the chart's config file, as mounted here). */
    Path configFile() {
        int i = command.indexOf("--config");
        if (i < 0 || i + 1 >= command.size()) throw new AssertionError(name + ": no --config in " + command);
        return Path.of(command.get(i + 1));
    }

    /**
     * The configuration file, parsed, with its string values passed through {@link #hosts} and {@link #local}
     * (paths of mounted files, cluster DNS names). Edit and {@link #writeConfig} it.
     */
    ObjectNode config() throws IOException {
        ObjectNode tree = (ObjectNode) YAML.readTree(configFile().toFile());
        rewriteStrings(tree);
        return tree;
    }

    private void rewriteStrings(JsonNode n) {
        if (n instanceof ObjectNode o) {
            List<String> keys = new ArrayList<>();
            o.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                JsonNode v = o.get(k);
                if (v.isTextual()) o.put(k, local(hosts(v.asText())));
                else rewriteStrings(v);
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual()) a.set(i, new TextNode(local(hosts(a.get(i).asText()))));
                else rewriteStrings(a.get(i));
            }
        }
    }

    void writeConfig(JsonNode tree) throws IOException {
        Files.writeString(configFile(), YAML.writeValueAsString(tree));
    }

    /** The effective value of a config key: the env variable (PREFIX + upper snake case) wins over the file. */
    String effective(JsonNode config, String prefix, String dottedKey) {
        String var = prefix + dottedKey.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase();
        if (env.containsKey(var)) return env.get(var);
        JsonNode n = config;
        for (String part : dottedKey.split("\\.")) n = n.path(part);
        return n.isMissingNode() || n.isNull() ? "" : n.asText();
    }

    /** A port the container declares, by name or number. */
    int containerPort(JsonNode port) {
        if (port.isInt()) return port.asInt();
        for (JsonNode p : container.path("ports")) if (p.path("name").asText().equals(port.asText())) return p.path("containerPort").asInt();
        throw new AssertionError(name + ": no container port " + port);
    }

    /** Fails unless every declared container port can be bound on this pod's address. */
    void checkPortsFree() throws IOException {
        for (JsonNode p : container.path("ports")) {
            int port = p.path("containerPort").asInt();
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
            } catch (IOException e) {
                throw new AssertionError(name + ": port " + port + " on " + ip + " is taken on this machine (" + e.getMessage()
                        + "); a process listening on 0.0.0.0:" + port + " blocks it");
            }
        }
    }

    RenderedPod start(Path logDir) throws IOException {
        log = logDir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // the container's environment: what the chart sets, nothing from this JVM's (PATH and HOME aside)
        Map<String, String> e = pb.environment();
        String path = e.getOrDefault("PATH", "/usr/bin:/bin");
        e.clear();
        e.put("PATH", path);
        e.put("HOME", root.toString());
        e.putAll(env);
        process = pb.start();
        return this;
    }

    /** GET on the readiness probe's path and port, at this pod's address; -1 when nothing answers. */
    int probe(String probeName) {
        JsonNode get = container.path(probeName).path("httpGet");
        if (get.isMissingNode()) throw new AssertionError(name + ": no " + probeName + " httpGet");
        return get(containerPort(get.path("port")), get.path("path").asText("/"));
    }

    int get(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    String getBody(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + path)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    Process process() {
        return process;
    }

    String log() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
