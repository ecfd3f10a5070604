package dev.beacon.status.probe;

/** A failed attempt whose message is already the reason a person reads ("/readyz answered 503"). */
public final class ProbeFailure extends Exception {
    public ProbeFailure(String reason) {
        super(reason, null, false, false);
    }

    public ProbeFailure(String reason, Throwable cause) {
        super(reason, cause, false, false);
    }
}
