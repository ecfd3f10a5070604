package dev.beacon.gossip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The presence gossip wire format, the one place that says it. Every message is one node's complete set of entries
 * (it is small: the bridges connected to that node), sent as the payload of Atomix messaging subject
 * {@value #SUBJECT} over the node-to-node mTLS port:
 *
 * <pre>
 * {"v":2,"node":"n1","seq":1732180000000001,"leaving":false,
 *  "entries":[{"td":"beacon.test","tenant":"acme","bridge":"acme-bridge","since":1732179000000,"bv":3,"at":1732180000000}]}
 * </pre>
 *
 * <ul>
 *   <li>{@code v}: the writer's version. 1 (previous release) has no {@code at} and no {@code leaving}; 2 adds them.
 *       Readers accept any version from 1 up and ignore fields they do not know, so a newer node can add fields.</li>
 *   <li>{@code seq}: grows with every change of the writer's set (microseconds since the epoch at least, so it
 *       keeps growing across restarts); a receiver applies a set only if its seq is newer than the one it holds.</li>
 *   <li>{@code leaving}: the writer is leaving the cluster (clean shutdown): drop it now rather than after failure
 *       detection.</li>
 *   <li>entry fields: trust domain, tenant, bridge id, connected-since (epoch ms), bridge version, and (v2) the
 *       epoch ms the entry was published, for the convergence metric.</li>
 * </ul>
 * Anything else (not JSON, missing or mistyped required fields) is refused with an {@link IllegalArgumentException}.
 */
final class PresenceCodec {

    /** Atomix messaging subject of presence messages. */
    static final String SUBJECT = "beacon-presence";
    /** A message larger than this is refused before parsing (about 100k entries; a node holds far fewer). */
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final JsonFactory FACTORY = JSON.getFactory();

    /** One node's complete presence set as carried on the wire. */
    record NodeState(int version, String node, long seq, List<Presence> entries, boolean leaving) {
        NodeState {
            entries = List.copyOf(entries);
        }
    }

    private PresenceCodec() {
    }

    /** Writes {@code s} in wire version {@code version} (1 or 2). */
    static byte[] encode(NodeState s, int version) {
        if (version != Presence.CURRENT_VERSION && version != Presence.PREVIOUS_VERSION) {
            throw new IllegalArgumentException("cannot write presence version " + version);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 96 * s.entries().size());
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", version);
            g.writeStringField("node", s.node());
            g.writeNumberField("seq", s.seq());
            if (version >= 2) g.writeBooleanField("leaving", s.leaving());
            g.writeArrayFieldStart("entries");
            for (Presence p : s.entries()) {
                g.writeStartObject();
                g.writeStringField("td", p.trustDomain());
                g.writeStringField("tenant", p.tenant());
                g.writeStringField("bridge", p.bridgeId());
                g.writeNumberField("since", p.sinceMillis());
                g.writeNumberField("bv", p.bridgeVersion());
                if (version >= 2) g.writeNumberField("at", p.publishedAtMillis());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory: does not happen
        }
        return out.toByteArray();
    }

    /** Reads a message of any version from 1 up; throws IllegalArgumentException naming what is wrong. */
    static NodeState decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) throw new IllegalArgumentException("empty presence message");
        if (bytes.length > MAX_MESSAGE_BYTES) throw new IllegalArgumentException("presence message too large: " + bytes.length + " bytes");
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            // the original message leaves out the source excerpt: no payload in logs
            throw new IllegalArgumentException("presence message is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("presence message is not JSON");
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("presence message is not a JSON object");
        int v = intField(root, "v");
        if (v < 1) throw new IllegalArgumentException("bad presence version " + v);
        String node = text(root, "node");
        long seq = longField(root, "seq");
        if (seq < 0) throw new IllegalArgumentException("negative seq");
        JsonNode leavingNode = root.get("leaving");
        boolean leaving = leavingNode != null && leavingNode.asBoolean(false);
        JsonNode arr = root.get("entries");
        if (arr == null || !arr.isArray()) throw new IllegalArgumentException("presence message has no entries array");
        List<Presence> entries = new ArrayList<>(arr.size());
        for (JsonNode e : arr) {
            if (!e.isObject()) throw new IllegalArgumentException("presence entry is not an object");
            JsonNode at = e.get("at");
            if (at != null && !at.isIntegralNumber()) throw new IllegalArgumentException("presence entry field 'at' is not an integer");
            entries.add(new Presence(text(e, "td"), text(e, "tenant"), text(e, "bridge"), node,
                    longField(e, "since"), intField(e, "bv"), at == null ? 0 : at.asLong()));
        }
        return new NodeState(v, node, seq, entries, leaving);
    }

    private static String text(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new IllegalArgumentException("presence field '" + field + "' missing or not a non-empty string");
        }
        return n.asText();
    }

    private static long longField(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IllegalArgumentException("presence field '" + field + "' missing or not an integer");
        }
        return n.asLong();
    }

    private static int intField(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException("presence field '" + field + "' missing or not a 32-bit integer");
        }
        return n.asInt();
    }
}
