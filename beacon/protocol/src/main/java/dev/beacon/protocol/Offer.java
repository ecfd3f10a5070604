package dev.beacon.protocol;

import java.util.List;

/**
 * The versions a first frame (CONNECT, REGISTER, ATTACH, FORWARD) offers: {@code versions}, or the older single
 * {@code version} used only when {@code versions} is absent. {@link Protocol#negotiate} picks from them.
 */
public record Offer(List<Integer> versions, Integer version) {

    /** Every version this release speaks, as its clients offer them. */
    public static Offer supported() {
        return new Offer(Protocol.SUPPORTED_VERSIONS, null);
    }

    public static Offer of(List<Integer> versions) {
        return new Offer(versions, null);
    }

    static Offer from(Frame f) {
        Long v = f.number("version");
        return new Offer(f.ints("versions"), v == null ? null : v.intValue());
    }

    Frame writeTo(Frame f) {
        if (versions != null) f.put("versions", versions);
        if (version != null) f.put("version", version);
        return f;
    }
}
