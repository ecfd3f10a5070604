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

    /** The string at {@code key}, or null when it is absent or not a JSON string (another type counts as absent). */
    public String text(String key) {
        JsonNode n = body.get(key);
        return n == null || !n.isTextual() ? null : n.asText();
    }

    public long number(String key, long dflt) {
        JsonNode n = body.get(key);
        return n == null || !n.canConvertToLong() ? dflt : n.asLong();
    }

    /** The number at {@code key}, or null when it is absent or not a number. */
    public Long number(String key) {
        JsonNode n = body.get(key);
        return n == null || !n.canConvertToLong() ? null : n.asLong();
    }

    /** The integers of the array at {@code key} (other elements skipped), or null when it is absent or not an array. */
    public List<Integer> ints(String key) {
        JsonNode n = body.get(key);
        if (n == null || !n.isArray()) return null;
        List<Integer> out = new java.util.ArrayList<>();
        for (JsonNode v : n) {
            if (v.canConvertToInt()) out.add(v.asInt());
        }
        return List.copyOf(out);
    }

    /** A field the frame cannot do without: missing or of another type is a protocol error naming it. */
    public String requireText(String key) {
        String v = text(key);
        if (v == null) throw missing(key, "a string");
        return v;
    }

    public long requireNumber(String key) {
        Long v = number(key);
        if (v == null) throw missing(key, "a number");
        return v;
    }

    public ProtocolException missing(String key, String what) {
        return new ProtocolException(ErrorCode.PROTOCOL_ERROR, type + " field \"" + key + "\" is missing or not " + what);
    }

    /** The ERROR frame for a refusal (see {@link Refusal}). */
    public static Frame error(ErrorCode code, String message) {
        return new Refusal(code.wire(), message, 0, null).toFrame();
    }

    public static Frame error(ProtocolException e) {
        return Refusal.of(e).toFrame();
    }

    /** The exception an ERROR frame stands for, on the client side. */
    public ProtocolException toException() {
        return Refusal.from(this).toException();
    }

    @Override
    public String toString() {
        return type + body.toString();
    }
}
