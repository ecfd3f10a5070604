package dev.beacon.protocol;

/** PING: a bridge's control heartbeat carries a counter {@code seq}; the beacon's PINGs on idle data connections are {@code {}}. */
public record Ping(Long seq) implements Message {

    /** The beacon's keep-alive on an idle data connection, never answered. */
    public static final Ping EMPTY = new Ping(null);

    @Override
    public FrameType type() {
        return FrameType.PING;
    }

    @Override
    public Frame toFrame() {
        return seq == null ? Frame.of(type()) : Frame.of(type()).put("seq", seq);
    }

    /** The PONG that answers it: the same {@code seq}, 0 if it had none. */
    public Pong answer() {
        return new Pong(seq == null ? 0 : seq);
    }

    public static Ping from(Frame f) {
        return new Ping(f.number("seq"));
    }
}
