package dev.beacon.protocol;

import java.util.List;

/**
 * The ERROR frame: a refusal with its wire {@code code}, a {@code message}, {@code retry_after_ms} (written only
 * when above 0) and, with {@code unsupported_version}, the {@code supported} versions. Read leniently: a refusal
 * is always reported, so a missing code reads as {@code unknown} (not retryable) and a missing message as empty.
 */
public record Refusal(String code, String message, long retryAfterMs, List<Integer> supported) implements Message {

    public static Refusal of(ProtocolException e) {
        return new Refusal(e.wireCode, messageOf(e), e.retryAfterMs,
                e.code == ErrorCode.UNSUPPORTED_VERSION ? Protocol.SUPPORTED_VERSIONS : null);
    }

    @Override
    public FrameType type() {
        return FrameType.ERROR;
    }

    @Override
    public Frame toFrame() {
        Frame f = Frame.of(type()).put("code", code).put("message", message);
        if (retryAfterMs > 0) f.put("retry_after_ms", retryAfterMs);
        if (supported != null) f.put("supported", supported);
        return f;
    }

    public static Refusal from(Frame f) {
        String code = f.text("code");
        String message = f.text("message");
        return new Refusal(code == null ? "unknown" : code, message == null ? "" : message, f.number("retry_after_ms", 0),
                f.ints("supported"));
    }

    /** The exception this refusal stands for, on the client side; {@code code} is null for a code this release does not know. */
    public ProtocolException toException() {
        return new ProtocolException(ErrorCode.fromWire(code), code, message, retryAfterMs);
    }

    private static String messageOf(ProtocolException e) {
        String m = e.getMessage();
        String prefix = e.wireCode + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
