package dev.beacon.wrapper;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A wrapper call's overall deadline (rule 7 of the client timeouts, docs/protocol.md section 13). Socket timeouts
 * bound each read, but not a write into a peer that stopped reading nor a peer that trickles bytes; so when the
 * deadline passes, the socket the call is using is closed, which ends whatever it is blocked in.
 */
final class Deadline {
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "wrapper-deadline");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true); // a busy client closes thousands of streams long before their deadline
        return t;
    }

    private final Duration total;
    private final ScheduledFuture<?> task;
    private volatile Socket current;
    private volatile boolean passed;

    /** Starts now; {@code total} zero (or negative) means no deadline. */
    Deadline(Duration total) {
        this.total = total;
        this.task = total.isZero() || total.isNegative() ? null : TIMER.schedule(this::expire, total.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The connection the call uses from now on: the one closed when the deadline passes. */
    void watch(Socket s) {
        current = s;
        if (passed) closeQuietly(s);
    }

    boolean passed() {
        return passed;
    }

    /** Stops the clock: the call is over. */
    void cancel() {
        if (task != null) task.cancel(false);
    }

    /** What the caller sees once the deadline has passed, whatever the closed socket made it throw. */
    SocketTimeoutException exceeded(String during, Throwable cause) {
        SocketTimeoutException e = new SocketTimeoutException("no answer within the wrapper's deadline of " + total.toMillis()
                + " ms (" + during + ")");
        if (cause != null) e.initCause(cause);
        return e;
    }

    private void expire() {
        passed = true;
        Socket s = current;
        if (s != null) closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing to unblock the caller; nothing else to do
        }
    }
}
