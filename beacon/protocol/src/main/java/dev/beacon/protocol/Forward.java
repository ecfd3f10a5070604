package dev.beacon.protocol;

/**
 * FORWARD, node to node: one wrapper stream for a bridge connected to the receiving node. The receiver takes the
 * wrapper's identity from these fields, so it checks each like a certificate's; {@code source} is optional.
 */
public record Forward(Offer offer, String trustDomain, String tenant, String bridge, String wrapper, String source)
        implements Message {

    @Override
    public FrameType type() {
        return FrameType.FORWARD;
    }

    @Override
    public Frame toFrame() {
        return offer.writeTo(Frame.of(type())).put("trust_domain", trustDomain).put("tenant", tenant)
                .put("bridge", bridge).put("wrapper", wrapper).put("source", source);
    }

    public static Forward from(Frame f) {
        return new Forward(Offer.from(f), f.requireText("trust_domain"), f.requireText("tenant"), f.requireText("bridge"),
                f.requireText("wrapper"), f.text("source"));
    }
}
