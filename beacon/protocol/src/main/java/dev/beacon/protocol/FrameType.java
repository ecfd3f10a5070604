package dev.beacon.protocol;

/**
 * Control frame types. A frame is {@code type:u8, length:u32 big-endian, payload: length bytes of UTF-8 JSON}.
 * Once a stream is spliced (after CONNECTED / STREAM) the connection carries raw bytes and no more frames.
 */
public enum FrameType {
    /** wrapper -> beacon, first frame: open a stream to a bridge. Stream bytes may follow at once. */
    CONNECT(0x01),
    /** bridge -> beacon, first frame of the control connection: announce the bridge. */
    REGISTER(0x02),
    /** bridge -> beacon, first frame of a data connection: offer it to the warm pool. */
    ATTACH(0x03),
    /**
     * node -> node, first frame of a cluster link: carry one wrapper stream to a bridge connected to the receiving
     * node. Sent only by a node certificate; the receiver never forwards it further (one hop). Bytes may follow.
     */
    FORWARD(0x04),
    /** beacon -> wrapper (or forwarding node): the stream is spliced; raw bytes follow. */
    CONNECTED(0x10),
    /** beacon -> bridge (control): registration accepted, with the negotiated version and pool size. */
    REGISTERED(0x11),
    /** beacon -> bridge (data): a wrapper stream starts on this connection; raw bytes follow. */
    STREAM(0x12),
    /** beacon -> bridge (control): open this many more data connections (wrappers are waiting). */
    WANT(0x13),
    /** beacon -> bridge (control): this node is draining; reconnect after reconnect_in_ms, to another node. */
    DRAIN(0x14),
    /** beacon -> bridge (control): the cluster's live nodes changed; the bridge should hold a connection to each. */
    MEMBERS(0x15),
    /** bridge -> beacon on the control connection (answered with PONG); beacon -> bridge on idle data connections (never answered). */
    PING(0x20),
    /** answer to PING on the control connection. */
    PONG(0x21),
    /** beacon -> client: a refusal with a code; the beacon closes the connection after it. */
    ERROR(0x7F);

    public final int code;

    FrameType(int code) {
        this.code = code;
    }

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) BY_CODE[t.code] = t;
    }

    /** Null when the code is not a known frame type. */
    public static FrameType of(int code) {
        return BY_CODE[code & 0xFF];
    }
}
