package dev.beacon.config;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Loads one typed configuration object: defaults from the class, then the YAML file, then environment
 * variables ({@code PREFIX_SECTION_SOME_KEY} for {@code section.someKey}), then {@code --set key=value} flags.
 * Unknown keys, bad values and failed validation all fail with the key named.
 */
public final class ConfigLoader {

    private static final ObjectMapper YAML = mapper();

    private ConfigLoader() {
    }

    public static ObjectMapper mapper() {
        SimpleModule durations = new SimpleModule("durations");
        durations.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                try {
                    return Durations.parse(p.getValueAsString(""));
                } catch (IllegalArgumentException e) {
                    throw JsonMappingException.from(p, e.getMessage());
                }
            }
        });
        durations.addSerializer(Duration.class, new JsonSerializer<>() {
            @Override
            public void serialize(Duration d, JsonGenerator g, SerializerProvider s) throws IOException {
                g.writeString(Durations.format(d));
            }
        });
        return new ObjectMapper(new YAMLFactory())
                .registerModule(durations)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }

    public static <T extends Validated> T load(Class<T> type, Path file, String envPrefix,
                                               Map<String, String> env, Map<String, String> sets) {
        T defaults;
        try {
            defaults = type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type + " needs a public no-argument constructor", e);
        }
        JsonNode defaultTree = YAML.valueToTree(defaults);
        Map<String, JsonNode> known = new LinkedHashMap<>();
        leaves("", defaultTree, known);

        ObjectNode tree;
        if (file != null) {
            if (!Files.isRegularFile(file)) throw new ConfigException(null, "config file not found: " + file);
            JsonNode read;
            try {
                read = YAML.readTree(file.toFile());
            } catch (IOException e) {
                throw new ConfigException(null, "cannot parse " + file + ": " + e.getMessage());
            }
            if (read == null || read.isMissingNode() || read.isNull()) {
                tree = YAML.createObjectNode(); // an empty file (or only comments): all defaults
            } else if (read instanceof ObjectNode o) {
                tree = o;
            } else {
                throw new ConfigException(null, "cannot use " + file + ": the top level must be a YAML mapping"
                        + " (key: value lines), found " + read.getNodeType().toString().toLowerCase(Locale.ROOT));
            }
        } else {
            tree = YAML.createObjectNode();
        }
        for (Map.Entry<String, JsonNode> k : known.entrySet()) {
            String var = envName(envPrefix, k.getKey());
            String v = env.get(var);
            if (v != null) put(tree, k.getKey(), v, k.getValue());
        }
        for (Map.Entry<String, String> s : sets.entrySet()) {
            JsonNode def = known.get(s.getKey());
            if (def == null) {
                throw new ConfigException(s.getKey(), "unknown key; known keys: "
                        + known.keySet().stream().collect(Collectors.joining(", ")));
            }
            put(tree, s.getKey(), s.getValue(), def);
        }
        ObjectNode merged = ((ObjectNode) defaultTree).deepCopy();
        overlay(merged, tree);
        T config;
        try {
            config = YAML.treeToValue(merged, type);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(path(e), "unknown key");
        } catch (JsonMappingException e) {
            throw new ConfigException(path(e), "invalid value: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(null, e.getMessage());
        }
        config.validate();
        return config;
    }

    /** The environment variable that overrides {@code key}: {@code limits.idleTimeout} -> {@code PREFIX_LIMITS_IDLE_TIMEOUT}. */
    public static String envName(String prefix, String key) {
        String snake = key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').replace('-', '_');
        return prefix + "_" + snake.toUpperCase(Locale.ROOT);
    }

    /** Every settable key, as {@code section.key}, with its default rendered as text. */
    public static Map<String, String> keys(Class<?> type) {
        try {
            Map<String, JsonNode> known = new LinkedHashMap<>();
            leaves("", YAML.valueToTree(type.getDeclaredConstructor().newInstance()), known);
            Map<String, String> out = new LinkedHashMap<>();
            known.forEach((k, v) -> out.put(k, v.isNull() ? "" : v.isValueNode() ? v.asText() : v.isArray() ? commaList(v) : v.toString()));
            return out;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A list as its environment variable and {@code --set} take it ("a, b"): a default fed back loads unchanged, "" for none. */
    private static String commaList(JsonNode array) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode item : array) {
            if (sb.length() > 0) sb.append(',');
            sb.append(item.asText());
        }
        return sb.toString();
    }

    /**
     * What each key means, for {@code --list-keys}: the {@link JsonPropertyDescription} of its field, as
     * {@code section.key -> text}. Keys without one are absent. A section class used twice (a TLS block, a listening
     * address) says what its keys are; the section's own description says which one it is, and leads its keys' text:
     * {@code inner.ca -> "Inner TLS server (...): PEM CA bundle ..."}.
     */
    public static Map<String, String> descriptions(Class<?> type) {
        Map<String, String> out = new LinkedHashMap<>();
        describe("", null, type, out, 0);
        return out;
    }

    private static void describe(String prefix, String section, Class<?> type, Map<String, String> out, int depth) {
        if (depth > 8) return; // config classes nest a few levels; this guards against a cycle
        for (Field f : type.getFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            String key = prefix.isEmpty() ? f.getName() : prefix + "." + f.getName();
            JsonPropertyDescription d = f.getAnnotation(JsonPropertyDescription.class);
            String text = d == null ? null : section == null ? d.value() : section + ": " + lowerFirst(d.value());
            if (text != null) out.put(key, text);
            Class<?> t = f.getType();
            if (!t.isPrimitive() && !t.isEnum() && t.getName().startsWith("dev.beacon.")) describe(key, text, t, out, depth + 1);
        }
    }

    /** "Address to listen on" reads on after a colon as "address to listen on"; "PEM ..." and "host:port" stay. */
    private static String lowerFirst(String s) {
        return s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))
                ? Character.toLowerCase(s.charAt(0)) + s.substring(1) : s;
    }

    private static void leaves(String prefix, JsonNode node, Map<String, JsonNode> out) {
        if (node instanceof ObjectNode o && (o.size() > 0 || prefix.isEmpty())) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                leaves(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else {
            out.put(prefix, node);
        }
    }

    /**
     * Objects merge key by key; anything else replaces (a list in the file replaces the default list). A section
     * or a key left empty ({@code server:} with every key commented out, {@code allow:} with every item commented
     * out) reads as null and keeps its defaults; validation would otherwise meet a null no default ever has. An
     * empty list item ({@code - } alone) names its key.
     */
    private static void overlay(ObjectNode base, ObjectNode top) {
        overlay("", base, top);
    }

    private static void overlay(String prefix, ObjectNode base, ObjectNode top) {
        for (Iterator<Map.Entry<String, JsonNode>> it = top.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            JsonNode cur = base.get(e.getKey());
            if (cur != null && !cur.isNull() && (e.getValue() == null || e.getValue().isNull())) {
                continue;
            } else if (cur instanceof ObjectNode co && e.getValue() instanceof ObjectNode eo) {
                overlay(key + ".", co, eo);
            } else {
                if (e.getValue() instanceof ArrayNode a) {
                    for (int i = 0; i < a.size(); i++) {
                        if (a.get(i).isNull()) throw new ConfigException(key + "[" + i + "]", "empty list item");
                    }
                }
                base.set(e.getKey(), e.getValue());
            }
        }
    }

    private static void put(ObjectNode root, String key, String value, JsonNode defaultNode) {
        String[] parts = key.split("\\.");
        ObjectNode cur = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = cur.get(parts[i]);
            if (!(next instanceof ObjectNode)) {
                next = cur.putObject(parts[i]);
            }
            cur = (ObjectNode) next;
        }
        if (defaultNode.isArray()) {
            ArrayNode arr = cur.putArray(parts[parts.length - 1]);
            for (String item : value.split(",")) {
                if (!item.isBlank()) arr.add(item.trim());
            }
        } else {
            cur.put(parts[parts.length - 1], value);
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) sb.append('.');
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
