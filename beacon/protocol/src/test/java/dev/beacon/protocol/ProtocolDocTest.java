package dev.beacon.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** docs/protocol.md section 4 and the message records say the same, field by field. */
class ProtocolDocTest {

    /** One documented field: its name and whether the table marks it optional. */
    record Field(String name, boolean optional) {
    }

    static final Map<FrameType, Map<String, Field>> DOCUMENTED = documentedFields();

    /** Every frame with every documented field set. */
    static final Map<FrameType, Message> FULL = new EnumMap<>(FrameType.class);

    static {
        Offer both = new Offer(List.of(1), 1);
        String wrapper = "spiffe://beacon.test/tenant/acme/wrapper/w1";
        List<Members.Node> nodes = List.of(new Members.Node("node-a", "10.0.0.1:8443"), new Members.Node("node-b", "[::1]:8443"));
        for (Message m : List.of(
                new Connect(both, "acme-bridge", "acme"),
                new Register(both, "bridge/1", 4),
                new Attach(both, "beacon-bench"),
                new Forward(both, "beacon.test", "acme", "acme-bridge", wrapper, "10.0.0.9"),
                new Connected(1, "18c0ffee", "node-a"),
                new Registered(1, "node-a", 4, 15000, nodes),
                new Stream("18c0ffee", 1, wrapper, "10.0.0.9 via node-c"),
                new Want(1),
                new Drain(200, 30000),
                new Members(nodes),
                new Ping(7L),
                new Pong(7),
                new Refusal("unsupported_version", "no common version", 1000, List.of(1)))) {
            FULL.put(m.type(), m);
        }
    }

    @Test
    void everyFrameTypeHasARecordAndADocumentedFieldList() {
        for (FrameType t : FrameType.values()) {
            assertNotNull(FULL.get(t), t + " has a sample message");
            assertEquals(t, FULL.get(t).type());
            assertTrue(DOCUMENTED.containsKey(t), t + " is in the field table of docs/protocol.md section 4");
        }
    }

    @ParameterizedTest
    @EnumSource(FrameType.class)
    void theDocumentedFieldsAreExactlyTheOnesTheRecordWrites(FrameType t) {
        Set<String> written = new TreeSet<>();
        FULL.get(t).toFrame().body().fieldNames().forEachRemaining(written::add);
        assertEquals(new TreeSet<>(DOCUMENTED.get(t).keySet()), written, t + ": docs/protocol.md section 4 vs the record");
    }

    @ParameterizedTest
    @EnumSource(FrameType.class)
    void aFullFrameSurvivesTheWireAndReadsBackAsTheSameRecord(FrameType t) throws IOException {
        Message sent = FULL.get(t);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameCodec.write(out, sent.toFrame());
        Frame got = FrameCodec.read(new ByteArrayInputStream(out.toByteArray()), Protocol.DEFAULT_MAX_FRAME_BYTES);
        assertEquals(t, got.type());
        assertEquals(sent, Message.from(got));
    }

    @ParameterizedTest
    @EnumSource(FrameType.class)
    void anOptionalFieldMayBeLeftOutAndARequiredOneIsAProtocolErrorNamingIt(FrameType t) {
        for (Field field : DOCUMENTED.get(t).values()) {
            for (JsonNode wrongType : java.util.Arrays.asList(absent(), wrongType(FULL.get(t).toFrame().body().get(field.name())))) {
                Frame f = FULL.get(t).toFrame();
                if (wrongType == null) f.body().remove(field.name());
                else f.body().set(field.name(), wrongType);
                String what = t + " with " + field.name() + (wrongType == null ? " left out" : " = " + wrongType);
                if (field.optional() || judgedElsewhere(t, field.name())) {
                    Message m = Message.from(f);
                    if (field.optional()) assertFalse(m.toFrame().body().has(field.name()), what + ": read as absent, written as absent");
                } else {
                    ProtocolException e = assertThrows(ProtocolException.class, () -> Message.from(f), what);
                    assertEquals(ErrorCode.PROTOCOL_ERROR, e.code, what);
                    assertTrue(e.getMessage().contains("\"" + field.name() + "\""), what + ": " + e.getMessage());
                }
            }
        }
    }

    @Test
    void theConnectExampleInSection3IsTheBytesConnectWrites() throws IOException {
        Matcher m = Pattern.compile("(?m)^00[0-9a-f]{2}  ((?:[0-9a-f]{2} )+)").matcher(section("## 3. Framing", "## 4."));
        ByteArrayOutputStream hex = new ByteArrayOutputStream();
        while (m.find()) {
            for (String b : m.group(1).trim().split(" +")) hex.write(Integer.parseInt(b, 16));
        }
        assertArrayEquals(hex.toByteArray(), FrameCodec.encode(new Connect(Offer.of(List.of(1)), "vault-eu", null).toFrame()));
    }

    @Test
    void recordsWriteTheSameBytesTheHandBuiltFramesDid() {
        Map<Message, String> expected = new LinkedHashMap<>();
        expected.put(Connect.to("b1"), "{\"versions\":[1],\"bridge\":\"b1\"}");
        expected.put(new Register(Offer.supported(), "bridge/1", 0), "{\"versions\":[1],\"agent\":\"bridge/1\",\"pool\":0}");
        expected.put(new Attach(Offer.supported(), null), "{\"versions\":[1]}");
        expected.put(new Forward(Offer.supported(), "d", "t", "b", "w", "1.2.3.4"),
                "{\"versions\":[1],\"trust_domain\":\"d\",\"tenant\":\"t\",\"bridge\":\"b\",\"wrapper\":\"w\",\"source\":\"1.2.3.4\"}");
        expected.put(new Connected(1, "s", "n"), "{\"version\":1,\"stream\":\"s\",\"node\":\"n\"}");
        expected.put(new Registered(1, "n", 4, 15000, List.of(new Members.Node("n", "h:1"))),
                "{\"version\":1,\"node\":\"n\",\"pool\":4,\"heartbeat_ms\":15000,\"nodes\":[{\"id\":\"n\",\"relay\":\"h:1\"}]}");
        expected.put(new Stream("s", 1, "w", "1.2.3.4"), "{\"stream\":\"s\",\"version\":1,\"wrapper\":\"w\",\"source\":\"1.2.3.4\"}");
        expected.put(new Want(1), "{\"count\":1}");
        expected.put(new Drain(200, 30000), "{\"reconnect_in_ms\":200,\"try_for_ms\":30000}");
        expected.put(Ping.EMPTY, "{}");
        expected.put(new Ping(3L), "{\"seq\":3}");
        expected.put(Ping.EMPTY.answer(), "{\"seq\":0}");
        expected.put(Refusal.of(new ProtocolException(ErrorCode.FORBIDDEN, "no")), "{\"code\":\"forbidden\",\"message\":\"no\"}");
        expected.forEach((m, json) -> assertEquals(json, new String(FrameCodec.encode(m.toFrame()), 5,
                FrameCodec.encode(m.toFrame()).length - 5, StandardCharsets.UTF_8), m.toString()));
    }

    @Test
    void connectWithAnEmptyBridgeIsAProtocolError() {
        Frame f = Frame.of(FrameType.CONNECT).put("versions", List.of(1)).put("bridge", "");
        assertEquals(ErrorCode.PROTOCOL_ERROR, assertThrows(ProtocolException.class, () -> Connect.from(f)).code);
    }

    /** Version fields are judged by negotiation (unsupported_version); an ERROR is always reported. */
    private static boolean judgedElsewhere(FrameType t, String field) {
        return t == FrameType.ERROR || field.equals("versions") || field.equals("version") && DOCUMENTED.get(t).containsKey("versions");
    }

    private static JsonNode absent() {
        return null;
    }

    private static JsonNode wrongType(JsonNode value) {
        return value.isTextual() ? IntNode.valueOf(5) : TextNode.valueOf("five");
    }

    // ---- reading the document ----

    private static Map<FrameType, Map<String, Field>> documentedFields() {
        Map<FrameType, Map<String, Field>> out = new EnumMap<>(FrameType.class);
        FrameType current = null;
        boolean inTable = false;
        for (String line : section("## 4. Frame types", "## 5.").split("\n")) {
            if (line.startsWith("| Frame | Field |")) {
                inTable = true;
                continue;
            }
            if (!inTable || !line.startsWith("|") || line.startsWith("|---")) continue;
            String[] cells = line.split("\\|", -1);
            String frame = cells[1].trim();
            if (!frame.isEmpty()) current = FrameType.valueOf(frame);
            boolean optional = cells[3].contains("optional");
            Matcher names = Pattern.compile("`([a-z_]+)`").matcher(cells[2]);
            List<String> found = new ArrayList<>();
            while (names.find()) found.add(names.group(1));
            assertFalse(found.isEmpty(), "a field name in: " + line);
            for (String n : found) out.computeIfAbsent(current, k -> new LinkedHashMap<>()).put(n, new Field(n, optional));
        }
        return out;
    }

    private static String section(String from, String to) {
        String doc = document();
        int a = doc.indexOf(from);
        int b = doc.indexOf(to, a + 1);
        assertTrue(a >= 0 && b > a, "docs/protocol.md has a section '" + from + "'");
        return doc.substring(a, b);
    }

    private static String document() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("docs/protocol.md");
            if (Files.isRegularFile(p)) {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalStateException("docs/protocol.md not found above " + Path.of("").toAbsolutePath());
    }
}
