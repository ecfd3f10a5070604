package dev.beacon.status.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probe results on their way to the database, so that probing goes on while the database is away.
 *
 * <p>Contract: {@link #offer} never blocks and never fails; it only takes a short lock. One writer thread records
 * queued results in batches; when a write fails the batch goes back to the head of the queue and the writer retries
 * with a doubling delay. At most {@code capacity} results wait (plus one batch being written): beyond that the
 * oldest are dropped and counted in {@link #dropped}, since the newest say most about now. A batch that was
 * written but reported as failed is written again, which the store's idempotent record makes harmless.
 */
public final class ResultBuffer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResultBuffer.class);

    /**
     * @param capacity   results kept waiting at most; the oldest beyond it are dropped
     * @param batchSize  results per write
     * @param retryFirst delay before the first retry after a failed write; doubles up to retryMax
     * @param closeWait  how long {@link #close} waits for the writer to write what is queued
     */
    public record Options(int capacity, int batchSize, Duration retryFirst, Duration retryMax, Duration closeWait) {
        /** 50,000 results (about a day of 10 components x 3 locations every 30 s), 500 a batch, retry 1 s to 30 s. */
        public static final Options DEFAULT = new Options(50_000, 500, Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(10));

        public Options {
            if (capacity < 1 || batchSize < 1) {
                throw new IllegalArgumentException("store.buffer capacity and batch size must be positive");
            }
            if (retryFirst.isNegative() || retryFirst.isZero() || retryMax.compareTo(retryFirst) < 0) {
                throw new IllegalArgumentException("store.buffer retry delays must be positive, first <= max");
            }
        }
    }

    private final Recorder target;
    private final Options options;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<StoredResult> queue = new ArrayDeque<>();
    private final Thread writer;
    private int inFlight;
    private long dropped;
    private long written;
    private long tooOld;
    private long failedWrites;
    private boolean closed;

    public ResultBuffer(Recorder target, Options options) {
        this.target = target;
        this.options = options;
        this.writer = new Thread(this::writeLoop, "status-store-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Queues one result; never blocks. After {@link #close} the result is dropped and counted. */
    public void offer(StoredResult result) {
        offer(List.of(result));
    }

    /** Queues results; never blocks. */
    public void offer(Collection<StoredResult> results) {
        lock.lock();
        try {
            if (closed) {
                dropped += results.size();
                return;
            }
            queue.addAll(results);
            trim();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Results not yet written: queued plus being written. */
    public int pending() {
        lock.lock();
        try {
            return queue.size() + inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** Results dropped, oldest first, because capacity was reached (or offered after close). */
    public long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    /** Results the store took. */
    public long written() {
        lock.lock();
        try {
            return written;
        } finally {
            lock.unlock();
        }
    }

    /** Results the store refused as older than its purge horizon. */
    public long tooOld() {
        lock.lock();
        try {
            return tooOld;
        } finally {
            lock.unlock();
        }
    }

    /** Writes that failed (and will be retried): a rising count means the database is away. */
    public long failedWrites() {
        lock.lock();
        try {
            return failedWrites;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until nothing is pending; false if timeout passed first. */
    public boolean awaitWritten(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (!queue.isEmpty() || inFlight > 0) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Stops taking results, gives the writer up to closeWait to write what is queued, and stops it. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            writer.join(options.closeWait().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = pending();
        if (left > 0) {
            LOG.warn("status store buffer closed with {} probe results unwritten", left);
        }
    }

    private void trim() {
        while (queue.size() > options.capacity()) {
            queue.pollFirst();
            dropped++;
        }
    }

    private void writeLoop() {
        Duration delay = options.retryFirst();
        String failing = null;
        while (true) {
            List<StoredResult> batch = new ArrayList<>();
            lock.lock();
            try {
                while (queue.isEmpty() && !closed) {
                    changed.awaitUninterruptibly();
                }
                if (queue.isEmpty()) {
                    return;
                }
                while (batch.size() < options.batchSize() && !queue.isEmpty()) {
                    batch.add(queue.pollFirst());
                }
                inFlight = batch.size();
            } finally {
                lock.unlock();
            }
            try {
                Store.Recorded recorded = target.record(batch);
                lock.lock();
                try {
                    inFlight = 0;
                    written += recorded.stored();
                    tooOld += recorded.tooOld();
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                if (failing != null) {
                    LOG.info("status store reachable again, writing {} buffered probe results", pending());
                    failing = null;
                }
                delay = options.retryFirst();
            } catch (RuntimeException e) {
                boolean stop;
                lock.lock();
                try {
                    for (int i = batch.size() - 1; i >= 0; i--) {
                        queue.addFirst(batch.get(i));
                    }
                    inFlight = 0;
                    failedWrites++;
                    trim();
                    changed.signalAll();
                    stop = closed;
                    if (!stop) {
                        long left = delay.toNanos();
                        while (left > 0 && !closed) {
                            left = changed.awaitNanos(left);
                        }
                        stop = closed;
                    }
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    stop = true;
                } finally {
                    lock.unlock();
                }
                String reason = reason(e);
                if (!reason.equals(failing)) {
                    LOG.warn("status store unreachable, buffering probe results ({} waiting): {}", pending(), reason);
                    failing = reason;
                }
                if (stop) {
                    return;
                }
                delay = delay.multipliedBy(2).compareTo(options.retryMax()) > 0 ? options.retryMax()
                        : delay.multipliedBy(2);
            }
        }
    }

    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return e.getMessage() + (root == e ? "" : ": " + root.getMessage());
    }
}
