package dev.beacon.it;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The service behind the bridge in tests, on real sockets. By the first bytes of a connection:
 * HTTP ("GET "/"POST") answers with JSON naming the path and echoing the body; "BULK n id\n" sends n
 * pseudo-random bytes while reading and hashing n bytes; "ECHO" echoes everything back.
 */
public final class TestUpstream implements AutoCloseable {
    final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "upstream");
        t.setDaemon(true);
        return t;
    });
    /** BULK id -> SHA-256 of the bytes received. */
    public final Map<String, String> received = new ConcurrentHashMap<>();
    /** BULK id -> bytes written so far. */
    final Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
    final AtomicLong httpRequests = new AtomicLong();

    TestUpstream() throws IOException {
        this(InetAddress.getLoopbackAddress());
    }

    /** Listening on {@code bind} (the wildcard address when bridges reach it from network namespaces). */
    public TestUpstream(InetAddress bind) throws IOException {
        server = new ServerSocket(0, 100, bind);
        pool.execute(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                pool.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            BufferedInputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            OutputStream out = s.getOutputStream();
            in.mark(8);
            byte[] head = in.readNBytes(4);
            in.reset();
            String h = new String(head, StandardCharsets.US_ASCII);
            if (h.equals("GET ") || h.equals("POST")) {
                http(in, out);
            } else if (h.equals("BULK")) {
                bulk(in, out);
            } else {
                in.transferTo(out);
            }
        } catch (Exception ignored) {
            // the peer went away; tests assert on what arrived
        }
    }

    private void http(InputStream in, OutputStream out) throws IOException {
        String requestLine = line(in);
        int length = 0;
        for (String l; !(l = line(in)).isEmpty(); ) {
            if (l.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(l.substring(15).trim());
        }
        byte[] body = in.readNBytes(length);
        httpRequests.incrementAndGet();
        String path = requestLine.split(" ")[1];
        String json = "{\"upstream\":\"hello through the beacon\",\"path\":\"" + path + "\",\"body\":\""
                + new String(body, StandardCharsets.UTF_8).replace("\"", "'") + "\"}";
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    private void bulk(InputStream in, OutputStream out) throws Exception {
        String[] cmd = line(in).split(" ");
        long n = Long.parseLong(cmd[1]);
        String id = cmd[2];
        AtomicLong progress = sent.computeIfAbsent(id, k -> new AtomicLong());
        Thread writer = new Thread(() -> {
            try {
                writePattern(out, n, progress::addAndGet);
            } catch (IOException ignored) {
                // reader side will notice
            }
        }, "upstream-bulk-writer");
        writer.start();
        received.put(id, digest(in, n));
        writer.join();
    }

    /** Writes the n pseudo-random bytes BULK n stands for (seeded by n), reporting progress per chunk. */
    public static void writePattern(OutputStream out, long n, java.util.function.LongConsumer progress) throws IOException {
        Random r = new Random(n);
        byte[] buf = new byte[64 * 1024];
        for (long left = n; left > 0; ) {
            r.nextBytes(buf);
            int k = (int) Math.min(buf.length, left);
            out.write(buf, 0, k);
            left -= k;
            progress.accept(k);
        }
        out.flush();
    }

    /** SHA-256 of the next n bytes of {@code in} (fewer if it ends first). */
    public static String digest(InputStream in, long n) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            for (long left = n; left > 0; ) {
                int k = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (k < 0) break;
                md.update(buf, 0, k);
                left -= k;
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes BULK n sends, hashed: what the other end must receive. */
    public static String expectedDigest(long n) throws IOException {
        java.security.DigestOutputStream sink;
        try {
            sink = new java.security.DigestOutputStream(OutputStream.nullOutputStream(), MessageDigest.getInstance("SHA-256"));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        writePattern(sink, n, k -> { });
        return HexFormat.of().formatHex(sink.getMessageDigest().digest());
    }

    /** Until BULK {@code id}'s writer has made no progress for half a second: back-pressure reached the upstream. */
    long awaitStalled(String id, java.time.Duration timeout) {
        AtomicLong last = new AtomicLong(-1);
        long[] stableSince = {System.nanoTime()};
        dev.beacon.tls.testing.Await.until("upstream writer of " + id + " stalled by back-pressure", timeout, () -> {
            AtomicLong p = sent.get(id);
            long now = p == null ? 0 : p.get();
            if (now != last.getAndSet(now)) {
                stableSince[0] = System.nanoTime();
                return false;
            }
            return now > 0 && System.nanoTime() - stableSince[0] > java.time.Duration.ofMillis(500).toNanos();
        });
        return sent.get(id).get();
    }

    static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            if (c != '\r') sb.append((char) c);
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
        pool.shutdownNow();
    }
}
