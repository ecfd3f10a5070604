package dev.beacon.status.store;

import dev.beacon.status.Status;

import java.time.Instant;

/**
 * The roll-up of one component seen from one location during one UTC minute: the input of the uptime math.
 *
 * @param status       the worst status of the minute's probes
 * @param probes       how many probes the minute had (up + degraded + down)
 * @param latencyCount how many of them measured a latency; latencySumMs / latencyCount is their mean
 * @param latencyMaxMs null when none did
 */
public record MinuteStatus(String component, String location, Instant minute, Status status, int probes,
                           int up, int degraded, int down, int latencyCount, long latencySumMs,
                           Integer latencyMaxMs) {
}
