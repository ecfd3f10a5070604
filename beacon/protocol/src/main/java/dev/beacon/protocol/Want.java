package dev.beacon.protocol;

/** WANT, beacon to bridge (control): a wrapper is waiting, open {@code count} more data connections. */
public record Want(long count) implements Message {

    @Override
    public FrameType type() {
        return FrameType.WANT;
    }

    @Override
    public Frame toFrame() {
        return Frame.of(type()).put("count", count);
    }

    public static Want from(Frame f) {
        return new Want(f.requireNumber("count"));
    }
}
