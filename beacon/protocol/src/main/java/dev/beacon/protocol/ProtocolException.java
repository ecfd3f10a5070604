package dev.beacon.protocol;

/** A protocol violation or a refusal, with the code that goes (or came) in the ERROR frame. */
public class ProtocolException extends RuntimeException {
    public final ErrorCode code;
    public final String wireCode;
    public final long retryAfterMs;

    public ProtocolException(ErrorCode code, String message) {
        this(code, code.wire(), message, 0);
    }

    public ProtocolException(ErrorCode code, String wireCode, String message, long retryAfterMs) {
        super(wireCode + ": " + message, null, false, false);
        this.code = code;
        this.wireCode = wireCode;
        this.retryAfterMs = retryAfterMs;
    }

    public boolean retryable() {
        return code != null && code.retryable;
    }
}
