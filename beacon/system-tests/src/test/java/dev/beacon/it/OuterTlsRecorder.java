package dev.beacon.it;

import dev.beacon.tls.JdkTls;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Sits between a bridge and the beacon and records, in the clear, what each writes to the other: it ends the outer
 * TLS on both sides with the test PKI's own certificates (the node's towards the bridge, the bridge's towards the
 * beacon), so it sees exactly what the bridge would see after decrypting the outer TLS. No production code involved.
 */
final class OuterTlsRecorder implements AutoCloseable {

    /** One bridge connection (control or data): each direction's bytes after the outer TLS, in order. */
    static final class Connection {
        private final ByteArrayOutputStream fromBeacon = new ByteArrayOutputStream();
        private final ByteArrayOutputStream fromBridge = new ByteArrayOutputStream();
        private final CountDownLatch ended = new CountDownLatch(2);

        byte[] fromBeacon() {
            synchronized (fromBeacon) {
                return fromBeacon.toByteArray();
            }
        }

        byte[] fromBridge() {
            synchronized (fromBridge) {
                return fromBridge.toByteArray();
            }
        }

        /** Both directions are over (closed or reset). */
        boolean ended() {
            return ended.getCount() == 0;
        }
    }

    final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final SSLServerSocket server;
    private final SSLSocketFactory asBridge;
    private final int beaconPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "outer-tls-recorder");
        t.setDaemon(true);
        return t;
    });

    OuterTlsRecorder(TlsFiles node, TlsFiles bridge, int beaconPort) throws IOException {
        this.beaconPort = beaconPort;
        this.asBridge = JdkTls.context(TlsMaterial.load(bridge)).getSocketFactory();
        this.server = (SSLServerSocket) JdkTls.context(TlsMaterial.load(node)).getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true); // as the beacon does: the bridge presents its certificate
        threads.execute(this::accept);
    }

    /** What the bridge should dial instead of the beacon. */
    String address() {
        return "localhost:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket fromBridge = server.accept();
                sockets.add(fromBridge);
                threads.execute(() -> open(fromBridge));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void open(Socket bridgeSide) {
        Socket beaconSide;
        try {
            beaconSide = asBridge.createSocket("127.0.0.1", beaconPort);
            sockets.add(beaconSide);
        } catch (IOException e) {
            close(bridgeSide);
            return;
        }
        Connection c = new Connection();
        connections.add(c);
        threads.execute(() -> pump(bridgeSide, beaconSide, c.fromBridge, c.ended));
        pump(beaconSide, bridgeSide, c.fromBeacon, c.ended);
    }

    /** Copies {@code from} to {@code to}, recording every byte; when either side ends, both are closed. */
    private static void pump(Socket from, Socket to, ByteArrayOutputStream record, CountDownLatch ended) {
        byte[] buf = new byte[16384];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buf)) > 0; ) {
                synchronized (record) {
                    record.write(buf, 0, n);
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // a reset or a close from the other pump: this direction is over either way
        } finally {
            close(from);
            close(to);
            ended.countDown();
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
        sockets.forEach(OuterTlsRecorder::close);
        threads.shutdownNow();
    }
}
