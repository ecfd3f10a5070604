package dev.beacon.tls.testing;

import dev.beacon.config.ConfigException;
import dev.beacon.config.ConfigLoader;
import dev.beacon.config.Validated;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Configuration files for property tests: YAML that sets a random few of a config class's real keys to values of the
 * right type, of the wrong type, empty, huge or hostile (aliases, deep nesting), then mutated as text; and the same
 * values as {@code --set} flags. {@link #load} says what a start-up would: a validated config or a ConfigException.
 */
public final class ConfigFuzz {
    /** YAML snippets a value can be: each is a way a person or an attacker has written one. */
    static final String[] VALUES = {
            "", "~", "null", "''", "\"\"", "0", "1", "-1", "65535", "65536", "2147483648", "-9223372036854775809",
            "99999999999999999999999", "1.5e300", "NaN", ".inf", "true", "yes", "10s", "250ms", "5m", "1h", "0s", "PT-1S",
            "9223372036854775807ms", "99999999999h", "2562047788015216h", "PT2562047788015216H", "P9999999999D",
            "[]", "[~]", "[a, b]", "[\"\", x]", "{}", "{x: 1}", "'127.0.0.1:8443'", "'[::1]:1'", "'host:0'",
            "spiffe://beacon.test/tenant/acme/wrapper/*", "'spiffe://x/*'", "'*'", "/etc/hostname", "/nonexistent",
            "\"\\u0000\\u202e\\ud800\"", "&a [1, 2]", "*a", "!!binary AAAA", "!!java.lang.Object {}", "'0.0.0.0/0'", "'fd00::/8'",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};

    private ConfigFuzz() {
    }

    /** A YAML file and {@code --set} flags for {@code type}, valid (its real keys and defaults) to mutated. */
    public record Input(String yaml, Map<String, String> sets) {
        @Override
        public String toString() {
            return "yaml:\n" + yaml + "\nsets: " + sets;
        }
    }

    public static Arbitrary<Input> inputs(Class<?> type, Map<String, String> validValues) {
        List<String> keys = List.copyOf(ConfigLoader.keys(type).keySet());
        Arbitrary<String> value = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.of(VALUES)),
                net.jqwik.api.Tuple.of(2, Arbitraries.strings().ofMaxLength(20).map(ConfigFuzz::quoted)));
        Arbitrary<Map<String, String>> set = Combinators.combine(Arbitraries.of(keys), value).as(Map::entry)
                .list().ofMaxSize(8).map(ConfigFuzz::toMap);
        Arbitrary<Map<String, String>> flags = Combinators.combine(Arbitraries.of(keys), Arbitraries.oneOf(Arbitraries.of(VALUES),
                        Arbitraries.strings().ofMaxLength(20))).as(Map::entry).list().ofMaxSize(2).map(ConfigFuzz::toMap);
        Arbitrary<String> yaml = set.map(s -> {
            Map<String, String> all = new LinkedHashMap<>(validValues);
            all.putAll(s);
            return render(all);
        });
        Arbitrary<String> text = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, yaml),
                net.jqwik.api.Tuple.of(2, Combinators.combine(yaml, Arbitraries.longs()).as((y, seed) -> Fuzz.mutate(y, new Random(seed)))));
        return Combinators.combine(text, Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just(Map.<String, String>of())), net.jqwik.api.Tuple.of(1, flags))).as(Input::new);
    }

    private static Map<String, String> toMap(List<Map.Entry<String, String>> l) {
        Map<String, String> m = new LinkedHashMap<>();
        l.forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    private static String quoted(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    /** Dotted keys as nested block mappings; the values are YAML snippets. */
    static String render(Map<String, String> flat) {
        Map<String, Object> tree = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : flat.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            Map<String, Object> cur = tree;
            for (int i = 0; i < parts.length - 1; i++) {
                Object next = cur.get(parts[i]);
                if (!(next instanceof Map)) {
                    next = new LinkedHashMap<String, Object>();
                    cur.put(parts[i], next);
                }
                @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) next;
                cur = m;
            }
            cur.put(parts[parts.length - 1], e.getValue());
        }
        StringBuilder sb = new StringBuilder();
        render(tree, "", sb);
        return sb.toString();
    }

    private static void render(Map<String, Object> tree, String indent, StringBuilder sb) {
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> m) {
                sb.append(indent).append(e.getKey()).append(":\n");
                @SuppressWarnings("unchecked") Map<String, Object> sub = (Map<String, Object>) m;
                render(sub, indent + "  ", sb);
            } else {
                sb.append(indent).append(e.getKey()).append(": ").append(e.getValue()).append('\n');
            }
        }
    }

    /**
     * Loads {@code in} as a start-up would and checks what must hold: the config loads or a ConfigException names the
     * problem, within the deadline; a config that loads has every duration usable as milliseconds (timers take them so).
     */
    public static <T extends Validated> T load(Class<T> type, Path dir, Input in) throws Exception {
        Path file = Files.write(dir.resolve("fuzz.yaml"), in.yaml().getBytes(java.nio.charset.StandardCharsets.UTF_8)); // a lone surrogate as '?'
        T config = Fuzz.run(() -> ConfigLoader.load(type, file, "FUZZ", Map.of(), in.sets()))
                .refusedOnlyWith(ConfigException.class).value();
        if (config != null) durationsFit(config, type.getSimpleName(), 0);
        return config;
    }

    private static void durationsFit(Object o, String path, int depth) throws IllegalAccessException {
        if (o == null || depth > 8) return;
        for (Field f : o.getClass().getFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            Object v = f.get(o);
            if (v instanceof Duration d) {
                try {
                    d.toMillis();
                } catch (ArithmeticException e) {
                    throw new AssertionError(path + "." + f.getName() + " = " + d + " loaded, but is too long to be milliseconds");
                }
            } else if (v != null && v.getClass().getName().startsWith("dev.beacon.")) {
                durationsFit(v, path + "." + f.getName(), depth + 1);
            }
        }
    }

    /** Files a config may name (certificates, keys): real, readable paths, so validation gets past them. */
    public static Map<String, String> files(Path file, String... keys) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : keys) m.put(k, "'" + file + "'");
        return m;
    }
}
