package dev.beacon.protocol;

/**
 * STREAM, beacon to bridge (data): a wrapper stream starts; raw bytes follow. {@code wrapper} and {@code source}
 * are relayed from a wrapper's certificate or another node's FORWARD: escape them before logging.
 */
public record Stream(String stream, int version, String wrapper, String source) implements Message {

    @Override
    public FrameType type() {
        return FrameType.STREAM;
    }

    @Override
    public Frame toFrame() {
        return Frame.of(type()).put("stream", stream).put("version", version).put("wrapper", wrapper).put("source", source);
    }

    public static Stream from(Frame f) {
        return new Stream(f.requireText("stream"), (int) f.requireNumber("version"), f.requireText("wrapper"),
                f.requireText("source"));
    }
}
