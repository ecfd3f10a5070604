package dev.beacon.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A TCP load balancer in front of the nodes (round robin, skips dead backends): what a cloud LB does on 443. */
final class RoundRobinProxy implements AutoCloseable {
    private final ServerSocket server;
    private final List<Integer> backends;
    private final AtomicInteger next = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lb");
        t.setDaemon(true);
        return t;
    });

    RoundRobinProxy(List<Integer> backendPorts) throws IOException {
        this.backends = backendPorts;
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        pool.execute(this::accept);
    }

    String address() {
        return "localhost:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket in = server.accept();
                pool.execute(() -> route(in));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void route(Socket in) {
        for (int tries = 0; tries < backends.size(); tries++) {
            int port = backends.get(Math.floorMod(next.getAndIncrement(), backends.size()));
            Socket out = new Socket();
            try {
                out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                pool.execute(() -> pump(in, out));
                pool.execute(() -> pump(out, in));
                return;
            } catch (IOException e) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // next backend
                }
            }
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // no backend alive
        }
    }

    private static void pump(Socket from, Socket to) {
        try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
            i.transferTo(o);
        } catch (IOException ignored) {
            // either side closed
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        pool.shutdownNow();
    }
}
