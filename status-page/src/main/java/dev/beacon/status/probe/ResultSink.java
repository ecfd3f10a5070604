package dev.beacon.status.probe;

/** Where confirmed results go (the uptime store's writer). Called from a probe thread: return quickly. */
@FunctionalInterface
public interface ResultSink {
    void accept(ProbeResult r);
}
