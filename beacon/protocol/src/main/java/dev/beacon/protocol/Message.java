package dev.beacon.protocol;

/**
 * The payload of one frame type, typed: each record names its fields as docs/protocol.md (section 4) does,
 * writes them with {@link #toFrame()} and reads them back with a static {@code from(Frame)} that refuses a
 * missing or mistyped required field with {@code protocol_error} naming the field. Unknown fields are ignored.
 */
public sealed interface Message
        permits Connect, Register, Attach, Forward, Connected, Registered, Stream, Want, Drain, Members, Ping, Pong, Refusal {

    FrameType type();

    Frame toFrame();

    /** Every message from a frame of its type; what arrives on a connection is read with the record it expects. */
    static Message from(Frame f) {
        return switch (f.type()) {
            case CONNECT -> Connect.from(f);
            case REGISTER -> Register.from(f);
            case ATTACH -> Attach.from(f);
            case FORWARD -> Forward.from(f);
            case CONNECTED -> Connected.from(f);
            case REGISTERED -> Registered.from(f);
            case STREAM -> Stream.from(f);
            case WANT -> Want.from(f);
            case DRAIN -> Drain.from(f);
            case MEMBERS -> Members.from(f);
            case PING -> Ping.from(f);
            case PONG -> Pong.from(f);
            case ERROR -> Refusal.from(f);
        };
    }
}
