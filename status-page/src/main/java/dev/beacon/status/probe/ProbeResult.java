package dev.beacon.status.probe;

import dev.beacon.status.Status;

import java.time.Instant;

/**
 * One confirmed outcome of one component, as the storage and the page see it.
 *
 * @param location      where the probe ran (the status page's {@code location} name)
 * @param component     the component's stable key, e.g. {@code node/n1/tls}, {@code node/n1/readyz}, {@code canary}
 * @param at            when the round started
 * @param status        UP, DEGRADED or DOWN
 * @param latencyMillis the duration of the attempt the status is based on (the last one)
 * @param reason        empty when UP; otherwise what a person should read, e.g. "TLS handshake: certificate expired"
 * @param attempts      1, or 2 when the first attempt failed and was retried
 */
public record ProbeResult(String location, String component, Instant at, Status status, long latencyMillis, String reason,
                          int attempts) {
}
