package dev.beacon.protocol;

import java.util.List;

/** REGISTERED, beacon to bridge (control): accepted; the pool the beacon wants, the heartbeat, the live nodes. */
public record Registered(int version, String node, int pool, long heartbeatMs, List<Members.Node> nodes) implements Message {

    @Override
    public FrameType type() {
        return FrameType.REGISTERED;
    }

    @Override
    public Frame toFrame() {
        return Frame.of(type()).put("version", version).put("node", node).put("pool", pool).put("heartbeat_ms", heartbeatMs)
                .put("nodes", Members.Node.toJson(nodes));
    }

    public static Registered from(Frame f) {
        return new Registered((int) f.requireNumber("version"), f.requireText("node"), (int) f.requireNumber("pool"),
                f.requireNumber("heartbeat_ms"), Members.Node.from(f));
    }
}
