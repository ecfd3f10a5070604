package dev.beacon.status.probe;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One way of looking at one component, from outside. {@link #attempt} starts one try and never blocks the caller;
 * the future completes normally when the component answered correctly, exceptionally otherwise (a
 * {@link ProbeFailure} carries the reason a person reads; other exceptions are worded by {@link Reason}). The
 * {@link Prober} times the attempt, enforces {@code timeout} on the future and retries once: an implementation
 * releases what it holds when the future completes, however it completes.
 */
public interface Probe {
    /** The component's stable key, the one results and metrics carry. */
    String component();

    CompletableFuture<Void> attempt(Duration timeout);
}
