package dev.beacon.status.probe;

import dev.beacon.config.HostPort;
import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.tls.TlsMaterial;
import dev.beacon.wrapper.WrapperClient;
import dev.beacon.wrapper.WrapperStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The user's whole path: the public address, outer mTLS as a wrapper of the canary tenant, CONNECT to the canary
 * bridge, inner TLS end to end with it, then a few random bytes that must come back unchanged. The reference
 * {@link WrapperClient} does the dialling (one attempt: the {@link Prober} does the confirming retry); it blocks,
 * so each attempt runs on {@code blocking}, with its connect and read timeouts set to the attempt's timeout.
 *
 * <p>Reasons: "no bridge for canary" (the node answered unknown_bridge), "the node refused: overloaded: ...",
 * "echo: ... bytes came back different", "connection closed by the server", "connection refused", "timeout after 5 s".
 */
final class CanaryProbe implements Probe {
    /** Enough to cross a TLS record each way; small enough to cost nothing. */
    static final int ECHO_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HostPort publicAddress;
    private final String bridge;
    private final TlsMaterial outer;
    private final TlsMaterial inner;
    private final Executor blocking;

    CanaryProbe(HostPort publicAddress, String bridge, TlsMaterial outer, TlsMaterial inner, Executor blocking) {
        this.publicAddress = publicAddress;
        this.bridge = bridge;
        this.outer = outer;
        this.inner = inner;
        this.blocking = blocking;
    }

    @Override
    public String component() {
        return "canary";
    }

    @Override
    public CompletableFuture<Void> attempt(Duration timeout) {
        return CompletableFuture.runAsync(() -> {
            try {
                echo(timeout);
            } catch (IOException | ProbeFailure e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, blocking);
    }

    private void echo(Duration timeout) throws IOException, ProbeFailure {
        WrapperClient.Options o = new WrapperClient.Options();
        o.beacons = List.of(publicAddress.toString());
        o.outer = outer;
        o.inner = inner;
        o.connectTimeout = timeout;
        o.setupTimeout = timeout;
        o.innerHandshakeTimeout = timeout;
        o.readTimeout = timeout;
        o.retryFor = Duration.ZERO;
        byte[] sent = new byte[ECHO_BYTES];
        RANDOM.nextBytes(sent);
        try (WrapperStream s = new WrapperClient(o).openOnce(publicAddress.toString(), bridge)) {
            s.out().write(sent);
            s.out().flush();
            byte[] back = readFully(s.in(), sent.length);
            if (!Arrays.equals(sent, back)) throw new ProbeFailure("echo: the " + ECHO_BYTES + " bytes came back different");
        } catch (ProtocolException e) {
            if (e.code == ErrorCode.UNKNOWN_BRIDGE) throw new ProbeFailure("no bridge for canary", e);
            throw e;
        }
    }

    private static byte[] readFully(InputStream in, int n) throws IOException, ProbeFailure {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            int r = in.read(b, got, n - got);
            if (r < 0) throw new ProbeFailure("echo: the stream closed after " + got + " of " + n + " bytes");
            got += r;
        }
        return b;
    }
}
