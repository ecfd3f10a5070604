package dev.beacon.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP load balancer that speaks PROXY protocol v2, as a cloud network load balancer does: it dials the node from
 * its own address ({@code from}) and writes a header naming the client before the client's first byte.
 */
final class ProxyV2Balancer implements AutoCloseable {
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private final ServerSocket server;
    private final InetAddress from;
    private final int backendPort;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "proxy-v2-lb");
        t.setDaemon(true);
        return t;
    });

    ProxyV2Balancer(String from, int backendPort) throws IOException {
        this.from = InetAddress.getByName(from);
        this.backendPort = backendPort;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        pool.execute(this::accept);
    }

    String address() {
        return "localhost:" + server.getLocalPort();
    }

    int port() {
        return server.getLocalPort();
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
        Socket out = new Socket();
        try {
            out.bind(new InetSocketAddress(from, 0));
            out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), backendPort), 2000);
            out.getOutputStream().write(header((InetSocketAddress) in.getRemoteSocketAddress(), (InetSocketAddress) in.getLocalSocketAddress()));
            pool.execute(() -> pump(in, out));
            pool.execute(() -> pump(out, in));
        } catch (IOException e) {
            close(in);
            close(out);
        }
    }

    /** PROXY command, TCP over IPv4: the client and the address it dialled. */
    static byte[] header(InetSocketAddress client, InetSocketAddress dialled) {
        if (!(client.getAddress() instanceof Inet4Address) || !(dialled.getAddress() instanceof Inet4Address)) {
            throw new IllegalArgumentException("this test balancer speaks TCP4 only");
        }
        return ByteBuffer.allocate(28).put(SIGNATURE).put((byte) 0x21).put((byte) 0x11).putShort((short) 12)
                .put(client.getAddress().getAddress()).put(dialled.getAddress().getAddress())
                .putShort((short) client.getPort()).putShort((short) dialled.getPort()).array();
    }

    private static void pump(Socket from, Socket to) {
        try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
            i.transferTo(o);
        } catch (IOException ignored) {
            // either side closed
        } finally {
            close(from);
            close(to);
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        pool.shutdownNow();
    }
}
