package dev.beacon.protocol;

/** PONG: answer to a PING on the control connection. */
public record Pong(long seq) implements Message {

    @Override
    public FrameType type() {
        return FrameType.PONG;
    }

    @Override
    public Frame toFrame() {
        return Frame.of(type()).put("seq", seq);
    }

    public static Pong from(Frame f) {
        return new Pong(f.requireNumber("seq"));
    }
}
