package dev.beacon.protocol;

/** DRAIN, beacon to bridge (control): the node is shutting down; come back after {@code reconnectInMs}. */
public record Drain(long reconnectInMs, long tryForMs) implements Message {

    @Override
    public FrameType type() {
        return FrameType.DRAIN;
    }

    @Override
    public Frame toFrame() {
        return Frame.of(type()).put("reconnect_in_ms", reconnectInMs).put("try_for_ms", tryForMs);
    }

    public static Drain from(Frame f) {
        return new Drain(f.requireNumber("reconnect_in_ms"), f.requireNumber("try_for_ms"));
    }
}
