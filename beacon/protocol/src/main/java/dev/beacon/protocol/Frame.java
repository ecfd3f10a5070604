package dev.beacon.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** One control frame: its type and its JSON object payload. Unknown payload fields are ignored (forward compatibility). */
public record Frame(FrameType type, ObjectNode body) {

    public static Frame of(FrameType type) {
        return new Frame(type, Protocol.JSON.createObjectNode());
    }

    public Frame put(String key, String value) {
        if (value != null) body.put(key, value);
        return this;
    }

    public Frame put(String key, long value) {
        body.put(key, value);
        return this;
    }

    public Frame put(String key, List<Integer> values) {
        ArrayNode a = body.putArray(key);
        values.forEach(a::add);
        return this;
    }

    public Frame put(String key, com.fasterxml.jackson.databind.JsonNode value) {
        body.set(key, value);
        return this;
    }

    public String text(String key) {
        JsonNode n = body.get(key);
        return n == null || !n.isTextual() ? null : n.asText();
    }

    public long number(String key, long dflt) {
        JsonNode n = body.get(key);
        return n == null || !n.canConvertToLong() ? dflt : n.asLong();
    }

    public static Frame error(ErrorCode code, String message) {
        return of(FrameType.ERROR).put("code", code.wire()).put("message", message);
    }

    public static Frame error(ProtocolException e) {
        Frame f = of(FrameType.ERROR).put("code", e.wireCode).put("message", messageOf(e));
        if (e.retryAfterMs > 0) f.put("retry_after_ms", e.retryAfterMs);
        if (e.code == ErrorCode.UNSUPPORTED_VERSION) f.put("supported", Protocol.SUPPORTED_VERSIONS);
        return f;
    }

    /** The exception an ERROR frame stands for, on the client side. */
    public ProtocolException toException() {
        String wire = text("code");
        return new ProtocolException(ErrorCode.fromWire(wire), wire == null ? "unknown" : wire,
                text("message") == null ? "" : text("message"), number("retry_after_ms", 0));
    }

    private static String messageOf(ProtocolException e) {
        String m = e.getMessage();
        String prefix = e.wireCode + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    @Override
    public String toString() {
        return type + body.toString();
    }
}
