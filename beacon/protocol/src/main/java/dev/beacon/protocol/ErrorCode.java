package dev.beacon.protocol;

import java.util.Locale;

/** Refusal codes carried in ERROR frames, as lower-case strings on the wire. */
public enum ErrorCode {
    /** No bridge with that id is connected for the wrapper's tenant. */
    UNKNOWN_BRIDGE(true),
    /** The certificate's identity may not do this (wrong role, another tenant, no spiffe identity). */
    FORBIDDEN(false),
    /** No protocol version in common; the ERROR carries {@code supported}. */
    UNSUPPORTED_VERSION(false),
    /** A limit was hit (rate, streams per identity, control connections per bridge, no bridge data connection within the setup timeout); retry after {@code retry_after_ms}. */
    OVERLOADED(true),
    /** The node is shutting down; reconnect (to another node) after {@code retry_after_ms}. */
    DRAINING(true),
    /** A malformed frame, an unknown frame type, bad JSON, or a frame not allowed here. */
    PROTOCOL_ERROR(false),
    /** A frame longer than the node's max frame size. */
    FRAME_TOO_LARGE(false),
    /** The first frame did not arrive in time. */
    TIMEOUT(true);

    public final boolean retryable;

    ErrorCode(boolean retryable) {
        this.retryable = retryable;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Null for a code this release does not know (a newer beacon); treat as not retryable. */
    public static ErrorCode fromWire(String s) {
        try {
            return s == null ? null : valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
