package dev.beacon.protocol;

/** CONNECTED, beacon to wrapper (or to a forwarding node): the stream is spliced; raw bytes follow. */
public record Connected(int version, String stream, String node) implements Message {

    @Override
    public FrameType type() {
        return FrameType.CONNECTED;
    }

    @Override
    public Frame toFrame() {
        return Frame.of(type()).put("version", version).put("stream", stream).put("node", node);
    }

    public static Connected from(Frame f) {
        return new Connected((int) f.requireNumber("version"), f.requireText("stream"), f.requireText("node"));
    }
}
