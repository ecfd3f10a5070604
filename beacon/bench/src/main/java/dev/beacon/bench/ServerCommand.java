package dev.beacon.bench;

import dev.beacon.config.HostPort;
import dev.beacon.splice.Transport;
import dev.beacon.tls.TlsContexts;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.TlsMaterial;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The benchmark's server: an mTLS listener (direct and HAProxy set-ups) and a bridge role toward beacon nodes. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Serve the bench protocol (echo, download) on an mTLS port, and as a bridge on beacon nodes. "
                + "Started by 'run'; useful alone to benchmark by hand.")
final class ServerCommand implements Callable<Integer> {
    @Option(names = "--port", required = true, description = "mTLS port to listen on (127.0.0.1)")
    int port;

    @Option(names = "--tls", required = true, description = "Directory with tls.crt, tls.key, ca.crt for the listener")
    Path tlsDir;

    @Option(names = "--beacon", description = "A beacon node's relay address (host:port) to register the bench bridge on; repeatable")
    List<String> beacons = new ArrayList<>();

    @Option(names = "--bridge-tls", description = "Directory with the bench bridge's tls.crt, tls.key, ca.crt (needed with --beacon)")
    Path bridgeTlsDir;

    @Option(names = "--pool", defaultValue = "16", description = "Warm data connections per beacon node (default: ${DEFAULT-VALUE})")
    int pool;

    @Option(names = "--threads", defaultValue = "2", description = "Event loop threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--ready-file", description = "Written once listening and registered on every beacon")
    Path readyFile;

    @Override
    public Integer call() throws Exception {
        SslContext serverTls = TlsContexts.server(TlsMaterial.load(files(tlsDir)));
        EventLoopGroup group = Transport.group(threads, "bench-server");
        Channel listener = Transport.configure(new ServerBootstrap()).group(group).channel(Transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("tls", serverTls.newHandler(ch.alloc())).addLast("serve", new Serve());
                    }
                })
                .bind("127.0.0.1", port).sync().channel();
        if (!beacons.isEmpty()) {
            if (bridgeTlsDir == null) throw new IllegalArgumentException("--beacon needs --bridge-tls");
            SslContext bridgeTls = TlsContexts.client(TlsMaterial.load(files(bridgeTlsDir)), true);
            for (String b : beacons) {
                BridgeRole role = new BridgeRole(group, bridgeTls, beacon(b), pool);
                role.start();
                if (!role.registered.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("not registered on " + b + " within 30 s");
            }
        }
        System.out.println("bench server listening on 127.0.0.1:" + port + (beacons.isEmpty() ? "" : ", bridge on " + beacons)
                + ", TLS " + TlsContexts.provider() + ", transport " + Transport.name());
        if (readyFile != null) Files.writeString(readyFile, "ready\n");
        listener.closeFuture().sync();
        return 0;
    }

    static TlsFiles files(Path dir) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("no such directory: " + dir);
        return new TlsFiles(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"));
    }

    private static HostPort beacon(String b) {
        try {
            return HostPort.parse(b);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--beacon " + e.getMessage(), e);
        }
    }
}
