package dev.beacon.status.service;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock the test sets, so results written with known timestamps land in known minutes. */
final class TestClock extends Clock {
    private final AtomicReference<Instant> now;

    TestClock(Instant now) {
        this.now = new AtomicReference<>(now);
    }

    void set(Instant t) {
        now.set(t);
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
