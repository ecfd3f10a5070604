package dev.beacon.protocol;

/** REGISTER, bridge to beacon: the control connection; {@code agent} and {@code pool} are informational, both optional. */
public record Register(Offer offer, String agent, Integer pool) implements Message {

    @Override
    public FrameType type() {
        return FrameType.REGISTER;
    }

    @Override
    public Frame toFrame() {
        Frame f = offer.writeTo(Frame.of(type())).put("agent", agent);
        return pool == null ? f : f.put("pool", pool);
    }

    public static Register from(Frame f) {
        Long pool = f.number("pool");
        return new Register(Offer.from(f), f.text("agent"), pool == null ? null : pool.intValue());
    }
}
