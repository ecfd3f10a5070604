package dev.beacon.protocol;

/** CONNECT, wrapper to beacon: open a stream to {@code bridge}; {@code tenant} (optional) must be the wrapper's own. */
public record Connect(Offer offer, String bridge, String tenant) implements Message {

    public static Connect to(String bridge) {
        return new Connect(Offer.supported(), bridge, null);
    }

    @Override
    public FrameType type() {
        return FrameType.CONNECT;
    }

    @Override
    public Frame toFrame() {
        return offer.writeTo(Frame.of(type())).put("bridge", bridge).put("tenant", tenant);
    }

    public static Connect from(Frame f) {
        String bridge = f.requireText("bridge");
        if (bridge.isEmpty()) throw f.missing("bridge", "a bridge id");
        return new Connect(Offer.from(f), bridge, f.text("tenant"));
    }
}
