package dev.beacon.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;

/** MEMBERS, beacon to bridge (control): the complete list of live nodes, sent when it changes. */
public record Members(List<Node> nodes) implements Message {

    /** One live node: its id and the {@code host:port} of its relay port. */
    public record Node(String id, String relay) {

        static ArrayNode toJson(List<Node> nodes) {
            ArrayNode arr = Protocol.JSON.createArrayNode();
            for (Node n : nodes) arr.addObject().put("id", n.id).put("relay", n.relay);
            return arr;
        }

        /** The {@code nodes} of a REGISTERED or MEMBERS; entries without {@code id} or {@code relay} are skipped. */
        static List<Node> from(Frame f) {
            JsonNode arr = f.body().get("nodes");
            if (arr == null || !arr.isArray()) throw f.missing("nodes", "an array");
            List<Node> out = new ArrayList<>();
            for (JsonNode n : arr) {
                if (n.hasNonNull("id") && n.hasNonNull("relay")) out.add(new Node(n.get("id").asText(), n.get("relay").asText()));
            }
            return List.copyOf(out);
        }
    }

    @Override
    public FrameType type() {
        return FrameType.MEMBERS;
    }

    @Override
    public Frame toFrame() {
        return Frame.of(type()).put("nodes", Node.toJson(nodes));
    }

    public static Members from(Frame f) {
        return new Members(Node.from(f));
    }
}
