package dev.beacon.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/**
 * The beacon wire protocol in one place; docs/protocol.md says the same in prose.
 *
 * <p>Every connection is TLS 1.3 with a client certificate. The first frame says what the connection is for:
 * CONNECT (wrapper stream), REGISTER (bridge control), ATTACH (bridge data connection for the warm pool) or
 * FORWARD (a stream carried one hop from another node).
 */
public final class Protocol {
    /** The version this release speaks best. */
    public static final int VERSION = 1;
    /** Versions this release accepts, newest first. A new beacon keeps the previous one (N-1). */
    public static final List<Integer> SUPPORTED_VERSIONS = List.of(1);
    /** type (1) + length (4). */
    public static final int HEADER_BYTES = 5;
    /** Default and hard upper bound of a control frame's payload; nodes may configure less. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024;
    /** ALPN id clients offer; the role is still decided by the first frame. */
    public static final String ALPN = "beacon/1";

    static final ObjectMapper JSON = new ObjectMapper();

    private Protocol() {
    }

    /**
     * Picks the highest version both sides speak from a first frame's {@code versions} array
     * (or a single {@code version}); throws UNSUPPORTED_VERSION when there is none.
     */
    public static int negotiate(Frame first) {
        JsonNode vs = first.body().get("versions");
        int best = -1;
        if (vs != null && vs.isArray()) {
            for (JsonNode v : vs) {
                if (v.canConvertToInt() && SUPPORTED_VERSIONS.contains(v.asInt())) best = Math.max(best, v.asInt());
            }
        } else if (first.body().has("version") && first.body().get("version").canConvertToInt()) {
            int v = first.body().get("version").asInt();
            if (SUPPORTED_VERSIONS.contains(v)) best = v;
        }
        if (best < 0) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_VERSION,
                    "this node speaks protocol versions " + SUPPORTED_VERSIONS + ", the client offered "
                            + (vs != null ? vs : first.body().get("version")));
        }
        return best;
    }
}
