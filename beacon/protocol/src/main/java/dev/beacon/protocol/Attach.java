package dev.beacon.protocol;

/** ATTACH, bridge to beacon: a data connection for the warm pool; no reply. {@code agent} is optional free text. */
public record Attach(Offer offer, String agent) implements Message {

    @Override
    public FrameType type() {
        return FrameType.ATTACH;
    }

    @Override
    public Frame toFrame() {
        return offer.writeTo(Frame.of(type())).put("agent", agent);
    }

    public static Attach from(Frame f) {
        return new Attach(Offer.from(f), f.text("agent"));
    }
}
