package dev.beacon.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The measurements. Each runs against one {@link Target} through the same {@link Dialer}, so the only thing that
 * differs between set-ups is what sits between the load generator and the bench server.
 */
final class Workloads {
    private Workloads() {
    }

    /** A bulk run: MB/s received by the client, and CPU seconds per GB for the relay process(es) and the machine. */
    record Bulk(double mbPerSec, double relayCpuPerGb, double machineCpuPerGb, String cipher) {
    }

    /** Latency in microseconds, plus the rate actually achieved (requests/s) and lost requests. */
    record Latency(double p50, double p99, double p999, double max, double rate, long lost) {
        static Latency of(Histogram h, double rate, long lost) {
            return new Latency(h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
                    h.getMaxValue() / 1e3, rate, lost);
        }
    }

    record Memory(double rssPerConn, double heapPerConn, int connections) {
    }

    static Bulk bulk(Dialer d, Target t, int streams, long warmMs, long measureMs, long[] relayPids) throws Exception {
        LongAdder bytes = new LongAdder();
        List<Channel> chans = openAll(d, t, streams);
        String cipher = Dialer.cipher(chans.get(0));
        for (Channel ch : chans) {
            ch.eventLoop().execute(() -> {
                ch.pipeline().addLast(new Count(bytes));
                ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {Serve.DOWNLOAD}));
            });
        }
        Thread.sleep(warmMs); // the measurement window itself: bytes are counted between the two snapshots
        long b0 = bytes.sum();
        long t0 = System.nanoTime();
        double cpu0 = cpu(relayPids);
        double m0 = Proc.machineBusySeconds();
        Thread.sleep(measureMs);
        long b1 = bytes.sum();
        long t1 = System.nanoTime();
        double cpu1 = cpu(relayPids);
        double m1 = Proc.machineBusySeconds();
        closeAll(chans);
        double gb = (b1 - b0) / 1e9;
        return new Bulk((b1 - b0) / 1e6 / ((t1 - t0) / 1e9), relayPids.length == 0 ? Double.NaN : (cpu1 - cpu0) / gb,
                (m1 - m0) / gb, cipher);
    }

    /**
     * Open-loop latency at a fixed offered rate (the wrk2 method): request i is due at start + i/rate and its latency
     * counts from that due time, not from when it was actually sent, so a stall shows as the queue it causes.
     * This is the coordinated-omission correction; requests are spread round-robin over {@code conns} streams.
     */
    static Latency openLoop(Dialer d, Target t, int conns, int rate, int msgSize, long warmMs, long measureMs) throws Exception {
        List<Channel> chans = openAll(d, t, conns);
        Recorder rec = new Recorder(3);
        LongAdder answered = new LongAdder();
        long start = System.nanoTime() + 50_000_000L;
        long measureFrom = start + warmMs * 1_000_000L;
        long end = measureFrom + measureMs * 1_000_000L;
        List<Echo> echoes = startEcho(chans, msgSize, rec, answered, measureFrom, end, null);
        ByteBuf body = Unpooled.directBuffer(msgSize).writeZero(msgSize);
        ByteBuf req = Unpooled.unreleasableBuffer(body);
        long period = 1_000_000_000L / rate;
        long sent = 0;
        for (long i = 0; ; i++) {
            long due = start + i * period;
            if (due >= end) break;
            long now;
            while ((now = System.nanoTime()) < due) LockSupport.parkNanos(due - now);
            Echo e = echoes.get((int) (i % echoes.size()));
            e.ch.eventLoop().execute(() -> e.send(due, req.duplicate()));
            sent++;
        }
        long lost = awaitAnswers(echoes, sent, 5_000);
        closeAll(chans);
        body.release(); // every send ran on the channels' loops before they closed
        return Latency.of(rec.getIntervalHistogram(), answered.sum() / (measureMs / 1e3), lost);
    }

    /**
     * Closed loop at saturation: every stream has one request outstanding and sends the next as soon as the answer
     * arrives. The rate it reaches is the maximum sustained rate; latency is service time at that load.
     */
    static Latency saturation(Dialer d, Target t, int conns, int msgSize, long warmMs, long measureMs) throws Exception {
        List<Channel> chans = openAll(d, t, conns);
        Recorder rec = new Recorder(3);
        LongAdder answered = new LongAdder();
        long start = System.nanoTime();
        long measureFrom = start + warmMs * 1_000_000L;
        long end = measureFrom + measureMs * 1_000_000L;
        ByteBuf body = Unpooled.directBuffer(msgSize).writeZero(msgSize);
        ByteBuf req = Unpooled.unreleasableBuffer(body);
        List<Echo> echoes = startEcho(chans, msgSize, rec, answered, measureFrom, end, req);
        for (Echo e : echoes) e.ch.eventLoop().execute(() -> e.send(System.nanoTime(), req.duplicate()));
        Thread.sleep((end - System.nanoTime()) / 1_000_000L + 1);
        for (Echo e : echoes) e.stopped = true;
        closeAll(chans);
        body.release();
        return Latency.of(rec.getIntervalHistogram(), answered.sum() / (measureMs / 1e3), 0);
    }

    /** Connect to first byte: TCP, TLS, (CONNECT), one byte echoed. Sequential, {@code warm} not recorded. */
    static Latency setup(Dialer d, Target t, int warm, int n) throws Exception {
        Histogram h = new Histogram(3);
        for (int i = 0; i < warm + n; i++) {
            long t0 = System.nanoTime();
            CompletableFuture<Long> first = new CompletableFuture<>();
            Future<Channel> f = d.open(t, false);
            f.addListener(x -> {
                if (!x.isSuccess()) {
                    first.completeExceptionally(x.cause());
                    return;
                }
                Channel ch = f.getNow();
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        first.complete(System.nanoTime());
                        ReferenceCountUtil.release(msg);
                        ctx.close();
                    }
                });
                ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {Serve.ECHO, 1}));
            });
            long t1 = first.get(15, TimeUnit.SECONDS);
            if (i >= warm) h.recordValue(t1 - t0);
        }
        return Latency.of(h, Double.NaN, 0);
    }

    /** Full mTLS handshakes per second (ECDSA P-256, no resumption) with {@code conns} handshakes in flight. */
    static double handshakes(Dialer d, Target t, int conns, long warmMs, long measureMs) throws Exception {
        AtomicLong done = new AtomicLong();
        LongAdder failed = new LongAdder();
        long stopAt = System.nanoTime() + (warmMs + measureMs) * 1_000_000L;
        CountDownLatch loops = new CountDownLatch(conns);
        for (int i = 0; i < conns; i++) handshakeLoop(d, t, done, failed, stopAt, loops);
        Thread.sleep(warmMs);
        long c0 = done.get();
        long t0 = System.nanoTime();
        Thread.sleep(measureMs);
        long c1 = done.get();
        long t1 = System.nanoTime();
        if (!loops.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("handshake loops did not stop");
        if (failed.sum() > 0) System.out.println("  (" + failed.sum() + " handshakes failed)");
        return (c1 - c0) / ((t1 - t0) / 1e9);
    }

    private static void handshakeLoop(Dialer d, Target t, AtomicLong done, LongAdder failed, long stopAt, CountDownLatch loops) {
        if (System.nanoTime() >= stopAt) {
            loops.countDown();
            return;
        }
        Future<Channel> f = d.open(t, true);
        f.addListener(x -> {
            if (x.isSuccess()) {
                done.incrementAndGet();
                f.getNow().close();
            } else {
                failed.increment();
            }
            handshakeLoop(d, t, done, failed, stopAt, loops);
        });
    }

    /** Opens {@code n} streams that each echo one byte, then leave them idle; returns them (the caller closes). */
    static List<Channel> idle(Dialer d, Target t, int n) throws Exception {
        List<Channel> out = java.util.Collections.synchronizedList(new ArrayList<>());
        Semaphore inFlight = new Semaphore(64);
        LongAdder failed = new LongAdder();
        CountDownLatch all = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            inFlight.acquire();
            Future<Channel> f = d.open(t, false);
            f.addListener(x -> {
                if (!x.isSuccess()) {
                    failed.increment();
                    inFlight.release();
                    all.countDown();
                    return;
                }
                Channel ch = f.getNow();
                out.add(ch);
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                        ctx.pipeline().remove(this);
                        inFlight.release();
                        all.countDown();
                    }
                });
                ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {Serve.ECHO, 1}));
            });
        }
        if (!all.await(120, TimeUnit.SECONDS)) throw new IllegalStateException("idle streams did not all open in 120 s");
        if (failed.sum() > 0) throw new IllegalStateException(failed.sum() + " of " + n + " idle streams failed to open");
        return out;
    }

    // ---- plumbing ----

    static List<Channel> openAll(Dialer d, Target t, int n) throws Exception {
        List<Future<Channel>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) fs.add(d.open(t, false));
        List<Channel> out = new ArrayList<>();
        for (Future<Channel> f : fs) {
            if (!f.await(20, TimeUnit.SECONDS)) throw new IllegalStateException(t.name() + ": stream not open after 20 s");
            if (!f.isSuccess()) throw new IllegalStateException(t.name() + ": cannot open a stream: " + f.cause(), f.cause());
            out.add(f.getNow());
        }
        return out;
    }

    static void closeAll(List<Channel> chans) {
        for (Channel ch : chans) ch.close();
        for (Channel ch : chans) ch.closeFuture().awaitUninterruptibly(10_000);
    }

    private static double cpu(long[] pids) {
        double s = 0;
        for (long p : pids) s += Proc.cpuSeconds(p);
        return s;
    }

    private static List<Echo> startEcho(List<Channel> chans, int msgSize, Recorder rec, LongAdder answered, long from, long to,
            ByteBuf again) throws InterruptedException {
        List<Echo> out = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(chans.size());
        for (Channel ch : chans) {
            Echo e = new Echo(ch, msgSize, rec, answered, from, to, again);
            out.add(e);
            ch.eventLoop().execute(() -> {
                ch.pipeline().addLast(e);
                ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {Serve.ECHO}));
                ready.countDown();
            });
        }
        ready.await(10, TimeUnit.SECONDS);
        return out;
    }

    private static long awaitAnswers(List<Echo> echoes, long sent, long maxMs) {
        long deadline = System.nanoTime() + maxMs * 1_000_000L;
        long got = 0;
        while (System.nanoTime() < deadline) {
            got = 0;
            for (Echo e : echoes) got += e.received;
            if (got >= sent) return 0;
            LockSupport.parkNanos(10_000_000L);
        }
        return sent - got;
    }

    private static final class Count extends ChannelInboundHandlerAdapter {
        private final LongAdder bytes;

        Count(LongAdder bytes) {
            this.bytes = bytes;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) bytes.add(b.readableBytes());
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** One stream of a latency run: due times of requests in flight (answers come back in order), and the answers. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        final Channel ch;
        private final int msgSize;
        private final Recorder rec;
        private final LongAdder answered;
        private final long from;
        private final long to;
        private final ByteBuf again;
        private long[] due = new long[1024];
        private int head;
        private int tail;
        private long pendingBytes;
        volatile long received;
        volatile boolean stopped;

        Echo(Channel ch, int msgSize, Recorder rec, LongAdder answered, long from, long to, ByteBuf again) {
            this.ch = ch;
            this.msgSize = msgSize;
            this.rec = rec;
            this.answered = answered;
            this.from = from;
            this.to = to;
            this.again = again;
        }

        /** On the event loop. */
        void send(long dueAt, ByteBuf req) {
            if (tail - head == due.length) {
                long[] bigger = new long[due.length * 2];
                for (int i = head; i < tail; i++) bigger[i - head] = due[i % due.length];
                tail -= head;
                head = 0;
                due = bigger;
            }
            due[tail++ % due.length] = dueAt;
            ch.writeAndFlush(req, ch.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) pendingBytes += b.readableBytes();
            ReferenceCountUtil.release(msg);
            long now = System.nanoTime();
            while (pendingBytes >= msgSize && head < tail) {
                pendingBytes -= msgSize;
                long d = due[head++ % due.length];
                received++;
                if (d >= from && d < to) {
                    rec.recordValue(Math.max(0, now - d));
                    answered.increment();
                }
                if (again != null && !stopped && now < to) send(now, again.duplicate());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
