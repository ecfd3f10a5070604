package dev.beacon.wrapper;

import dev.beacon.protocol.Connected;
import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.Protocol;
import dev.beacon.tls.JdkTls;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.tls.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A beacon node and bridge in one, on a real loopback socket with real TLS (the node's certificate outside, the
 * bridge's inside), that plays its part up to one phase and then stops answering without closing: what a wrapper
 * meets behind a frozen process, a GC stall or a black-holed path.
 */
final class StallingBeacon implements AutoCloseable {
    /** The phase after which nothing more comes. */
    enum Stall {
        /** Accepts TCP (the kernel does, even for a SIGSTOPped process) and never speaks TLS. */
        TLS,
        /** Completes the outer TLS handshake, reads CONNECT, never answers it. */
        CONNECTED,
        /** Answers CONNECTED, never answers the inner ClientHello. */
        INNER_TLS,
        /** Answers CONNECTED, reads the inner ClientHello and closes: a bridge replica that dies as it is handed the stream. */
        CUT_INNER,
        /** Completes inner TLS, reads the HTTP request, never answers it. */
        ANSWER,
        /** Answers the HTTP request's head and then one body byte every 200 ms, for ever. */
        TRICKLE,
        /** Answers {@code 200 ok}: a healthy node. */
        NONE
    }

    private final Stall stall;
    private final ServerSocket server;
    private final SSLContext outer;
    private final SSLContext inner;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();

    StallingBeacon(TestPki pki, Stall stall) throws IOException {
        this.stall = stall;
        this.outer = JdkTls.context(TlsMaterial.load(pki.node("na")));
        this.inner = JdkTls.context(TlsMaterial.load(pki.innerBridge("acme", "vault")));
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "stalling-beacon-" + stall);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                held.add(s);
                Thread t = new Thread(() -> serve(s), "stalling-beacon-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket raw) {
        try {
            if (stall == Stall.TLS) return; // held open, never read
            SSLSocket s = (SSLSocket) outer.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
            s.setUseClientMode(false);
            s.setNeedClientAuth(true);
            s.startHandshake();
            FrameCodec.read(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES); // CONNECT
            if (stall == Stall.CONNECTED) return;
            FrameCodec.write(s.getOutputStream(), new Connected(1, "5713a4", "na").toFrame());
            if (stall == Stall.INNER_TLS) return;
            if (stall == Stall.CUT_INNER) {
                s.getInputStream().read(new byte[512]); // some of the ClientHello
                raw.close();
                return;
            }
            SSLSocket in = (SSLSocket) inner.getSocketFactory().createSocket(s, null, s.getPort(), true);
            in.setUseClientMode(false);
            in.setNeedClientAuth(true);
            in.startHandshake();
            readHead(in.getInputStream());
            requests.incrementAndGet();
            if (stall == Stall.ANSWER) return;
            OutputStream out = in.getOutputStream();
            if (stall == Stall.TRICKLE) {
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                while (true) {
                    out.write('.');
                    out.flush();
                    Thread.sleep(200); // the trickle itself, not a wait in a test
                }
            }
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            in.close();
        } catch (IOException | InterruptedException e) {
            // the wrapper gave up, or the test closed us
        }
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int c = in.read();
            if (c < 0) throw new IOException("closed inside the request head");
            matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : held) s.close();
    }
}
