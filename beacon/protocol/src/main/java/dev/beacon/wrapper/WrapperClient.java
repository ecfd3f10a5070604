package dev.beacon.wrapper;

import dev.beacon.config.HostPort;
import dev.beacon.protocol.Backoff;
import dev.beacon.protocol.Connect;
import dev.beacon.protocol.Connected;
import dev.beacon.protocol.ErrorCode;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameCodec;
import dev.beacon.protocol.FrameType;
import dev.beacon.protocol.NodePeer;
import dev.beacon.protocol.Offer;
import dev.beacon.protocol.Protocol;
import dev.beacon.protocol.ProtocolException;
import dev.beacon.protocol.Refusal;
import dev.beacon.tls.Identity;
import dev.beacon.tls.JdkTls;
import dev.beacon.tls.Role;
import dev.beacon.tls.TlsMaterial;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The reference wrapper-side client: dials a beacon over mTLS, asks for a bridge, and runs inner TLS to the
 * bridge through the relayed stream. Retries what the protocol marks retryable (draining, overloaded, unknown
 * bridge while it reconnects) and connection failures, across the beacon addresses, until {@code retryFor}.
 */
public final class WrapperClient {

    public static final class Options {
        /** host:port of beacon nodes (or one load-balanced address). */
        public List<String> beacons = new ArrayList<>();
        /** Outer TLS: certificate from the beacon's CA, trust in the beacon's CA. */
        public TlsMaterial outer;
        /** Inner TLS: certificate from the company CA, trust in the company CA. */
        public TlsMaterial inner;
        // The client timeouts, numbered as in docs/protocol.md section 13: each bounds one phase in which a frozen
        // node, a stalled process or a black-holed path can hold the wrapper.
        /** Rules 1 and 2: TCP connect, then the outer TLS handshake, each (a frozen node accepts TCP and never answers TLS). */
        public Duration connectTimeout = Duration.ofSeconds(5);
        /** Rule 3: from CONNECT sent to CONNECTED or ERROR; above the beacon's limits.streamSetupTimeout (5 s), after which it answers. */
        public Duration setupTimeout = Duration.ofSeconds(10);
        /**
         * Rule 4: the inner TLS handshake with the bridge. A healthy bridge finishes it in milliseconds; a frozen replica
         * never does, and the retry budget must leave room for a second attempt, which another replica serves.
         */
        public Duration innerHandshakeTimeout = Duration.ofSeconds(5);
        /** Rule 5: silence once the request is under way; above the bridge's 30 s OpenBao deadline, so its 503 arrives. */
        public Duration readTimeout = Duration.ofSeconds(60);
        /** Rule 6: how long to keep starting new attempts after retryable failures; zero means one attempt. */
        public Duration retryFor = Duration.ofSeconds(10);
        /** Rule 7: the whole call, opening and the exchange on the stream, whatever it waits for; zero means none. */
        public Duration deadline = Duration.ofSeconds(90);
        /**
         * Rule 8: an address whose node did not answer (connect or outer handshake timed out, refused, reset, no answer to
         * CONNECT) is tried after the others by the calls of the next this long, so a frozen node costs one call its
         * timeout instead of every call; zero forgets at once.
         */
        public Duration avoidFailedFor = Duration.ofSeconds(30);
        /** Check the beacon's certificate against the dialled host name (DNS/IP SAN). */
        public boolean verifyHostname = true;
        /** Protocol versions offered; newest first. */
        public List<Integer> versions = Protocol.SUPPORTED_VERSIONS;
    }

    private final Options options;
    private final SSLContext outerCtx;
    private final SSLContext innerCtx;
    /** Address -> System.nanoTime() until which it is tried last (rule 8). */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> avoided = new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.concurrent.atomic.LongAdder retries = new java.util.concurrent.atomic.LongAdder();

    public WrapperClient(Options options) {
        if (options.beacons.isEmpty()) throw new IllegalArgumentException("at least one beacon address is required");
        this.options = options;
        this.outerCtx = JdkTls.context(options.outer);
        this.innerCtx = options.inner == null ? null : JdkTls.context(options.inner);
    }

    /**
     * Opens a stream to {@code bridgeId} with inner TLS established, retrying retryable failures on the next address.
     * The returned stream carries the call's overall deadline ({@link Options#deadline}); closing it stops the clock.
     */
    public WrapperStream open(String bridgeId) throws IOException {
        Deadline overall = new Deadline(options.deadline);
        try {
            return open(bridgeId, overall);
        } catch (IOException | RuntimeException e) {
            overall.cancel();
            if (overall.passed() && !(e instanceof ProtocolException)) throw overall.exceeded("opening a stream to bridge '" + bridgeId + "'", e);
            throw e;
        }
    }

    private WrapperStream open(String bridgeId, Deadline overall) throws IOException {
        long deadline = System.nanoTime() + options.retryFor.toNanos();
        Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2));
        List<String> order = order();
        int attempt = 0;
        while (true) {
            String beacon = order.get(attempt % order.size());
            try {
                WrapperStream s = openOnce(beacon, bridgeId, overall);
                avoided.remove(beacon);
                return s;
            } catch (ProtocolException e) {
                if (!e.retryable() || System.nanoTime() + nanos(e.retryAfterMs) > deadline) throw e;
                pause(Math.max(e.retryAfterMs, backoff.nextMillis()));
            } catch (java.net.SocketException | java.net.SocketTimeoutException | java.io.EOFException e) {
                // refused, reset (a source over its rate is closed before TLS, a stopping node closes what it holds),
                // cut, or silent past a timeout of rules 1-4 (a frozen node, a black-holed path, a frozen or dying bridge
                // replica): no request byte was sent yet, so another attempt, on the next address, is always safe
                if (!(e instanceof InnerHandshakeFailure)) avoid(beacon); // the node itself did not answer
                if (overall.passed() || System.nanoTime() > deadline) throw e;
                pause(backoff.nextMillis());
            } catch (javax.net.ssl.SSLHandshakeException e) {
                // The beacon closes before TLS when a source exceeds its rate or the node began draining: retry.
                // A certificate problem is not going to heal: fail at once.
                boolean expired = e.getMessage() != null && e.getMessage().startsWith("TLS handshake: certificate expired");
                if (expired || !closedEarly(e) || overall.passed() || System.nanoTime() > deadline) throw e;
                pause(backoff.nextMillis());
            }
            attempt++;
            retries.increment();
        }
    }

    /** Rule 8: the configured order, except that addresses that failed lately come last (soonest forgiven first). */
    private List<String> order() {
        if (avoided.isEmpty()) return options.beacons;
        long now = System.nanoTime();
        avoided.entrySet().removeIf(e -> e.getValue() - now <= 0);
        List<String> fresh = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (String b : options.beacons) (avoided.containsKey(b) ? failed : fresh).add(b);
        failed.sort(java.util.Comparator.comparingLong(b -> avoided.getOrDefault(b, now)));
        fresh.addAll(failed);
        return fresh;
    }

    private void avoid(String beacon) {
        if (!options.avoidFailedFor.isZero()) avoided.put(beacon, System.nanoTime() + options.avoidFailedFor.toNanos());
    }

    /**
     * The inner handshake (rule 4) timed out or was cut without a TLS alert: the bridge replica the stream was spliced to
     * is frozen or went away as it was handed the stream. Nothing was sent; another attempt is safe, and the node that
     * spliced it is fine.
     */
    static final class InnerHandshakeFailure extends java.net.SocketException {
        private static final long serialVersionUID = 1L;

        InnerHandshakeFailure(String message, Throwable cause) {
            super(message);
            initCause(cause);
        }
    }

    /** A handshake that ended because the stream ended (EOF, reset), not because the peer sent an alert. */
    private static boolean cutWithoutAlert(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            if (m.contains("alert")) return false;
            if (t instanceof java.io.EOFException || t instanceof java.net.SocketException
                    || m.contains("Remote host terminated the handshake")) return true;
        }
        return false;
    }

    /** Attempts {@link #open} made after a failed one, since this client was created (what a retry costs, for tests and dashboards). */
    public long retries() {
        return retries.sum();
    }

    /** One attempt at one beacon: outer TLS, CONNECT, CONNECTED, inner TLS; its own overall deadline starts now. */
    public WrapperStream openOnce(String beacon, String bridgeId) throws IOException {
        Deadline overall = new Deadline(options.deadline);
        try {
            return openOnce(beacon, bridgeId, overall);
        } catch (IOException | RuntimeException e) {
            overall.cancel();
            if (overall.passed() && !(e instanceof ProtocolException)) throw overall.exceeded("opening a stream on " + beacon, e);
            throw e;
        }
    }

    private WrapperStream openOnce(String beacon, String bridgeId, Deadline overall) throws IOException {
        try {
            return openOnceChecked(beacon, bridgeId, overall);
        } catch (java.net.SocketTimeoutException e) {
            throw e; // a silent peer, not a certificate problem
        } catch (java.net.SocketException | javax.net.ssl.SSLException e) {
            // the beacon's certificate_expired alert can be lost to a reset; our own certificate tells the same
            java.util.Optional<String> own = dev.beacon.tls.TlsErrors.ownExpired(options.outer, "beacon " + beacon);
            if (own.isPresent() && !(e.getMessage() != null && e.getMessage().startsWith("TLS handshake: certificate expired"))) {
                javax.net.ssl.SSLHandshakeException x = new javax.net.ssl.SSLHandshakeException(own.get());
                x.initCause(e);
                throw x;
            }
            throw e;
        }
    }

    private WrapperStream openOnceChecked(String beacon, String bridgeId, Deadline overall) throws IOException {
        SSLSocket outer = connectOuter(beacon, overall);
        try {
            FrameCodec.write(outer.getOutputStream(), new Connect(Offer.of(options.versions), bridgeId, null).toFrame());
            Frame frame;
            outer.setSoTimeout(millis(options.setupTimeout));
            try {
                frame = FrameCodec.read(outer.getInputStream(), Protocol.DEFAULT_MAX_FRAME_BYTES);
            } catch (java.net.SocketTimeoutException e) {
                throw timedOut("beacon " + beacon + ": no CONNECTED or ERROR within " + options.setupTimeout.toMillis()
                        + " ms of CONNECT (setupTimeout; the node accepted the connection, then stopped answering)", e);
            } catch (javax.net.ssl.SSLException e) {
                // TLS 1.3: the server judges our certificate after our side of the handshake is done; its alert comes here
                throw expiredOr(e, "beacon " + beacon);
            }
            if (frame.type() == FrameType.ERROR) throw Refusal.from(frame).toException();
            if (frame.type() != FrameType.CONNECTED) {
                throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "expected CONNECTED, got " + frame.type());
            }
            Connected reply = Connected.from(frame);
            if (innerCtx == null) throw new IllegalStateException("no inner TLS material configured");
            SSLSocket inner = (SSLSocket) innerCtx.getSocketFactory().createSocket(outer, bridgeId, outer.getPort(), true);
            inner.setUseClientMode(true);
            outer.setSoTimeout(millis(options.innerHandshakeTimeout));
            try {
                inner.startHandshake();
            } catch (java.net.SocketTimeoutException e) {
                throw new InnerHandshakeFailure("inner TLS handshake with bridge '" + bridgeId + "' via beacon " + beacon
                        + " not finished within " + options.innerHandshakeTimeout.toMillis()
                        + " ms (innerHandshakeTimeout; a frozen bridge replica)", e);
            } catch (IOException e) {
                java.util.Optional<String> expired = dev.beacon.tls.TlsErrors.expired(e, "bridge '" + bridgeId + "' (inner TLS)");
                if (expired.isPresent()) throw new IOException("inner " + expired.get(), e);
                if (cutWithoutAlert(e)) {
                    throw new InnerHandshakeFailure("inner TLS handshake with bridge '" + bridgeId + "' via beacon " + beacon
                            + " cut before it finished (" + e.getMessage() + "; the bridge replica went away), nothing sent", e);
                }
                throw new IOException("inner TLS handshake with bridge '" + bridgeId + "' failed: " + e.getMessage()
                        + " (the bridge refuses certificates not issued by its CA or not on its allow-list)", e);
            }
            Identity peer = Identity.of((X509Certificate) inner.getSession().getPeerCertificates()[0]).orElse(null);
            if (peer == null || peer.role() != Role.BRIDGE || !peer.name().equals(bridgeId)) {
                inner.close();
                throw new IOException("inner TLS peer is " + peer + ", not bridge '" + bridgeId + "'");
            }
            outer.setSoTimeout(millis(options.readTimeout)); // rule 5, for the exchange on the stream
            return new WrapperStream(outer, inner, options.inner, reply.node(), reply.stream(), overall);
        } catch (IOException | RuntimeException e) {
            outer.close();
            throw e;
        }
    }

    /** Outer mTLS to a beacon node, checked to be a node identity; reads then time out after readTimeout. For tools and tests. */
    public SSLSocket connectOuter(String beacon) throws IOException {
        SSLSocket s = connectOuter(beacon, new Deadline(Duration.ZERO));
        s.setSoTimeout(millis(options.readTimeout));
        return s;
    }

    private SSLSocket connectOuter(String beacon, Deadline overall) throws IOException {
        InetSocketAddress addr = parse(beacon);
        Socket raw = new Socket();
        raw.setTcpNoDelay(true);
        overall.watch(raw);
        try {
            raw.connect(addr, millis(options.connectTimeout));
        } catch (java.net.SocketTimeoutException e) {
            raw.close();
            throw timedOut("beacon " + beacon + ": no TCP connection within " + options.connectTimeout.toMillis() + " ms (connectTimeout)", e);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
        SSLSocket s = (SSLSocket) outerCtx.getSocketFactory().createSocket(raw, addr.getHostString(), addr.getPort(), true);
        s.setSoTimeout(millis(options.connectTimeout)); // rule 2: a frozen node accepts TCP and never answers TLS
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {"TLSv1.3"});
        p.setApplicationProtocols(new String[] {Protocol.ALPN});
        if (options.verifyHostname) p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        try {
            s.startHandshake();
            NodePeer.check(s.getSession(), null);
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            s.close();
            throw new IOException(beacon + ": " + e.getMessage(), e);
        } catch (java.net.SocketTimeoutException e) {
            s.close();
            throw timedOut("beacon " + beacon + ": accepted TCP but no TLS handshake within " + options.connectTimeout.toMillis()
                    + " ms (connectTimeout; a frozen or stalled node, or a black-holed path)", e);
        } catch (IOException e) {
            s.close();
            throw expiredOr(e, "beacon " + beacon);
        }
        return s;
    }

    /** {@code e} as a "certificate expired" handshake failure naming {@code who} when that is what it was, else {@code e}. */
    private static IOException expiredOr(IOException e, String who) {
        java.util.Optional<String> expired = dev.beacon.tls.TlsErrors.expired(e, who);
        if (expired.isEmpty()) return e;
        javax.net.ssl.SSLHandshakeException x = new javax.net.ssl.SSLHandshakeException(expired.get());
        x.initCause(e);
        return x;
    }

    private static java.net.SocketTimeoutException timedOut(String message, Throwable cause) {
        java.net.SocketTimeoutException e = new java.net.SocketTimeoutException(message);
        e.initCause(cause);
        return e;
    }

    /** A socket timeout; zero stays zero, which Java reads as none. */
    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    public Options options() {
        return options;
    }

    static InetSocketAddress parse(String hostPort) {
        try {
            HostPort h = HostPort.parse(hostPort);
            return new InetSocketAddress(h.host(), h.port());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("beacon address " + e.getMessage(), e);
        }
    }

    private static boolean closedEarly(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof java.io.EOFException || c instanceof java.net.SocketException) return true;
            String m = c.getMessage();
            if (m != null && (m.contains("closed") || m.contains("Connection reset"))) return true;
        }
        return false;
    }

    private static long nanos(long ms) {
        return ms * 1_000_000;
    }

    private static void pause(long ms) throws IOException {
        try {
            Thread.sleep(ms); // retry backoff, not a test wait
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while backing off");
        }
    }
}
