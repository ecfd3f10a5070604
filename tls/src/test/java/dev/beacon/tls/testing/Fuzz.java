package dev.beacon.tls.testing;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * What the property tests (docs/fuzzing.md) share: inputs that are valid, nearly valid (a valid one mutated: bit
 * flips, truncations, insertions, huge length fields, control and non-ASCII characters) or noise; and {@link #run},
 * which runs one parse with a deadline (a hang fails the property) and measures what it allocated.
 */
public final class Fuzz {
    /** One case of one parser: far more than any of them needs, far less than a hang. */
    public static final Duration DEADLINE = Duration.ofSeconds(5);

    private static ExecutorService worker = newWorker();
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Fuzz() {
    }

    /** What one parse did: its value or what it threw, and the heap bytes it allocated. */
    public record Outcome<T>(T value, Throwable thrown, long allocatedBytes) {
        /** The value; the thrown exception (wrapped when checked) otherwise, so the property reports it with its input. */
        public T get() {
            if (thrown == null) return value;
            if (thrown instanceof RuntimeException r) throw r;
            if (thrown instanceof Error e) throw e;
            throw new IllegalStateException(thrown);
        }

        /** Passes when it returned a value or threw one of {@code allowed}; anything else fails the property. */
        @SafeVarargs
        public final Outcome<T> refusedOnlyWith(Class<? extends Throwable>... allowed) {
            if (thrown == null) return this;
            for (Class<? extends Throwable> a : allowed) if (a.isInstance(thrown)) return this;
            throw new AssertionError("unexpected " + thrown.getClass().getName() + " escaped: " + thrown.getMessage(), thrown);
        }

        public Outcome<T> allocatedAtMost(long bytes) {
            if (allocatedBytes > bytes) throw new AssertionError("allocated " + allocatedBytes + " bytes, more than " + bytes);
            return this;
        }
    }

    /** Runs {@code parse} on a worker thread within {@link #DEADLINE}; a parse still running then fails as a hang. */
    public static synchronized <T> Outcome<T> run(Callable<T> parse) {
        Future<Outcome<T>> f = worker.submit(() -> {
            long tid = Thread.currentThread().getId();
            long before = THREADS.getThreadAllocatedBytes(tid);
            T value = null;
            Throwable thrown = null;
            try {
                value = parse.call();
            } catch (Throwable t) {
                thrown = t;
            }
            return new Outcome<>(value, thrown, THREADS.getThreadAllocatedBytes(tid) - before);
        });
        try {
            return f.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            worker.shutdownNow(); // the hung thread is abandoned; the next case gets a fresh one
            worker = newWorker();
            throw new AssertionError("no result within " + DEADLINE.toMillis() + " ms: the parser hangs on this input");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
    }

    // ---- bytes ----

    /** Valid inputs (a sixth), those mutated (two thirds), and noise (a sixth). */
    public static Arbitrary<byte[]> nearly(Arbitrary<byte[]> valid) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, valid),
                net.jqwik.api.Tuple.of(4, mutated(valid)),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)));
    }

    /** {@code valid} with 1-4 mutations; the seed shrinks, so a failure comes back with few of them. */
    public static Arbitrary<byte[]> mutated(Arbitrary<byte[]> valid) {
        return Combinators.combine(valid, Arbitraries.longs()).as((v, seed) -> mutate(v, new Random(seed)));
    }

    private static final byte[] INTERESTING = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff, (byte) 0xfe, '{', '}', '"', '\\', '\n'};

    public static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        int n = 1 + r.nextInt(4);
        for (int k = 0; k < n; k++) {
            int op = r.nextInt(8);
            int at = b.length == 0 ? 0 : r.nextInt(b.length);
            switch (op) {
                case 0 -> { // flip a bit
                    if (b.length > 0) b[at] ^= (byte) (1 << r.nextInt(8));
                }
                case 1 -> { // an interesting byte
                    if (b.length > 0) b[at] = INTERESTING[r.nextInt(INTERESTING.length)];
                }
                case 2 -> b = Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length)); // truncate
                case 3 -> { // insert random bytes
                    byte[] ins = new byte[1 + r.nextInt(8)];
                    r.nextBytes(ins);
                    b = splice(b, at, 0, ins);
                }
                case 4 -> { // delete a run
                    if (b.length > 0) b = splice(b, at, Math.min(b.length - at, 1 + r.nextInt(8)), new byte[0]);
                }
                case 5 -> { // repeat a slice
                    if (b.length > 0) {
                        int len = Math.min(b.length - at, 1 + r.nextInt(16));
                        b = splice(b, at, 0, Arrays.copyOfRange(b, at, at + len));
                    }
                }
                case 6 -> { // a huge or extreme 16/32-bit big-endian number (length fields)
                    if (b.length >= 2) {
                        int w = b.length >= 4 && r.nextBoolean() ? 4 : 2;
                        int p = r.nextInt(b.length - w + 1);
                        int v = switch (r.nextInt(4)) {
                            case 0 -> 0xFFFFFFFF;
                            case 1 -> 0x7FFFFFFF;
                            case 2 -> 0x80000000;
                            default -> r.nextInt();
                        };
                        for (int i = 0; i < w; i++) b[p + i] = (byte) (v >>> (8 * (w - 1 - i)));
                    }
                }
                default -> { // a non-ASCII or control character, UTF-8 encoded
                    b = splice(b, at, 0, String.valueOf(NASTY[r.nextInt(NASTY.length)]).getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    // ---- text ----

    /** Characters parsers trip on: controls, separators of URIs, YAML and CIDRs, lookalikes, bidi, surrogate halves. */
    static final char[] NASTY = {
            '\0', '\t', '\n', '\r', '\u001b', '\u007f', ' ', '%', '/', ':', '@', '?', '#', '[', ']', '.', '*', '\\', '"', '\'',
            '{', '}', '-', '&', '!', '|', '>', ',', '=', '~', '\u00a0', '\u00e9', '\u0130', '\u0660', '\u200b', '\u202e',
            '\u2028', '\ufeff', '\uff0e', '\uff0f', '\uff21', '\ud800', '\udc00', '\uffff'};

    /** Valid text (a sixth), mutated text (two thirds), and any string (a sixth). */
    public static Arbitrary<String> nearlyText(Arbitrary<String> valid) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, valid),
                net.jqwik.api.Tuple.of(4, Combinators.combine(valid, Arbitraries.longs()).as((v, seed) -> mutate(v, new Random(seed)))),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(80)));
    }

    public static String mutate(String in, Random r) {
        StringBuilder s = new StringBuilder(in);
        int n = 1 + r.nextInt(4);
        for (int k = 0; k < n; k++) {
            int at = s.length() == 0 ? 0 : r.nextInt(s.length());
            switch (r.nextInt(7)) {
                case 0 -> s.insert(at, NASTY[r.nextInt(NASTY.length)]);
                case 1 -> {
                    if (s.length() > 0) s.setCharAt(at, NASTY[r.nextInt(NASTY.length)]);
                }
                case 2 -> {
                    if (s.length() > 0) s.deleteCharAt(at);
                }
                case 3 -> s.setLength(s.length() == 0 ? 0 : r.nextInt(s.length())); // truncate
                case 4 -> { // repeat a slice
                    if (s.length() > 0) s.insert(at, s.substring(at, Math.min(s.length(), at + 1 + r.nextInt(12))));
                }
                case 5 -> { // flip the case of a letter
                    if (s.length() > 0) {
                        char c = s.charAt(at);
                        s.setCharAt(at, Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
                    }
                }
                default -> s.insert(at, (char) (r.nextInt(0x10000))); // any UTF-16 unit
            }
        }
        return s.toString();
    }
}
